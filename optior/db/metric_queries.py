"""The narrow per-case selection the OR efficiency metrics are computed from."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select, tuple_

from optior.db.case_filter import CaseFilter, filter_condition
from optior.db.schema import cases
from optior.db.sql_time import iso_date

TIMELINE_COLUMNS = (
    "room", "case_date", "service", "booked_minutes", "in_room_minutes", "scheduled_minute", "in_minute",
    "out_minute",
)


def _epoch_days(dates: pd.Series) -> np.ndarray:
    """ISO dates as whole days since 1970-01-01, converting each distinct date once."""
    codes, distinct = pd.factorize(dates)
    return np.asarray(distinct, dtype="datetime64[D]").astype("int64")[codes]


def case_timeline(connection: Connection, case_filter: CaseFilter) -> pd.DataFrame:
    """The cases of every room-day the filter touches, sorted by room, day, wheels in and scheduled start.

    A service filter keeps whole room-days (those with at least one case of the services), so
    turnovers and utilization see every case in the room. Clock times are minutes after the case
    date's midnight; `day` is days since 1970-01-01 (a Thursday); rooms and services are categoricals.
    """
    condition = filter_condition(case_filter, by_service=False)
    if case_filter.services is not None:
        room_days = select(cases.c.or_suite, cases.c.case_date).where(filter_condition(case_filter))
        condition = condition & tuple_(cases.c.or_suite, cases.c.case_date).in_(room_days)
    query = select(
        # The date as ISO text: converting each row to a date object would cost more than the query.
        cases.c.or_suite, iso_date(cases.c.case_date), cases.c.service, cases.c.booked_minutes,
        cases.c.in_room_minutes, cases.c.scheduled_start_minute, cases.c.wheels_in_minute, cases.c.wheels_out_minute,
    ).where(condition)
    frame = pd.read_sql(query, connection).set_axis(list(TIMELINE_COLUMNS), axis=1).astype(
        {"room": "category", "service": "category", "booked_minutes": "float64", "in_room_minutes": "float64",
         "scheduled_minute": "float64", "in_minute": "float64", "out_minute": "float64"}
    )
    day = _epoch_days(frame.pop("case_date"))
    # Sorting here is cheaper than ORDER BY in SQLite; a room-day's cases end up contiguous.
    order = np.lexsort((frame["scheduled_minute"], frame["in_minute"], day, frame["room"].cat.codes))
    return frame.assign(day=day).take(order).reset_index(drop=True)
