"""Dashboard data: what the data covers, one day's schedule and summary, per-service workload.

Aggregation happens in SQL on the date, room and service indexes, except the per-service workload: that is
read from the metric summary (from SQL while the summary cannot be used). Results are JSON-ready (dates and
times as ISO strings, durations in minutes or hours as the names say).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import partial

from optior.db import analytics_queries as queries
from optior.db.case_filter import CaseFilter
from optior.errors import InvalidInput
from optior.services.analytics_models import DaySummary
from optior.services.case_selection import build_case_filter, parse_day, site_names
from optior.services.data_admin import case_count
from optior.services.metric_definitions import metric_definitions
from optior.services.metric_summary import from_summary
from optior.services.metric_summary import service_totals as summary_service_totals
from optior.services.metrics import overall_figures
from optior.services.runtime import Runtime
from optior.vocabulary import natural_room_key, room_order_key

DAY_SUMMARY_FIGURES = (
    "cases", "rooms_used", "in_room_hours", "first_case_count", "late_first_starts",
    "first_case_on_time_pct", "booking_accurate_pct", "raw_utilization_pct",
    "adjusted_utilization_pct", "turnover_median_minutes", "overtime_minutes",
)
MAX_NEAREST_DAYS = 31


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _in_room_order(rows: list[dict]) -> list[dict]:
    """Rows sorted by site and room as people read names (a stable sort: each room's rows keep their order), each
    distinct room's sort key computed once."""
    keys = {room: room_order_key(*room) for room in {(row["site"], row["or_suite"]) for row in rows}}
    return sorted(rows, key=lambda row: keys[row["site"], row["or_suite"]])


def data_extent(runtime: Runtime) -> dict:
    """First and last day with cases, the case count, every day with cases, services, room names and sites."""
    with runtime.db.read() as connection:
        first_day, last_day = queries.date_span(connection)
        days = queries.days_with_cases(connection)
        room_names = sorted(queries.rooms(connection), key=natural_room_key)
        service_names = queries.services(connection)
        site_list = sorted(queries.sites(connection), key=natural_room_key)
    return {
        "first_day": _iso(first_day),
        "last_day": _iso(last_day),
        "case_count": case_count(runtime),
        "days_with_cases": [day.isoformat() for day in days],
        "services": service_names,
        "rooms": room_names,
        "sites": site_list,
    }


def service_names(runtime: Runtime) -> list[str]:
    """Every service with cases, sorted (what charts key their colours on)."""
    with runtime.db.read() as connection:
        return queries.services(connection)


def day_schedule(runtime: Runtime, *, day: date | str, sites: Iterable[str] | None = None) -> list[dict]:
    """Every case of a day (optionally of some sites) by site, room and wheels in: all its times, booked, actual and
    their difference.

    `difference_minutes` is actual in-room minus booked minutes (positive: ran longer than booked);
    `start_delay_minutes` is wheels in minus scheduled start.
    """
    chosen = parse_day(day, "day")
    with runtime.db.read() as connection:
        rows = queries.cases_on_day(connection, chosen, site_names(sites))
    for row in rows:
        for name in queries.CASE_TIMES:
            row[name] = row[name].isoformat()
    return _in_room_order(rows)


def nearest_days_with_cases(runtime: Runtime, *, day: date | str, count: int = 3) -> list[str]:
    """The count days with cases nearest to day (either side; the earlier wins a tie), oldest first."""
    chosen = parse_day(day, "day")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_NEAREST_DAYS:
        raise InvalidInput(f"count must be a whole number from 1 to {MAX_NEAREST_DAYS}.", {"field": "count"})
    with runtime.db.read() as connection:
        before, after = queries.days_around(connection, chosen, count)
    nearest = sorted(before + after, key=lambda other: (abs((other - chosen).days), other))[:count]
    return [other.isoformat() for other in sorted(nearest)]


def day_summary(runtime: Runtime, *, day: date | str, sites: Iterable[str] | None = None) -> DaySummary:
    """One day's headline figures (cases, rooms, in-room hours, late first starts, booking accuracy)."""
    chosen = parse_day(day, "day")
    figures = overall_figures(runtime, case_filter=CaseFilter(start=chosen, end=chosen, sites=site_names(sites)))
    figures["rooms_used"] = figures["first_case_count"]  # one first case per room that ran
    figures["in_room_hours"] = figures["in_room_minutes"] / 60
    definitions = metric_definitions(runtime.settings.metrics)
    return DaySummary.model_validate({
        "day": chosen,
        **{name: figures[name] for name in DAY_SUMMARY_FIGURES},
        "definitions": {name: definitions[name] for name in DAY_SUMMARY_FIGURES},
    })


def specialty_breakdown(
    runtime: Runtime,
    *,
    start: date | str,
    end: date | str,
    services: Iterable[str] | None = None,
    rooms: Iterable[str | int] | None = None,
    sites: Iterable[str] | None = None,
) -> list[dict]:
    """Per service, most in-room hours first: cases, mean booked and actual minutes, in-room hours."""
    case_filter = build_case_filter(start=start, end=end, rooms=rooms, services=services, sites=sites)
    totals = from_summary(runtime, partial(summary_service_totals, case_filter=case_filter))
    if totals is None:
        with runtime.db.read() as connection:
            totals = queries.service_totals(connection, case_filter)
    return [
        {
            "service": row["service"],
            "cases": int(row["cases"]),
            "mean_booked_minutes": float(row["mean_booked_minutes"]),
            "mean_in_room_minutes": float(row["mean_in_room_minutes"]),
            "mean_difference_minutes": float(row["mean_in_room_minutes"] - row["mean_booked_minutes"]),
            "in_room_hours": float(row["total_in_room_minutes"]) / 60,
        }
        for row in totals
    ]
