"""Reading and writing the summary's running totals per room (metric_room_running): packed arrays per room and month,
for every month from the room's first to the summary's last, so a month's totals are found by the month index.

Rooms are (site, or_suite) pairs here and room keys (vocabulary.room_key) in what is returned, as in
metric_summary_store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, Table, and_, delete, func, insert, literal_column, or_, select

from optior.db.driver_rows import driver_rows
from optior.db.metric_summary_store import RoomMonths, as_room_months
from optior.db.schema import metric_room_months, metric_room_running
from optior.months import add_months
from optior.vocabulary import room_key

RoomFrom = tuple[str, str, date]  # (site, or_suite, a month's first day)


def last_month(connection: Connection, *, running: bool) -> date | None:
    """The last month of the summary's month rows, or of its running rows (running); None when it has none."""
    table = metric_room_running if running else metric_room_months
    return connection.execute(select(func.max(table.c.month))).scalar_one()


def summary_rooms(connection: Connection) -> list[RoomFrom]:
    """Every room the summary has month rows for, with its first month."""
    table = metric_room_months
    query = select(table.c.site, table.c.or_suite, func.min(table.c.month)).group_by(table.c.site, table.c.or_suite)
    return [(site, name, first) for site, name, first in connection.execute(query)]


def _rooms_from(table, rooms: Sequence[RoomFrom], *, before: bool = False):
    """Rows of those (site, or_suite, month): from the month on, or (before) of the month before it."""
    return or_(*(and_(table.c.site == site, table.c.or_suite == name,
                      table.c.month < month if before else table.c.month >= month)
                 for site, name, month in rooms))


def read_months_from(connection: Connection, rooms: Sequence[RoomFrom], widths: dict[str, int]) -> RoomMonths:
    """The summary's month rows of each (site, or_suite) from its month on, with the named array columns."""
    table = metric_room_months
    return _read(connection, table, table.c.services, _rooms_from(table, rooms), widths)


def _running(connection: Connection, condition, widths: dict[str, int]) -> RoomMonths:
    """Running rows meeting condition (with an empty `services`, as RoomMonths has one)."""
    return _read(connection, metric_room_running, literal_column("''"), condition, widths)


def _read(connection: Connection, table: Table, services, condition, widths: dict[str, int]) -> RoomMonths:
    query = select(table.c.site, table.c.or_suite, table.c.month, services,
                   *(table.c[name] for name in widths)).where(condition)
    rows = driver_rows(connection, query)
    return as_room_months(rows, [room_key(row[0], row[1]) for row in rows], 2, widths)


def read_running_at(connection: Connection, months: Sequence[date], sites: tuple[str, ...] | None,
                    widths: dict[str, int]) -> RoomMonths:
    """The running rows of those months (first days) of the rooms of those sites (None: every site)."""
    table = metric_room_running
    condition = [table.c.month.in_(list(months))]
    if sites is not None:
        condition.append(table.c.site.in_(sites))
    return _running(connection, and_(*condition), widths)


def read_running_before(connection: Connection, rooms: Sequence[RoomFrom], widths: dict[str, int]) -> RoomMonths:
    """Per (site, or_suite, month), the room's running row of the month before, where it has one (rows are
    contiguous from the room's first month)."""
    table = metric_room_running
    months = {(site, name, add_months(month, -1)) for site, name, month in rooms}
    return _running(connection, or_(*(and_(table.c.site == site, table.c.or_suite == name, table.c.month == month)
                                      for site, name, month in months)), widths)


def replace_running(connection: Connection, rooms: Sequence[RoomFrom], rows: list[dict]) -> None:
    """Replace the running rows of each (site, or_suite) from its month on by rows (site, or_suite, month and the
    packed arrays)."""
    if rooms:
        connection.execute(delete(metric_room_running).where(_rooms_from(metric_room_running, rooms)))
    if rows:
        connection.execute(insert(metric_room_running), rows)


def delete_running_after(connection: Connection, month: date) -> None:
    """Delete every room's running rows after that month (the summary's last)."""
    connection.execute(delete(metric_room_running).where(metric_room_running.c.month > month))


def rooms_at(connection: Connection, month: date) -> list[tuple[str, str]]:
    """The rooms with a running row in that month."""
    table = metric_room_running
    return [(site, name) for site, name in connection.execute(
        select(table.c.site, table.c.or_suite).where(table.c.month == month))]
