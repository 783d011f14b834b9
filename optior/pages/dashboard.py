"""Dashboard: the day's OR schedule and key figures, and the selected range's mix, workload and efficiency."""

from __future__ import annotations

from datetime import date, timedelta

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html

from optior.components.day_panel import (
    day_kpi_cards,
    no_cases_message,
    schedule_columns,
    schedule_rows,
)
from optior.components.graph import graph
from optior.components.grid import data_grid
from optior.components.metrics_panel import empty_metrics, metrics_outputs, metrics_section, metrics_views
from optior.components.prefill import prefill
from optior.components.site_selector import site_selector
from optior.errors import OptiORError
from optior.figures.schedule import schedule_timeline, several_sites
from optior.figures.specialty import case_distribution, duration_by_specialty, workload_by_specialty
from optior.figures.theme import empty_figure
from optior.services import analytics, metrics, sites
from optior.vocabulary import room_label
from optior.web.callbacks import fast_callback
from optior.web.context import current_runtime

SITE = "dashboard-site"
DAY = "dashboard-day"
RANGE = "dashboard-range"
SERVICES = "dashboard-services"
ROOMS = "dashboard-rooms"
DAY_KPIS = "dashboard-day-kpis"
DAY_MESSAGE = "dashboard-day-message"
TIMELINE = "dashboard-timeline"
SCHEDULE = "dashboard-schedule-table"
RANGE_MESSAGE = "dashboard-range-message"
CASES_BY_SERVICE = "dashboard-cases-by-service"
DURATION_BY_SERVICE = "dashboard-duration-by-service"
WORKLOAD_BY_SERVICE = "dashboard-workload-by-service"
DEFAULT_RANGE_DAYS = 91


def _no_data_layout() -> dbc.Container:
    return dbc.Container(
        [
            html.H1("Dashboard", className="h3"),
            dbc.Alert(
                [
                    html.H2("No OR cases yet", className="h5"),
                    html.P(["Import your OR case export on the ", dcc.Link("Data page", href="/data"),
                            ", or load the bundled sample quarter with ", html.Code("python -m optior seed"), "."]),
                ],
                color="info",
            ),
        ],
        fluid=True,
    )


def _disabled_days(days_with_cases: list[str], first: date, last: date) -> list[str]:
    """Days between first and last without cases, so the calendar greys them out."""
    have = set(days_with_cases)
    every_day = ((first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1))
    return [day for day in every_day if day not in have]


def _day_section(extent: dict) -> html.Section:
    first, last = date.fromisoformat(extent["first_day"]), date.fromisoformat(extent["last_day"])
    return html.Section(
        [
            dbc.Row(
                [
                    dbc.Col(html.H2("Daily OR schedule", className="h4 mb-0"), width="auto"),
                    dbc.Col(
                        [
                            dbc.Label("Day", html_for=DAY, className="me-2 mb-0 small"),
                            dcc.DatePickerSingle(
                                id=DAY, date=last.isoformat(), min_date_allowed=first.isoformat(),
                                max_date_allowed=last.isoformat(), initial_visible_month=last.isoformat(),
                                disabled_days=_disabled_days(extent["days_with_cases"], first, last),
                                display_format="D MMM YYYY", first_day_of_week=1,
                            ),
                            html.Small("Greyed-out days have no cases.", className="text-muted ms-2"),
                        ],
                        className="d-flex align-items-center",
                    ),
                ],
                className="align-items-center g-3 mb-2",
            ),
            html.Div(id=DAY_MESSAGE),
            html.Div(id=DAY_KPIS, className="mb-2"),
            graph(TIMELINE),
            html.H3("Cases of the day", className="h6 mt-3"),
            data_grid(SCHEDULE, schedule_columns(), [], label="Cases of the day", file_name="or-schedule.csv",
                      empty_text="No cases on this day."),
            html.Small("Sort with the column headers, filter with their menu; Export CSV downloads the rows shown. "
                       "Difference = actual in-room minutes − booked minutes (positive: ran over).",
                       className="text-muted"),
        ],
        className="mb-4",
    )


def _default_range(extent: dict) -> tuple[date, date]:
    """The last DEFAULT_RANGE_DAYS days with data (or all of them)."""
    first, last = date.fromisoformat(extent["first_day"]), date.fromisoformat(extent["last_day"])
    return max(first, last - timedelta(days=DEFAULT_RANGE_DAYS - 1)), last


def _range_section(extent: dict) -> html.Section:
    first, last = date.fromisoformat(extent["first_day"]), date.fromisoformat(extent["last_day"])
    start, _last = _default_range(extent)
    controls = dbc.Row(
        [
            dbc.Col(
                [dbc.Label("Date range", html_for=RANGE, className="small mb-0 d-block"),
                 dcc.DatePickerRange(
                     id=RANGE, start_date=start.isoformat(), end_date=last.isoformat(),
                     min_date_allowed=first.isoformat(), max_date_allowed=last.isoformat(),
                     display_format="D MMM YYYY", first_day_of_week=1, minimum_nights=0,
                 )],
                md="auto",
            ),
            dbc.Col(
                [dbc.Label("Services", html_for=SERVICES, className="small mb-0"),
                 dcc.Dropdown(id=SERVICES, options=extent["services"], multi=True, placeholder="All services")],
                md=4,
            ),
            dbc.Col(
                [dbc.Label("Rooms", html_for=ROOMS, className="small mb-0"),
                 dcc.Dropdown(id=ROOMS, multi=True, **room_choices(extent["sites"], None, extent["rooms"]))],
                md=3,
            ),
        ],
        className="g-3 align-items-end mb-3",
    )
    return html.Section(
        [
            html.H2("Range: case mix, workload and OR efficiency", className="h4"),
            controls,
            html.Div(id=RANGE_MESSAGE),
            metrics_section(),
            dbc.Row(
                [dbc.Col(graph(CASES_BY_SERVICE), lg=4), dbc.Col(graph(DURATION_BY_SERVICE), lg=4),
                 dbc.Col(graph(WORKLOAD_BY_SERVICE), lg=4)],
                className="g-3",
            ),
        ]
    )


def room_choices(site_list: list[str], site: str | None, rooms: list[str]) -> dict:
    """The room filter's options, `rooms` being the names at the chosen site (or at the only one): by name within
    one site; with several sites and none chosen, no room filter (a name alone would mean that room at every site),
    and the placeholder says to choose a site first."""
    if len(site_list) > 1 and site is None:
        return {"options": [], "disabled": True, "placeholder": "Choose a site to filter rooms"}
    return {"options": [{"label": room_label(r), "value": r} for r in rooms], "disabled": False,
            "placeholder": "All rooms"}


def layout(**_query) -> dbc.Container:
    """The page with the latest day and the default range already drawn (the callbacks answer later changes)."""
    extent = analytics.data_extent(current_runtime())
    if not extent["case_count"]:
        return _no_data_layout()
    day, range_section = _day_section(extent), _range_section(extent)
    prefill(day, DAY_OUTPUTS, show_day(extent["last_day"]))
    range_values = (*(bound.isoformat() for bound in _default_range(extent)), None, None)
    prefill(range_section, CASE_MIX_OUTPUTS, show_case_mix(*range_values))
    prefill(range_section, EFFICIENCY_OUTPUTS, show_efficiency(*range_values))
    site_row = dbc.Row(site_selector(SITE, extent["sites"]), className="mb-2")
    return dbc.Container([html.H1("Dashboard", className="visually-hidden"), site_row, day, html.Hr(),
                          range_section], fluid=True)


dash.register_page(__name__, path="/", title="Dashboard · OptiOR", name="Dashboard", order=0, layout=layout)


DAY_OUTPUTS = (Output(DAY_KPIS, "children"), Output(DAY_MESSAGE, "children"), Output(TIMELINE, "figure"),
               Output(SCHEDULE, "rowData"))
RANGE_INPUTS = (Input(RANGE, "start_date"), Input(RANGE, "end_date"), Input(SERVICES, "value"), Input(ROOMS, "value"),
                Input(SITE, "value"))
CASE_MIX_OUTPUTS = (Output(CASES_BY_SERVICE, "figure"), Output(DURATION_BY_SERVICE, "figure"),
                    Output(WORKLOAD_BY_SERVICE, "figure"), Output(RANGE_MESSAGE, "children"))
EFFICIENCY_OUTPUTS = tuple(metrics_outputs())


@fast_callback(Output(ROOMS, "options"), Output(ROOMS, "disabled"), Output(ROOMS, "placeholder"),
               Output(ROOMS, "value"), Input(SITE, "value"), State(ROOMS, "value"), prevent_initial_call=True)
def choose_rooms_of_site(site: str | None, chosen: list[str] | None):
    """Offer the chosen site's rooms in the room filter, keeping the chosen rooms that site has."""
    runtime = current_runtime()
    site_list = sites.list_sites(runtime)
    shown = site or (site_list[0] if len(site_list) == 1 else None)
    choices = room_choices(site_list, site, sites.site_rooms(runtime, shown) if shown else [])
    offered = {option["value"] for option in choices["options"]}
    kept = [room for room in chosen or [] if room in offered]
    return choices["options"], choices["disabled"], choices["placeholder"], kept


def _sites(site: str | None) -> tuple[str, ...] | None:
    return (site,) if site else None


@fast_callback(*DAY_OUTPUTS, Input(DAY, "date"), Input(SITE, "value"), prevent_initial_call=True)
def show_day(day_text: str | None, site: str | None = None):
    """Draw the chosen day's key figures, timeline and case table (of the chosen site, or of every site)."""
    runtime = current_runtime()
    try:
        day = date.fromisoformat((day_text or "")[:10])
    except ValueError:
        return [], dbc.Alert("Pick a day from the calendar.", color="warning"), empty_figure("No day chosen."), []
    schedule = analytics.day_schedule(runtime, day=day, sites=_sites(site))
    if not schedule:
        nearby = [date.fromisoformat(d) for d in analytics.nearest_days_with_cases(runtime, day=day)]
        return [], no_cases_message(day, nearby), empty_figure("No cases on this day."), []
    summary = analytics.day_summary(runtime, day=day, sites=_sites(site))
    timeline = schedule_timeline(schedule, analytics.service_names(runtime))
    return day_kpi_cards(summary), None, timeline, schedule_rows(schedule, with_site=several_sites(schedule))


def _range_filters(start_text: str | None, end_text: str | None, services, rooms, site: str | None) -> dict:
    """The range controls as service-call arguments; TypeError/ValueError when a date is missing or malformed."""
    if start_text is None or end_text is None:
        raise TypeError("a date is missing")
    start, end = date.fromisoformat(start_text[:10]), date.fromisoformat(end_text[:10])
    return {"start": start, "end": end, "services": services or None, "rooms": rooms or None, "sites": _sites(site)}


def _problem(error: Exception) -> str:
    return error.message if isinstance(error, OptiORError) else "Choose a start and an end date."


@fast_callback(*CASE_MIX_OUTPUTS, *RANGE_INPUTS, prevent_initial_call=True)
def show_case_mix(start_text, end_text, services, rooms, site=None):
    """Draw the range's case mix, durations and workload by specialty (or say why not)."""
    runtime = current_runtime()
    try:
        breakdown = pd.DataFrame(analytics.specialty_breakdown(runtime, **_range_filters(
            start_text, end_text, services, rooms, site)))
    except (TypeError, ValueError, OptiORError) as error:
        message = _problem(error)
        blank = empty_figure(message)
        return blank, blank, blank, dbc.Alert(message, color="warning")
    all_services = analytics.service_names(runtime)
    note = None
    if breakdown.empty:
        note = dbc.Alert("No cases match these dates and filters: widen the range or clear a filter.", color="info")
    return (
        case_distribution(breakdown, all_services),
        duration_by_specialty(breakdown),
        workload_by_specialty(breakdown, all_services),
        note,
    )


@fast_callback(*EFFICIENCY_OUTPUTS, *RANGE_INPUTS, prevent_initial_call=True)
def show_efficiency(start_text, end_text, services, rooms, site=None):
    """Draw the range's OR efficiency cards and charts (or blank charts that say why not)."""
    try:
        result = metrics.or_metrics(current_runtime(), **_range_filters(start_text, end_text, services, rooms, site))
    except (TypeError, ValueError, OptiORError) as error:
        return empty_metrics(_problem(error))
    return metrics_views(result)
