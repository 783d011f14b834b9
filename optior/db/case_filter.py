"""The case selection shared by the analytics and metric queries: a date range, rooms, services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_

from optior.db.schema import cases


@dataclass(frozen=True)
class CaseFilter:
    """Cases from start to end (both inclusive), optionally only some rooms and services."""

    start: date
    end: date
    rooms: tuple[str, ...] | None = None
    services: tuple[str, ...] | None = None


def filter_condition(case_filter: CaseFilter, *, by_service: bool = True) -> ColumnElement[bool]:
    """The WHERE condition selecting the filter's cases (services ignored when by_service is False)."""
    conditions = [cases.c.case_date.between(case_filter.start, case_filter.end)]
    if case_filter.rooms is not None:
        conditions.append(cases.c.or_suite.in_(case_filter.rooms))
    if by_service and case_filter.services is not None:
        conditions.append(cases.c.service.in_(case_filter.services))
    return and_(*conditions)
