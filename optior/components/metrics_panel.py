"""The dashboard's OR efficiency block: key-figure cards, five charts, each with its definition, and the sites side
by side when the range spans more than one."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Output, html

from optior.components import format as fmt
from optior.components.graph import graph
from optior.components.kpi import kpi_card
from optior.components.tables import simple_table
from optior.figures.metrics import (
    booking_accuracy,
    on_time_starts,
    turnover_distribution,
    utilization_heatmap,
    weekly_trend,
)
from optior.figures.theme import empty_figure
from optior.services.metric_models import Figure, MetricDefinition, MetricParameters, OrMetrics

CARDS = "dashboard-metric-cards"
PARAMETERS = "dashboard-metric-parameters"
HEATMAP = "dashboard-utilization-heatmap"
TURNOVER = "dashboard-turnover"
ON_TIME_ROOM = "dashboard-on-time-by-room"
ON_TIME_SERVICE = "dashboard-on-time-by-service"
BOOKING = "dashboard-booking-accuracy"
TREND = "dashboard-weekly-trend"
SITE_COMPARISON = "dashboard-site-comparison"
GRAPHS = (HEATMAP, TURNOVER, ON_TIME_ROOM, ON_TIME_SERVICE, BOOKING, TREND)
# Which metric definitions explain each chart.
GRAPH_DEFINITIONS = {
    HEATMAP: ("raw_utilization_pct", "staffed_room_days"),
    TURNOVER: ("turnover_median_minutes", "idle_minutes"),
    ON_TIME_ROOM: ("first_case_on_time_pct", "on_time_start_pct"),
    ON_TIME_SERVICE: ("first_case_on_time_pct", "on_time_start_pct"),
    BOOKING: ("booking_accurate_pct", "under_booked_pct", "over_booked_pct"),
    TREND: ("raw_utilization_pct", "adjusted_utilization_pct", "first_case_on_time_pct", "booking_accurate_pct"),
}


def _graph_block(graph_id: str, width: int, *, per_room: bool = False) -> dbc.Col:
    """A chart and its definitions; a per-room chart keeps a readable width on a phone and scrolls sideways (a
    dozen sites' room labels would leave it no plot)."""
    chart = html.Div(graph(graph_id), className="chart-scroll") if per_room else graph(graph_id)
    return dbc.Col([chart, html.Div(id=f"{graph_id}-definition", className="small text-muted px-2")], lg=width)


def metrics_section() -> html.Div:
    """Static layout of the metrics block; its content comes from metrics_views()."""
    return html.Div(
        [
            html.Div(id=CARDS, className="mb-2"),
            html.Div(id=PARAMETERS, className="small text-muted mb-3"),
            html.Div(id=SITE_COMPARISON, className="mb-3"),
            dbc.Row([_graph_block(HEATMAP, 12, per_room=True)], className="g-3"),
            dbc.Row([_graph_block(TURNOVER, 6), _graph_block(TREND, 6)], className="g-3"),
            dbc.Row([_graph_block(ON_TIME_SERVICE, 6), _graph_block(BOOKING, 6)], className="g-3"),
            # Per-room charts take the whole width: a health system's 200 rooms are a row each.
            dbc.Row([_graph_block(ON_TIME_ROOM, 12, per_room=True)], className="g-3 mb-3"),
        ]
    )


def metrics_outputs() -> list[Output]:
    """The callback outputs metrics_views() fills, in order."""
    return [Output(CARDS, "children"), Output(PARAMETERS, "children"),
            *[Output(g, "figure") for g in GRAPHS], *[Output(f"{g}-definition", "children") for g in GRAPHS],
            Output(SITE_COMPARISON, "children")]


def _card(name: str, value: str, definitions: dict[str, MetricDefinition], detail: str | None = None) -> dbc.Col:
    entry = definitions[name]
    return dbc.Col(kpi_card(f"dashboard-metric-{name.replace('_', '-')}", entry.label, value, entry.definition,
                            detail=detail), xs=6, md=4, xl=True)


def _cards(overall: dict[str, Figure], definitions: dict[str, MetricDefinition]) -> dbc.Row:
    cards = [
        _card("raw_utilization_pct", fmt.percent(overall["raw_utilization_pct"]), definitions,
              f"prime time {fmt.percent(overall['prime_time_utilization_pct'])}"),
        _card("adjusted_utilization_pct", fmt.percent(overall["adjusted_utilization_pct"]), definitions),
        _card("turnover_median_minutes", fmt.minutes(overall["turnover_median_minutes"]), definitions,
              f"90th percentile {fmt.minutes(overall['turnover_p90_minutes'])}"),
        _card("first_case_on_time_pct", fmt.percent(overall["first_case_on_time_pct"]), definitions,
              f"all cases {fmt.percent(overall['on_time_start_pct'])}, "
              f"mean late {fmt.minutes(overall['mean_late_start_minutes'])}"),
        _card("booking_accurate_pct", fmt.percent(overall["booking_accurate_pct"]), definitions,
              f"under {fmt.percent(overall['under_booked_pct'])} · over {fmt.percent(overall['over_booked_pct'])}"),
        _card("overtime_minutes", fmt.hours((overall["overtime_minutes"] or 0) / 60), definitions,
              f"idle {fmt.hours((overall['idle_minutes'] or 0) / 60)}"),
    ]
    return dbc.Row(cards, className="g-2")


def _parameters_text(parameters: MetricParameters) -> str:
    return (
        f"Settings: staffed {parameters.staffed_start}–{parameters.staffed_end} on weekdays; prime time "
        f"{parameters.prime_start}–{parameters.prime_end}; turnover cut-off "
        f"{parameters.turnover_cutoff_minutes:.0f} min (credit capped at "
        f"{parameters.max_turnover_credit_minutes:.0f} min); on-time grace {parameters.on_time_grace_minutes:.0f}"
        f" min; booking tolerance ±{parameters.booking_tolerance_pct:.0f}% / "
        f"±{parameters.booking_tolerance_minutes:.0f} min. Change them with the OPTIOR_* settings (see README)."
    )


def _definition_text(names: tuple[str, ...], definitions: dict[str, MetricDefinition]) -> html.Details:
    """The chart's definitions, one click away."""
    return html.Details(
        [html.Summary("How is this measured?"),
         html.Ul([html.Li([html.Strong(f"{definitions[n].label}: "), definitions[n].definition])
                  for n in names], className="mb-1")],
        className="optior-definition",
    )


def _heatmap(result: OrMetrics):
    """By room-day for ranges up to about six months, by room-week up to two years, by room-month beyond, by
    room-year where rooms × months are too many cells (or_metrics returns one of them)."""
    if result.by_room_day is not None:
        return utilization_heatmap(pd.DataFrame(result.by_room_day), "day")
    if result.by_room_week is not None:
        return utilization_heatmap(pd.DataFrame(result.by_room_week), "week_start")
    if result.by_room_year is not None:
        return utilization_heatmap(pd.DataFrame(result.by_room_year), "year_start")
    return utilization_heatmap(pd.DataFrame(result.by_room_month), "month_start")


def _comparison_value(value: Figure | str, unit: str) -> str:
    """A figure of the comparison as users read it: percentages and minutes with their unit, counts grouped."""
    if unit == "%":
        return fmt.percent(value)
    if unit == "min":
        return fmt.minutes(value)
    return fmt.count(value)


def site_comparison_table(by_site: list[dict[str, Figure | str]],
                          definitions: dict[str, MetricDefinition]) -> html.Div:
    """Every figure of each site side by side: one row per figure, one column per site (sites are imported text;
    Dash shows them as text), each value with its unit; the definitions one click away below, as beside the
    charts (a definition column was squeezed to a word per line beside a dozen sites)."""
    names = tuple(name for name in by_site[0] if name != "site")
    rows = [[definitions[name].label, *[_comparison_value(row[name], definitions[name].unit) for row in by_site]]
            for name in names]
    return html.Div([
        html.H3("Sites side by side", className="h6"),
        simple_table(["Figure", *[str(row["site"]) for row in by_site]], rows,
                     label="OR efficiency figures of each site side by side"),
        _definition_text(names, definitions),
    ])


def metrics_views(result: OrMetrics) -> tuple:
    """Everything metrics_outputs() expects, built from or_metrics()'s result."""
    definitions, parameters = result.definitions, result.parameters
    histogram = pd.DataFrame([row.model_dump() for row in result.turnover_histogram])
    figures = (
        _heatmap(result),
        turnover_distribution(histogram, parameters.turnover_cutoff_minutes),
        on_time_starts(pd.DataFrame(result.by_room), "room", "On-time starts by room"),
        on_time_starts(pd.DataFrame(result.by_service), "service", "On-time starts by service"),
        booking_accuracy(pd.DataFrame(result.by_service)),
        weekly_trend(pd.DataFrame(result.by_week)),
    )
    texts = tuple(_definition_text(GRAPH_DEFINITIONS[g], definitions) for g in GRAPHS)
    sites = site_comparison_table(result.by_site, definitions) if result.by_site else None
    return (_cards(result.overall, definitions), _parameters_text(parameters), *figures, *texts, sites)


def empty_metrics(message: str) -> tuple:
    """The metrics block when nothing can be computed, saying why."""
    blank = empty_figure(message)
    return (None, None, *[blank] * len(GRAPHS), *[None] * len(GRAPHS), None)
