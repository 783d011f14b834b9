"""Dashboard queries: the data's extent, one day's cases, nearby days and per-service totals."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, func, select

from optior.db.case_filter import CaseFilter, filter_condition
from optior.db.schema import cases

# Rooms in natural order ("2" before "10", "OR 9" before "OR 10") without a Python sort.
ROOM_ORDER = (func.length(cases.c.or_suite), cases.c.or_suite)


def case_extent(connection: Connection) -> dict:
    """First and last case date and the number of cases (each an index lookup, not a scan)."""
    row = connection.execute(
        select(
            select(func.min(cases.c.case_date)).scalar_subquery().label("first_day"),
            select(func.max(cases.c.case_date)).scalar_subquery().label("last_day"),
            select(func.count()).select_from(cases).scalar_subquery().label("case_count"),
        )
    ).one()
    return dict(row._mapping)


def days_with_cases(connection: Connection) -> list[date]:
    """Every date that has at least one case, oldest first."""
    query = select(cases.c.case_date).distinct().order_by(cases.c.case_date)
    return list(connection.execute(query).scalars())


def rooms(connection: Connection) -> list[str]:
    """Every OR suite that has cases, in natural order."""
    query = select(cases.c.or_suite).group_by(cases.c.or_suite).order_by(*ROOM_ORDER)
    return list(connection.execute(query).scalars())


def services(connection: Connection) -> list[str]:
    """Every service that has cases, alphabetically."""
    query = select(cases.c.service).distinct().order_by(cases.c.service)
    return list(connection.execute(query).scalars())


def cases_on_day(connection: Connection, day: date) -> list[dict]:
    """One day's cases by room and wheels-in time, with booked-versus-actual and start delay."""
    query = (
        select(
            cases.c.encounter_id, cases.c.or_suite, cases.c.service, cases.c.cpt_code,
            cases.c.cpt_description, cases.c.surgeon, cases.c.scheduled_start, cases.c.wheels_in,
            cases.c.procedure_start, cases.c.procedure_end, cases.c.wheels_out,
            cases.c.booked_minutes, cases.c.in_room_minutes,
            (cases.c.in_room_minutes - cases.c.booked_minutes).label("difference_minutes"),
            cases.c.procedure_minutes,
            (cases.c.wheels_in_minute - cases.c.scheduled_start_minute).label("start_delay_minutes"),
        )
        .where(cases.c.case_date == day)
        .order_by(*ROOM_ORDER, cases.c.wheels_in, cases.c.encounter_id)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


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
