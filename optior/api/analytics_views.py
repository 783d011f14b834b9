"""API views the dashboard's data comes from: a day's schedule, per-service aggregates, OR metrics."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response

from optior.api.operation import Operation
from optior.api.request_models import DayQuery, SelectionQuery, query
from optior.api.response_models import Analytics, Schedule
from optior.api.serialize import json_response
from optior.services import analytics, metrics
from optior.services.metric_models import OrMetrics
from optior.services.runtime import Runtime
from optior.web.context import current_runtime

# The dashboard's default range; metrics read every case of the range, so all data would be slow.
METRICS_DEFAULT_DAYS = 91


def schedule() -> Response:
    """The cases of ?date= (default: the latest day with cases) with all their times, and its summary."""
    runtime = current_runtime()
    asked = query(DayQuery)
    day = asked.date or _last_day(runtime)
    if day is None:
        return json_response(Schedule(date=None, cases=[], summary=None))
    return json_response(Schedule.model_validate({
        "date": day,
        "cases": analytics.day_schedule(runtime, day=day, sites=asked.site),
        "summary": analytics.day_summary(runtime, day=day, sites=asked.site),
    }))


def _last_day(runtime: Runtime) -> date | None:
    last = analytics.data_extent(runtime)["last_day"]
    return date.fromisoformat(last) if last else None


def _selection(runtime: Runtime, *, default_days: int | None) -> dict:
    """?start=&end=&service=&room=&site=; by default up to the last day with data, over default_days (None: all)."""
    asked = query(SelectionQuery)
    start, end = asked.start, asked.end
    if start is None or end is None:
        extent = analytics.data_extent(runtime)
        first, last = (date.fromisoformat(extent[key]) if extent[key] else None for key in ("first_day", "last_day"))
        if end is None:
            end = last or start or date.today()
            end = max(end, start) if start else end
        if start is None:
            earliest = end - timedelta(days=default_days - 1) if default_days else date.min
            start = min(end, max(first or end, earliest))
    return {"start": start, "end": end, "services": asked.service, "rooms": asked.room, "sites": asked.site}


def analytics_view() -> Response:
    """Per service over the selection (default: all data, so a script that passes no dates gets every case): cases,
    minutes, hours."""
    runtime = current_runtime()
    selection = _selection(runtime, default_days=None)
    return json_response(Analytics.model_validate(
        {**selection, "by_service": analytics.specialty_breakdown(runtime, **selection)}
    ))


def metrics_view() -> Response:
    """Utilization, turnover, on-time starts, booking accuracy and overtime (default: the dashboard's range)."""
    runtime = current_runtime()
    selection = _selection(runtime, default_days=METRICS_DEFAULT_DAYS)
    selection.pop("sites")  # the metrics do not take sites yet
    return json_response(metrics.or_metrics(runtime, **selection))


SCHEDULE = Operation(
    "schedule", "One day's cases with all their times, and the day's summary figures.",
    Schedule, "The day's cases by room and wheels in.", query=DayQuery, errors=(400,),
)
ANALYTICS = Operation(
    "analytics", "Per service over a range: cases, mean booked and in-room minutes, in-room hours.",
    Analytics, "Most in-room hours first.", query=SelectionQuery, errors=(400,),
)
METRICS = Operation(
    "metrics", "OR efficiency metrics over a range: utilization, turnover, on-time starts, booking, overtime; with "
    "their definitions and parameters.", OrMetrics, "Figures are null where undefined.", query=SelectionQuery,
    errors=(400,),
)
