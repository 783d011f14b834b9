"""The narrow per-case selection the OR efficiency metrics are computed from, and how they key a room."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select, tuple_

from optior.db.case_filter import CaseFilter, filter_condition
from optior.db.driver_rows import driver_rows
from optior.db.schema import cases
from optior.db.sql_time import epoch_day
from optior.vocabulary import room_key, split_room_key

# The timeline's columns as read, one record per case; `day` is epoch_day(case_date).
_RECORD = np.dtype([
    ("site", object), ("room", object), ("day", "int64"), ("service", object), ("booked_minutes", "float64"),
    ("in_room_minutes", "float64"), ("scheduled_minute", "float64"), ("in_minute", "float64"),
    ("out_minute", "float64"),
])
_NUMBERS = ("booked_minutes", "in_room_minutes", "scheduled_minute", "in_minute", "out_minute", "day")


def room_sites(rooms: pd.Series) -> pd.Categorical:
    """The site of each row's room key, working on the distinct keys only."""
    keys = rooms.astype("category").cat
    codes, sites = pd.factorize(np.asarray([split_room_key(key)[0] for key in keys.categories], dtype=object))
    return pd.Categorical.from_codes(codes[keys.codes.to_numpy()], categories=pd.Index(sites, dtype=object))


def room_keys(sites: Iterable[str], rooms: Iterable[str]) -> pd.Categorical:
    """Room keys of paired sites and rooms, each distinct key built once; the categories in (site, room) order, so
    the order of rooms never depends on the order the database returned the rows in (its plan may change)."""
    site_codes, site_names = pd.factorize(np.asarray(list(sites), dtype=object), sort=True)
    room_codes, room_names = pd.factorize(np.asarray(list(rooms), dtype=object), sort=True)
    width = max(len(room_names), 1)
    pairs, codes = np.unique(site_codes.astype("int64") * width + room_codes, return_inverse=True)
    keys = [room_key(site_names[pair // width], room_names[pair % width]) for pair in pairs]
    return pd.Categorical.from_codes(codes.reshape(-1), categories=pd.Index(keys, dtype=object))


def case_timeline(connection: Connection, case_filter: CaseFilter) -> pd.DataFrame:
    """The cases of every room-day the filter touches, sorted by room, day, wheels in and scheduled start.

    A service filter keeps whole room-days (those with at least one case of the services), so
    turnovers and utilization see every case in the room. Clock times are minutes after the case
    date's midnight; `day` is days since 1970-01-01 (a Thursday); `room` is the room key (room_key: site and
    room), a categorical as `service` is.
    """
    condition = filter_condition(case_filter, by_service=False)
    if case_filter.services is not None:
        room_days = select(cases.c.site, cases.c.or_suite, cases.c.case_date).where(filter_condition(case_filter))
        condition = condition & tuple_(cases.c.site, cases.c.or_suite, cases.c.case_date).in_(room_days)
    query = select(
        cases.c.site, cases.c.or_suite, epoch_day(cases.c.case_date), cases.c.service, cases.c.booked_minutes,
        cases.c.in_room_minutes, cases.c.scheduled_start_minute, cases.c.wheels_in_minute, cases.c.wheels_out_minute,
    ).where(condition)
    rows = driver_rows(connection, query)
    records = np.fromiter(rows, dtype=_RECORD, count=len(rows))
    room, service = room_keys(records["site"], records["room"]), pd.Categorical(records["service"])
    # Sorting here is cheaper than ORDER BY in SQLite; a room-day's cases end up contiguous.
    order = np.lexsort((records["scheduled_minute"], records["in_minute"], records["day"], room.codes))
    return pd.DataFrame({
        "room": room.take(order), "service": service.take(order), **{name: records[name][order] for name in _NUMBERS}
    })
