"""The SQL behind model features: case rows with their position in the room's day, and form options."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from pandas.api.types import union_categoricals
from sqlalchemy import Connection, func, select

from optior.db.schema import cases

# Position of a case in its room's day, from the schedule only (known before the day of surgery). A room is a
# site's room: the partition follows ix_cases_site_suite_date_start, so the window needs no sort of its own.
_POSITION = (
    func.row_number()
    .over(partition_by=(cases.c.site, cases.c.or_suite, cases.c.case_date),
          order_by=(cases.c.scheduled_start, cases.c.id))
    .label("position_in_day")
)
# Only what the model needs: the features' sources and the target, never the other outcome columns.
_CASE_ROWS = select(
    cases.c.id,
    cases.c.case_date,
    cases.c.scheduled_start,
    cases.c.service,
    cases.c.cpt_code,
    cases.c.site,
    cases.c.or_suite,
    cases.c.surgeon,
    cases.c.booked_minutes,
    _POSITION,
    cases.c.in_room_minutes,
)
ROW_COLUMNS = tuple(column.name for column in _CASE_ROWS.selected_columns)
_TEXT_COLUMNS = ("service", "cpt_code", "site", "or_suite", "surgeon")


def _compact(part: list, columns: tuple[str, ...]) -> pd.DataFrame:
    """Build a chunk with categorical text and datetime64 dates, so a million rows stay small."""
    frame = pd.DataFrame([tuple(row) for row in part], columns=list(columns))  # plain tuples: 4x faster
    for column in _TEXT_COLUMNS:
        frame[column] = frame[column].astype("category")
    frame["case_date"] = pd.to_datetime(frame["case_date"])
    frame["scheduled_start"] = pd.to_datetime(frame["scheduled_start"])
    return frame


def _concat(chunks: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunks, merging each text column's categories instead of falling back to objects."""
    joined = pd.concat([chunk.drop(columns=list(_TEXT_COLUMNS)) for chunk in chunks], ignore_index=True)
    for column in _TEXT_COLUMNS:
        joined[column] = union_categoricals([chunk[column] for chunk in chunks], ignore_order=True)
    return joined[list(ROW_COLUMNS)]


def read_case_rows(connection: Connection, *, since: date | None = None, chunk_rows: int = 100_000) -> pd.DataFrame:
    """Every stored case (dated `since` or later, when given) as a feature source row plus its in-room minutes.

    Rows are ordered by case id. Whole dates are read, so each case's position in its room's day is counted
    among all of that day's cases. Reads in chunks of `chunk_rows` and keeps text as categoricals, which caps
    memory on large tables.
    """
    query = _CASE_ROWS if since is None else _CASE_ROWS.where(cases.c.case_date >= since)
    result = connection.execution_options(stream_results=True, yield_per=chunk_rows).execute(query)
    chunks = [_compact(part, ROW_COLUMNS) for part in result.partitions()]
    if not chunks:
        return _compact([], ROW_COLUMNS)
    return _concat(chunks).sort_values("id", kind="stable").reset_index(drop=True)


def cases_by_date(connection: Connection) -> list[tuple[date, int]]:
    """How many stored cases each date has, oldest first (what the choice of training rows is made from)."""
    query = select(cases.c.case_date, func.count()).group_by(cases.c.case_date).order_by(cases.c.case_date)
    return [(row[0], int(row[1])) for row in connection.execute(query)]


def cases_before_in_room(
    connection: Connection, *, site: str, or_suite: str, case_date: date, scheduled_start: datetime | None
) -> int:
    """How many stored cases in that room of that site that day start before `scheduled_start` (all if None)."""
    query = select(func.count()).where(cases.c.site == site, cases.c.or_suite == or_suite,
                                       cases.c.case_date == case_date)
    if scheduled_start is not None:
        query = query.where(cases.c.scheduled_start < scheduled_start)
    return int(connection.execute(query).scalar_one())


def procedure_rows(connection: Connection) -> list[dict]:
    """Each (service, CPT code) with a description and its number of stored cases."""
    query = (
        select(
            cases.c.service,
            cases.c.cpt_code,
            func.max(cases.c.cpt_description).label("description"),
            func.count().label("cases"),
        )
        .group_by(cases.c.service, cases.c.cpt_code)
        .order_by(cases.c.service, cases.c.cpt_code)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def surgeon_rows(connection: Connection) -> list[dict]:
    """Each (service, surgeon) pair with its number of stored cases."""
    query = (
        select(cases.c.service, cases.c.surgeon, func.count().label("cases"))
        .where(cases.c.surgeon.is_not(None))
        .group_by(cases.c.service, cases.c.surgeon)
        .order_by(cases.c.service, cases.c.surgeon)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def room_names(connection: Connection) -> list[tuple[str, str]]:
    """Every (site, OR suite) that has a stored case."""
    return [(row[0], row[1]) for row in connection.execute(select(cases.c.site, cases.c.or_suite).distinct())]
