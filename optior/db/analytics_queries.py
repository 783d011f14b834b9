"""Dashboard queries: the data's extent, one day's cases, nearby days and per-service totals."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Connection, func, select

from optior.db.case_filter import CaseFilter, filter_condition
from optior.db.schema import cases, scheduled_cases


def date_span(connection: Connection) -> tuple[date | None, date | None]:
    """First and last case date (an index lookup each); None, None without cases."""
    first, last = connection.execute(
        select(
            select(func.min(cases.c.case_date)).scalar_subquery(),
            select(func.max(cases.c.case_date)).scalar_subquery(),
        )
    ).one()
    return first, last


def case_extent(connection: Connection) -> dict:
    """First and last case date and the number of cases (counted: it reads the whole table)."""
    first, last = date_span(connection)
    count = connection.execute(select(func.count()).select_from(cases)).scalar_one()
    return {"first_day": first, "last_day": last, "case_count": count}


def _distinct_values(connection: Connection, column: ColumnElement) -> list:
    """The distinct values of an indexed column in order, hopping from one to the next along its index.

    One index lookup per distinct value (a "loose index scan") instead of reading every row.
    """
    hop = select(func.min(column).label("value")).cte("hop", recursive=True)
    following = select(func.min(column)).where(column > hop.c.value).scalar_subquery()
    hop = hop.union_all(select(following).where(hop.c.value.is_not(None)))
    return list(connection.execute(select(hop.c.value).where(hop.c.value.is_not(None))).scalars())


def days_with_cases(connection: Connection) -> list[date]:
    """Every date that has at least one case, oldest first."""
    return _distinct_values(connection, cases.c.case_date)


def rooms(connection: Connection) -> list[str]:
    """Every OR suite name that has cases (at any site), in text order."""
    return _distinct_values(connection, cases.c.or_suite)


def sites(connection: Connection) -> list[str]:
    """Every site that has completed or scheduled cases, in text order (a hop along each table's site index)."""
    completed = _distinct_values(connection, cases.c.site)
    scheduled = _distinct_values(connection, scheduled_cases.c.site)
    return sorted(set(completed) | set(scheduled))


def site_rooms(connection: Connection, site: str) -> list[str]:
    """The OR suite names with cases at one site (an index range of that site)."""
    query = select(cases.c.or_suite).where(cases.c.site == site).distinct()
    return list(connection.execute(query).scalars())


def services(connection: Connection) -> list[str]:
    """Every service that has cases, alphabetically."""
    return _distinct_values(connection, cases.c.service)


CASE_TIMES = ("scheduled_start", "wheels_in", "procedure_start", "procedure_end", "wheels_out")


def cases_on_day(connection: Connection, day: date, sites: tuple[str, ...] | None = None) -> list[dict]:
    """One day's cases (optionally of some sites only) by wheels-in time, with booked-versus-actual and start delay;
    CASE_TIMES as datetimes."""
    query = (
        select(
            cases.c.encounter_id, cases.c.site, cases.c.or_suite, cases.c.service, cases.c.cpt_code,
            cases.c.cpt_description, cases.c.surgeon, cases.c.scheduled_start, cases.c.wheels_in,
            cases.c.procedure_start, cases.c.procedure_end, cases.c.wheels_out,
            cases.c.booked_minutes, cases.c.in_room_minutes,
            (cases.c.in_room_minutes - cases.c.booked_minutes).label("difference_minutes"),
            cases.c.procedure_minutes,
            (cases.c.wheels_in_minute - cases.c.scheduled_start_minute).label("start_delay_minutes"),
        )
        .where(cases.c.case_date == day, *([cases.c.site.in_(sites)] if sites is not None else []))
        .order_by(cases.c.wheels_in, cases.c.encounter_id)
    )
    result = connection.execute(query)
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def days_around(connection: Connection, day: date, count: int) -> tuple[list[date], list[date]]:
    """Up to count dates with cases before day (nearest first) and after it (nearest first)."""
    dates = select(cases.c.case_date).distinct()
    before = dates.where(cases.c.case_date < day).order_by(cases.c.case_date.desc()).limit(count)
    after = dates.where(cases.c.case_date > day).order_by(cases.c.case_date).limit(count)
    return list(connection.execute(before).scalars()), list(connection.execute(after).scalars())


def service_totals(connection: Connection, case_filter: CaseFilter) -> list[dict]:
    """Per service: case count, mean booked and actual in-room minutes, total in-room minutes."""
    query = (
        select(
            cases.c.service,
            func.count().label("cases"),
            func.avg(cases.c.booked_minutes).label("mean_booked_minutes"),
            func.avg(cases.c.in_room_minutes).label("mean_in_room_minutes"),
            func.sum(cases.c.in_room_minutes).label("total_in_room_minutes"),
        )
        .where(filter_condition(case_filter))
        .group_by(cases.c.service)
        .order_by(func.sum(cases.c.in_room_minutes).desc(), cases.c.service)
    )
    return [dict(row._mapping) for row in connection.execute(query)]
