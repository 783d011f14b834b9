"""The case selection shared by the analytics and metric queries: a date range, sites, rooms, services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_

from optior.db.schema import cases


@dataclass(frozen=True)
class CaseFilter:
    """Cases from start to end (both inclusive), optionally only some sites, rooms and services.

    Rooms are stored room names: with sites, they narrow to those sites' rooms of that name; without, a name
    selects that room at every site.
    """

    start: date
    end: date
    rooms: tuple[str, ...] | None = None
    services: tuple[str, ...] | None = None
    sites: tuple[str, ...] | None = None


def filter_condition(case_filter: CaseFilter, *, by_service: bool = True) -> ColumnElement[bool]:
    """The WHERE condition selecting the filter's cases (services ignored when by_service is False)."""
    conditions = [cases.c.case_date.between(case_filter.start, case_filter.end)]
    if case_filter.sites is not None:
        conditions.append(cases.c.site.in_(case_filter.sites))
    if case_filter.rooms is not None:
        conditions.append(cases.c.or_suite.in_(case_filter.rooms))
    if by_service and case_filter.services is not None:
        conditions.append(cases.c.service.in_(case_filter.services))
    return and_(*conditions)
