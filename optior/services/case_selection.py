"""The date range, sites, rooms and services a user picks: validated into a CaseFilter."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from optior.db.case_filter import CaseFilter
from optior.errors import InvalidInput


def parse_day(value: date | str, field: str) -> date:
    """A date from a date, a datetime or an ISO string (YYYY-MM-DD, optionally with a time)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            pass
    raise InvalidInput(f"{field} must be a date in YYYY-MM-DD form, not {value!r}.", {"field": field})


def _names(values: Iterable[str | int] | None, field: str) -> tuple[str, ...] | None:
    """Names as a tuple of stripped strings; None or an empty list means no filter."""
    if values is None:
        return None
    if isinstance(values, (str, int)):
        values = [values]
    names = tuple(str(value).strip() for value in values)
    if any(not name for name in names):
        raise InvalidInput(f"{field} contains an empty name.", {"field": field})
    return names or None


def build_case_filter(
    *,
    start: date | str,
    end: date | str,
    rooms: Iterable[str | int] | None = None,
    services: Iterable[str] | None = None,
    sites: Iterable[str] | None = None,
) -> CaseFilter:
    """Check a selection (end not before start, names not empty) and return it as a CaseFilter."""
    first, last = parse_day(start, "start"), parse_day(end, "end")
    if last < first:
        raise InvalidInput(f"end ({last}) is before start ({first}).", {"field": "end"})
    return CaseFilter(start=first, end=last, rooms=_names(rooms, "rooms"), services=_names(services, "services"),
                      sites=site_names(sites))


def site_names(sites: Iterable[str] | None) -> tuple[str, ...] | None:
    """Sites as a tuple of stripped names (None or an empty list: every site)."""
    return _names(sites, "sites")
