"""The narrow per-case selection the OR efficiency metrics are computed from."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select, tuple_

from optior.db.case_filter import CaseFilter, filter_condition
from optior.db.driver_rows import driver_rows
from optior.db.schema import cases
from optior.db.sql_time import epoch_day

# The timeline's columns as read, one record per case; `day` is epoch_day(case_date).
_RECORD = np.dtype([
    ("room", object), ("day", "int64"), ("service", object), ("booked_minutes", "float64"),
    ("in_room_minutes", "float64"), ("scheduled_minute", "float64"), ("in_minute", "float64"),
    ("out_minute", "float64"),
])
_NUMBERS = ("booked_minutes", "in_room_minutes", "scheduled_minute", "in_minute", "out_minute", "day")


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
        cases.c.or_suite, epoch_day(cases.c.case_date), cases.c.service, cases.c.booked_minutes,
        cases.c.in_room_minutes, cases.c.scheduled_start_minute, cases.c.wheels_in_minute, cases.c.wheels_out_minute,
    ).where(condition)
    rows = driver_rows(connection, query)
    records = np.fromiter(rows, dtype=_RECORD, count=len(rows))
    room, service = pd.Categorical(records["room"]), pd.Categorical(records["service"])
    # Sorting here is cheaper than ORDER BY in SQLite; a room-day's cases end up contiguous.
    order = np.lexsort((records["scheduled_minute"], records["in_minute"], records["day"], room.codes))
    return pd.DataFrame({
        "room": room.take(order), "service": service.take(order), **{name: records[name][order] for name in _NUMBERS}
    })
