"""Advance predictions matched to the actual minutes that arrived later: sums per case date, in SQL."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, case, func, select

from optior.db.schema import advance_predictions, cases
from optior.db.sql_time import epoch_day

EPOCH = date(1970, 1, 1)


def advance_error_sums_by_day(connection: Connection) -> list[dict]:
    """Per case date: matched cases, sum of |actual − P50|, sum of actual − P50, cases inside P10–P90."""
    error = cases.c.in_room_minutes - advance_predictions.c.p50_minutes
    inside = case(
        ((cases.c.in_room_minutes >= advance_predictions.c.p10_minutes)
         & (cases.c.in_room_minutes <= advance_predictions.c.p90_minutes), 1),
        else_=0,
    )
    day = epoch_day(cases.c.case_date)
    query = (
        select(day.label("day"), func.count().label("cases"), func.sum(func.abs(error)).label("abs_error"),
               func.sum(error).label("error"), func.sum(inside).label("inside"))
        .select_from(advance_predictions.join(cases, cases.c.encounter_id == advance_predictions.c.encounter_id))
        .group_by(day)
        .order_by(day)
    )
    return [
        {"case_date": EPOCH + timedelta(days=int(row.day)), "cases": int(row.cases),
         "abs_error": float(row.abs_error), "error": float(row.error), "inside": int(row.inside)}
        for row in connection.execute(query)
    ]
