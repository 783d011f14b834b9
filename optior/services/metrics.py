"""OR efficiency metrics for a date range: utilization, turnover, on-time starts, booking, overtime.

Results are typed (metric_models.OrMetrics): figures named with their unit (`_pct`, `_minutes`), dates as
ISO strings in the breakdowns, None where a figure is undefined (e.g. no staffed room-days), and each figure's
definition and the parameters used alongside, so every edge shows the same text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from optior.config import MetricSettings
from optior.db.case_filter import CaseFilter
from optior.db.metric_queries import case_timeline, room_sites
from optior.errors import InvalidInput
from optior.services.case_selection import build_case_filter
from optior.services.metric_calc import (
    CASE_SUMS,
    SUMS,
    MetricInputs,
    MetricViews,
    case_contributions,
    figures,
    inputs_from_contributions,
    turnover_histogram,
    turnover_percentiles,
)
from optior.services.metric_definitions import clock_minutes, metric_definitions, metric_parameters
from optior.services.metric_models import OrMetrics, SiteComparison
from optior.services.metric_summary import summary_inputs, summary_views
from optior.services.runtime import Runtime
from optior.vocabulary import natural_room_key, room_order_key, split_room_key

TURNOVER_BIN_MINUTES = 5.0
# Longer ranges get the heatmap by room and ISO week instead of by room-day, and beyond two years by room and
# month: its cells, and the work of an all-data answer, grow with rooms times periods (1,000 rooms over ten
# years are 520,000 room-weeks but 120,000 room-months).
ROOM_DAY_MAX_DAYS = 186
ROOM_WEEK_MAX_DAYS = 731
ROOM_DAY_COLUMNS = (
    "cases", "staffed_minutes", "staffed_in_room_minutes", "raw_utilization_pct", "adjusted_utilization_pct",
    "prime_time_utilization_pct", "turnover_credit_minutes", "idle_minutes", "overtime_minutes",
    "turnover_count", "late_first_starts",
)
ROOM_WEEK_COLUMNS = ("staffed_room_days", *ROOM_DAY_COLUMNS)
WEEK_COLUMNS = (
    "cases", "staffed_room_days", "raw_utilization_pct", "adjusted_utilization_pct",
    "prime_time_utilization_pct", "overtime_minutes", "idle_minutes", "turnover_median_minutes",
    "turnover_p90_minutes", "first_case_on_time_pct", "on_time_start_pct", "booking_accurate_pct",
    "under_booked_pct", "over_booked_pct",
)


def check_metric_settings(params: MetricSettings) -> None:
    """Refuse parameters no metric can be computed with, naming the setting and its variable."""
    windows = (
        ("staffed", params.staffed_start, params.staffed_end, "OPTIOR_STAFFED_START/OPTIOR_STAFFED_END"),
        ("prime", params.prime_start, params.prime_end, "OPTIOR_PRIME_START/OPTIOR_PRIME_END"),
    )
    for name, start, end, variables in windows:
        if clock_minutes(end) <= clock_minutes(start):
            raise InvalidInput(
                f"The {name} window ends ({end:%H:%M}) before it starts ({start:%H:%M}); check {variables}.",
                {"field": f"{name}_end"},
            )
    for field in (
        "max_turnover_credit_minutes", "turnover_cutoff_minutes", "on_time_grace_minutes",
        "booking_tolerance_pct", "booking_tolerance_minutes",
    ):
        if getattr(params, field) < 0:
            raise InvalidInput(f"The metric setting {field} must not be negative.", {"field": field})


def _python_values(values: np.ndarray) -> list:
    """A column as a list of Python values, None for NaN."""
    if values.dtype.kind != "f":
        return values.tolist()
    plain = values.astype(object)
    plain[np.isnan(values)] = None
    return plain.tolist()


def _columns(frame: pd.DataFrame) -> dict[str, list]:
    """Columns as lists of plain Python values, None for NaN."""
    return {name: _python_values(frame[name].to_numpy()) for name in frame.columns}


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values, None for NaN."""
    columns = _columns(frame)
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _iso_days(days: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 as ISO date strings, formatting each distinct day once."""
    codes, distinct = pd.factorize(days)
    return np.asarray(distinct, dtype="datetime64[D]").astype(str).astype(object)[codes]


def _natural_room_order(frame: pd.DataFrame, *then: str) -> pd.DataFrame:
    """Split the `room` keys into `site` and `room` (the first two columns) and sort by site and room as people
    read names ("OR 2" before "OR 10"), then by the other columns."""
    keys = frame["room"].astype(str)
    split = {key: split_room_key(key) for key in keys.unique()}
    in_order = pd.Categorical(keys, categories=sorted(split, key=lambda key: room_order_key(*split[key])),
                              ordered=True)
    ordered = frame.assign(room=in_order).sort_values(["room", *then])
    codes = ordered["room"].cat.codes.to_numpy()
    site_of, room_of = (np.array([split[key][part] for key in in_order.categories], dtype=object) for part in (0, 1))
    ordered = ordered.assign(room=room_of[codes])
    ordered.insert(0, "site", site_of[codes])
    return ordered


def direct_inputs(runtime: Runtime, case_filter: CaseFilter) -> MetricInputs:
    """The metric inputs summed from the filter's cases (no summary involved)."""
    with runtime.db.read() as connection:
        timeline = case_timeline(connection, case_filter)
    return inputs_from_contributions(case_contributions(timeline, runtime.settings.metrics, case_filter.services))


def _inputs(runtime: Runtime, case_filter: CaseFilter, *, daily: bool = True) -> MetricInputs:
    """From the summary; from the cases while another process holds the lock needed to rebuild it.

    Unless daily is set, room_days may hold parts of room-weeks instead of room-days (see read_inputs).
    """
    check_metric_settings(runtime.settings.metrics)
    inputs = summary_inputs(runtime, case_filter, daily=daily)
    return inputs if inputs is not None else direct_inputs(runtime, case_filter)


def _views(runtime: Runtime, case_filter: CaseFilter, *, heatmap: str | None) -> MetricViews:
    """The inputs of an answer whose heatmap is by "day", "week" or "month" (None: no per-room figures).

    A long range of every room and service takes its totals from the summary's rows per site and month and its
    per-room figures from small arrays per room and month (see read_views); otherwise both views are one set of
    inputs (see _inputs).
    """
    if heatmap != "day" and case_filter.rooms is None and case_filter.services is None:
        check_metric_settings(runtime.settings.metrics)
        views = summary_views(runtime, case_filter, heatmap=heatmap)
        if views is not None:
            return views
    inputs = _inputs(runtime, case_filter, daily=heatmap == "day")
    return MetricViews(per_room=inputs, totals=inputs, week_turnovers=inputs.turnovers)


def _site_of(frame: pd.DataFrame) -> pd.Series | pd.Categorical:
    """Each row's site: its `site` column, or the site of its room key."""
    return frame["site"] if "site" in frame else room_sites(frame["room"])


def _overall(inputs: MetricInputs) -> dict:
    totals = inputs.room_days[list(SUMS)].sum().to_frame().T
    return _records(figures(totals, turnover_percentiles(inputs.turnovers)))[0]


def overall_figures(runtime: Runtime, *, case_filter: CaseFilter) -> dict:
    """Every figure for the whole selection (no breakdowns), as one plain dict."""
    return _overall(_inputs(runtime, case_filter))


def _rolled_up(inputs: MetricInputs, key: str, turnovers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every figure per value of key (turnovers: the inputs' unless given)."""
    sums = inputs.room_days.groupby(key, sort=False, observed=True)[list(SUMS)].sum()
    turnovers = inputs.turnovers if turnovers is None else turnovers
    return figures(sums, turnover_percentiles(turnovers, key)).rename_axis(key).reset_index()


def _by_service(inputs: MetricInputs) -> list[dict]:
    sums = inputs.service_days.groupby("service", observed=True)[list(CASE_SUMS)].sum()
    frame = figures(sums, turnover_percentiles(inputs.turnovers, "service")).rename_axis("service").reset_index()
    return _records(frame.assign(service=frame["service"].astype(str)).sort_values("service"))


def _staffed(room_days: pd.DataFrame) -> pd.DataFrame:
    return room_days[room_days["staffed_room_days"] > 0]


def _by_room_day(room_days: pd.DataFrame) -> dict[str, list]:
    staffed = _staffed(room_days)
    frame = figures(staffed).assign(room=staffed["room"], day=_iso_days(staffed["day"]))
    return _columns(_natural_room_order(frame[["room", "day", *ROOM_DAY_COLUMNS]], "day"))


def _week_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the ISO week ("2026-W27") and its Monday ("2026-06-29") of the `week` column, labelling each week once."""
    codes, weeks = pd.factorize(frame["week"])
    monday = pd.to_datetime(weeks, unit="D")
    iso = monday.isocalendar()
    iso_week = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    return frame.assign(
        week_start=np.asarray(monday.strftime("%Y-%m-%d"), dtype=object)[codes],
        iso_week=iso_week.to_numpy(dtype=object)[codes],
    )


def _by_room_week(room_days: pd.DataFrame) -> dict[str, list]:
    sums = _staffed(room_days).groupby(["room", "week"], observed=True)[list(SUMS)].sum()
    frame = _week_labels(figures(sums).reset_index())
    return _columns(_natural_room_order(frame[["room", "iso_week", "week_start", *ROOM_WEEK_COLUMNS]], "week_start"))


def _by_room_period(room_days: pd.DataFrame, period: str) -> dict[str, list]:
    """Staffed room-days summed per room and calendar month or year (columns `month_start` or `year_start`)."""
    months = room_days["month"].to_numpy()
    staffed = _staffed(room_days.assign(month=months - months % 12 if period == "year" else months))
    sums = staffed.groupby(["room", "month"], observed=True)[list(SUMS)].sum()
    frame = figures(sums).reset_index()
    codes, firsts = pd.factorize(frame["month"])
    labels = np.asarray(firsts, dtype="datetime64[M]").astype("datetime64[D]").astype(str).astype(object)
    label = f"{period}_start"
    frame = frame.assign(**{label: labels[codes]})
    return _columns(_natural_room_order(frame[["room", label, *ROOM_WEEK_COLUMNS]], label))


def _site_count(room_days: pd.DataFrame) -> int:
    """How many sites the rows name (from room keys: at least as many as have rows), without a pass over room keys."""
    sites = _site_of(room_days)
    return len(sites.categories if isinstance(sites, pd.Categorical) else pd.unique(sites))


def _by_site(inputs: MetricInputs) -> list[dict]:
    """Every figure per site (rows keyed by `site`, in natural order), as by_room is per room."""
    room_days = inputs.room_days.assign(site=_site_of(inputs.room_days))
    sums = room_days.groupby("site", observed=True)[list(SUMS)].sum()
    turnovers = inputs.turnovers.assign(site=_site_of(inputs.turnovers))
    frame = figures(sums, turnover_percentiles(turnovers, "site")).rename_axis("site").reset_index()
    frame = frame.assign(site=frame["site"].astype(str))
    names = frame["site"].tolist()
    return _records(frame.iloc[sorted(range(len(names)), key=lambda row: natural_room_key(names[row]))])


def _by_week(views: MetricViews) -> list[dict]:
    frame = _week_labels(_rolled_up(views.totals, "week", views.week_turnovers).sort_values("week"))
    return _records(frame[["iso_week", "week_start", *WEEK_COLUMNS]])


def metric_glossary(runtime: Runtime) -> dict:
    """The metric parameters in force and every figure's definition (needs no data)."""
    params = runtime.settings.metrics
    return {"parameters": metric_parameters(params), "definitions": metric_definitions(params)}


def or_metrics(
    runtime: Runtime,
    *,
    start: date | str,
    end: date | str,
    rooms: Iterable[str | int] | None = None,
    services: Iterable[str] | None = None,
    sites: Iterable[str] | None = None,
) -> OrMetrics:
    """Utilization, turnover, on-time starts, booking accuracy and overtime for a range of days.

    Returns `overall` figures; breakdowns as lists of rows: `by_room`, `by_service` (case figures
    only) and `by_week` (ISO weeks, for a trend); a heatmap as columns (a dict of equally long lists:
    `pd.DataFrame(result.by_room_day)`): `by_room_day` (staffed room-days) for ranges of up to
    ROOM_DAY_MAX_DAYS days, `by_room_week` (staffed room-days summed per room and ISO week) up to
    ROOM_WEEK_MAX_DAYS, `by_room_month` (per room and calendar month) beyond, or `by_room_year` where rooms × months
    exceed metric_summary.MAX_MONTH_CELLS, the others None;
    `turnover_histogram` bins; the `filters` and `parameters` used; `definitions` of every figure; and
    `by_site`, every figure per site, when the selection spans more than one site (None otherwise). Rooms are
    keyed by `site` and `room`. With a service filter, room-day figures (utilization, idle, overtime) cover the
    whole room-days in which the services operated, case figures only the services' cases.
    """
    case_filter = build_case_filter(start=start, end=end, rooms=rooms, services=services, sites=sites)
    days = (case_filter.end - case_filter.start).days
    by_day, by_week = days < ROOM_DAY_MAX_DAYS, ROOM_DAY_MAX_DAYS <= days < ROOM_WEEK_MAX_DAYS
    views = _views(runtime, case_filter, heatmap="day" if by_day else "week" if by_week else "month")
    per_room, totals = views.per_room, views.totals
    by_year = views.heatmap == "year"
    assert per_room is not None, "a heatmap asks for the per-room view"
    by_site = _by_site(totals) if _site_count(totals.room_days) > 1 else []
    return OrMetrics.model_validate({
        "filters": _filters(case_filter),
        **metric_glossary(runtime),
        "overall": _overall(totals),
        "by_site": by_site if len(by_site) > 1 else None,
        "by_room": _records(_natural_room_order(_rolled_up(per_room, "room"))),
        "by_service": _by_service(totals),
        "by_room_day": _by_room_day(per_room.room_days) if by_day else None,
        "by_room_week": _by_room_week(per_room.room_days) if by_week else None,
        "by_room_month": None if by_day or by_week or by_year else _by_room_period(per_room.room_days, "month"),
        "by_room_year": _by_room_period(per_room.room_days, "year") if by_year else None,
        "by_week": _by_week(views),
        "turnover_histogram": turnover_histogram(
            totals.turnovers,
            cutoff=runtime.settings.metrics.turnover_cutoff_minutes,
            bin_minutes=TURNOVER_BIN_MINUTES,
        ),
    })


def _filters(case_filter: CaseFilter) -> dict:
    """The selection as the results state it (None: every room, service or site)."""
    return {
        "start": case_filter.start,
        "end": case_filter.end,
        "rooms": list(case_filter.rooms) if case_filter.rooms else None,
        "services": list(case_filter.services) if case_filter.services else None,
        "sites": list(case_filter.sites) if case_filter.sites else None,
    }


def site_comparison(
    runtime: Runtime,
    *,
    start: date | str,
    end: date | str,
    rooms: Iterable[str | int] | None = None,
    services: Iterable[str] | None = None,
    sites: Iterable[str] | None = None,
) -> SiteComparison:
    """Every figure of each site of the selection side by side (what or_metrics gives as `by_site`, here also for
    one site), with the definitions and parameters; cheaper than or_metrics, as it draws no breakdown by room or
    week."""
    case_filter = build_case_filter(start=start, end=end, rooms=rooms, services=services, sites=sites)
    by_site = _by_site(_views(runtime, case_filter, heatmap=None).totals)
    return SiteComparison.model_validate({
        "filters": _filters(case_filter), **metric_glossary(runtime),
        "sites": [row["site"] for row in by_site], "by_site": by_site,
    })
