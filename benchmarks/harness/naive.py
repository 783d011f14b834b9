"""The naive approach, for comparison: read the whole cases table into pandas per request, then aggregate.

Its answers are checked against OptiOR's, so the ratio compares the same work on the same machine.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from optior.db.schema import cases
from optior.services.runtime import Runtime


def _all_cases(runtime: Runtime) -> pd.DataFrame:
    """Every stored case, every column, read afresh for each dashboard request."""
    with runtime.db.read() as connection:
        frame = pd.read_sql_table(cases.name, connection)
    frame["case_date"] = pd.to_datetime(frame["case_date"])
    return frame


def day_schedule(runtime: Runtime, day: date) -> pd.DataFrame:
    """One day's cases by room and wheels-in time."""
    frame = _all_cases(runtime)
    chosen = frame[frame["case_date"] == pd.Timestamp(day)]
    return chosen.sort_values(["or_suite", "wheels_in", "encounter_id"])


def specialty_breakdown(runtime: Runtime, start: date, end: date) -> pd.DataFrame:
    """Per service over a date range: cases, mean booked and in-room minutes, in-room hours."""
    frame = _all_cases(runtime)
    chosen = frame[frame["case_date"].between(pd.Timestamp(start), pd.Timestamp(end))]
    totals = chosen.groupby("service").agg(
        cases=("encounter_id", "size"),
        mean_booked_minutes=("booked_minutes", "mean"),
        mean_in_room_minutes=("in_room_minutes", "mean"),
        in_room_minutes=("in_room_minutes", "sum"),
    )
    return totals.assign(in_room_hours=totals["in_room_minutes"] / 60).sort_values("in_room_minutes", ascending=False)
