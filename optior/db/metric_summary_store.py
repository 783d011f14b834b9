"""Reading and writing the OR metric summary: packed float64 rows per room (site and name) and month, and its settings
fingerprint.

The table holds arrays whose columns the metrics service defines; this module only packs, unpacks and selects
them. An array is stored as little-endian float64 bytes, row after row; its width is given by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import ARRAY, Connection, and_, any_, bindparam, delete, func, insert, select

from optior.db.case_filter import CaseFilter
from optior.db.driver_rows import driver_rows
from optior.db.schema import cases, metric_room_months, metric_room_running, metric_site_months, metric_summary_state
from optior.vocabulary import room_key, split_room_key

_LOOKUP_BATCH = 5_000


def pack(values: np.ndarray) -> bytes:
    """A 2-D array as the bytes a summary column stores."""
    return np.ascontiguousarray(values, dtype="<f8").tobytes()


@dataclass(frozen=True)
class Unpacked:
    """One array column of the rows read: the stacked arrays and, for each of their rows, the row it came from."""

    values: np.ndarray
    source_row: np.ndarray


def _unpack(blobs: list[bytes], width: int) -> Unpacked:
    lengths = np.fromiter((len(blob) // (8 * width) for blob in blobs), dtype="int64", count=len(blobs))
    values = np.frombuffer(b"".join(blobs), dtype="<f8").reshape(-1, width)
    return Unpacked(values, np.repeat(np.arange(len(blobs)), lengths))


@dataclass(frozen=True)
class RoomMonths:
    """Summary rows read: per row its room (or site, for metric_site_months), month (months since 1970-01) and
    `services` text; the arrays unpacked."""

    rooms: list[str]
    months: np.ndarray
    services: list[str]
    arrays: dict[str, Unpacked]


def read_room_months(
    connection: Connection, months: tuple[date, date], case_filter: CaseFilter, widths: dict[str, int]
) -> RoomMonths:
    """The summary rows of those months (first and last month's first days) of the filter's sites and rooms, with
    the named array columns; rooms come as room keys (metric_queries.room_key).

    Days and services are the caller's to filter.
    """
    table = metric_room_months
    condition = [table.c.month.between(*months)]
    if case_filter.sites is not None:
        condition.append(table.c.site.in_(case_filter.sites))
    if case_filter.rooms is not None:
        condition.append(table.c.or_suite.in_(case_filter.rooms))
    query = select(table.c.site, table.c.or_suite, table.c.month, table.c.services,
                   *(table.c[name] for name in widths)).where(and_(*condition))
    rows = driver_rows(connection, query)
    return as_room_months(rows, [room_key(row[0], row[1]) for row in rows], 2, widths)


def as_room_months(rows: list, keys: list[str], month_at: int, widths: dict[str, int]) -> RoomMonths:
    """Rows read (key columns, month, services, then the arrays of widths) as RoomMonths under those keys."""
    arrays = {
        name: _unpack([row[month_at + 2 + index] for row in rows], width)
        for index, (name, width) in enumerate(widths.items())
    }
    months_read = np.array([row[month_at] for row in rows], dtype="datetime64[D]").astype("datetime64[M]")
    return RoomMonths(keys, months_read.astype("int64"), [row[month_at + 1] for row in rows], arrays)


def read_site_months(
    connection: Connection, months: tuple[date, date], sites: tuple[str, ...] | None, widths: dict[str, int]
) -> RoomMonths:
    """The site rows (metric_site_months) of those months and sites (None: every site), keyed by site name."""
    table = metric_site_months
    condition = [table.c.month.between(*months)]
    if sites is not None:
        condition.append(table.c.site.in_(sites))
    query = select(table.c.site, table.c.month, table.c.services, *(table.c[name] for name in widths))
    rows = driver_rows(connection, query.where(and_(*condition)))
    return as_room_months(rows, [row[0] for row in rows], 1, widths)


def replace_site_months(
    connection: Connection, sites: tuple[str, ...] | None, months: tuple[date, date], rows: list[dict]
) -> None:
    """Replace the site rows of those sites (None: every site) and months by rows (site, month, services and the
    packed arrays)."""
    table = metric_site_months
    condition = [table.c.month.between(*months)]
    if sites is not None:
        condition.append(table.c.site.in_(sites))
    connection.execute(delete(table).where(and_(*condition)))
    if rows:
        connection.execute(insert(table), rows)


def delete_summary(connection: Connection, room: str | None = None, first: date | None = None,
                   last: date | None = None) -> None:
    """Delete the summary rows of one room's (a room key's) months from first to last, or every row (the site rows
    and running totals too) when no room is given."""
    table, statement = metric_room_months, delete(metric_room_months)
    if room is not None:
        site, name = split_room_key(room)
        statement = statement.where(table.c.site == site, table.c.or_suite == name, table.c.month.between(first, last))
    else:
        connection.execute(delete(metric_site_months))
        connection.execute(delete(metric_room_running))
    connection.execute(statement)


def insert_summary(connection: Connection, rows: list[dict]) -> None:
    """Insert rows of room (a room key), month, services and the arrays as pack() made them."""
    if rows:
        connection.execute(insert(metric_room_months), [
            {"site": site, "or_suite": name, **{key: value for key, value in row.items() if key != "room"}}
            for row in rows for site, name in [split_room_key(row["room"])]
        ])


def consistent_reads(connection: Connection) -> None:
    """Make the connection's next transaction see one snapshot (PostgreSQL reads committed data per statement)."""
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="REPEATABLE READ")


def summary_fingerprint(connection: Connection) -> str | None:
    """The fingerprint the summary was built with, or None when it was never built."""
    return connection.execute(select(metric_summary_state.c.fingerprint)).scalar_one_or_none()


def set_summary_fingerprint(connection: Connection, fingerprint: str) -> None:
    connection.execute(delete(metric_summary_state))
    connection.execute(insert(metric_summary_state).values(id=1, fingerprint=fingerprint, built_at=datetime.now()))


def room_date_spans(connection: Connection, batch_id: int) -> pd.DataFrame:
    """Each room's (room key's) first and last case date (room, first, last) among one import batch's cases."""
    query = select(cases.c.site, cases.c.or_suite, func.min(cases.c.case_date), func.max(cases.c.case_date))
    rows = connection.execute(
        query.where(cases.c.batch_id == batch_id).group_by(cases.c.site, cases.c.or_suite)).all()
    return pd.DataFrame([(room_key(site, room), first, last) for site, room, first, last in rows],
                        columns=["room", "first", "last"])


def stored_room_dates(connection: Connection, encounter_ids: list[str]) -> pd.DataFrame:
    """The stored room (room key) and date (encounter_id, room, day) of those encounters that exist."""
    def matching(ids: list[str]):
        if connection.dialect.name == "postgresql":  # one array parameter: cheaper than thousands in an IN list
            return cases.c.encounter_id == any_(bindparam("ids", ids, type_=ARRAY(cases.c.encounter_id.type)))
        return cases.c.encounter_id.in_(ids)

    parts = [
        connection.execute(
            select(cases.c.encounter_id, cases.c.site, cases.c.or_suite, cases.c.case_date)
            .where(matching(encounter_ids[start : start + _LOOKUP_BATCH]))
        ).all()
        for start in range(0, len(encounter_ids), _LOOKUP_BATCH)
    ]
    rows = [(encounter, room_key(site, room), day) for part in parts for encounter, site, room, day in part]
    return pd.DataFrame(rows, columns=["encounter_id", "room", "day"])
