"""Plan: the scheduled day ahead simulated room by room, bookings at a chosen percentile, and what-if moves."""

from __future__ import annotations

from datetime import date, timedelta

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from optior.components.graph import graph
from optior.components.plan_grid import (
    EDITABLE,
    case_table,
    column_defs,
    plan_rows,
    reorder,
    table_rows,
    what_if_cases,
)
from optior.components.plan_messages import fallback_notes, late_rooms, no_model, no_schedule, problem
from optior.components.plan_totals import percentile_text, plan_totals
from optior.components.prefill import prefill
from optior.components.site_selector import site_selector
from optior.errors import InvalidInput, ModelUnavailable, OptiORError
from optior.figures.plan import plan_timeline
from optior.services import planning
from optior.services.planning_models import (
    MAX_COST_RATIO,
    MAX_QUANTILE,
    MIN_COST_RATIO,
    MIN_QUANTILE,
    DayPlan,
    PlanOptions,
    WhatIfRequest,
    parse_model,
)
from optior.services.sites import list_sites
from optior.web.callbacks import fast_callback
from optior.web.context import current_runtime

DAY = "plan-day"
SITE = "plan-site"
COST_RATIO = "plan-cost-ratio"
PERCENTILE = "plan-percentile"
BOOKING_HINT = "plan-booking-hint"
MESSAGE = "plan-message"
NOTES = "plan-notes"
TOTALS = "plan-totals"
TIMELINE = "plan-timeline"
GRID = "plan-cases"
RESET = "plan-reset"
WHAT_IF_STATE = "plan-what-if-state"
SCHEDULE = "plan-schedule"  # the day's cases as scheduled: {encounter id: [room, start]}


def default_day(days: list[date], today: date, asked: str | None = None) -> date:
    """The day asked for in the address (?date=YYYY-MM-DD) if it has scheduled cases, else the next day with
    scheduled cases from today on, else the latest one."""
    try:
        if asked and (day := date.fromisoformat(str(asked)[:10])) in days:
            return day
    except ValueError:
        pass
    return next((day for day in days if day >= today), days[-1])


def _disabled_days(days: list[date]) -> list[str]:
    """Days between the first and last planned day without scheduled cases, so the calendar offers only the others."""
    have = set(days)
    every_day = (days[0] + timedelta(days=n) for n in range((days[-1] - days[0]).days + 1))
    return [day.isoformat() for day in every_day if day not in have]


def _controls(days: list[date], day: date, sites: list[str]) -> dbc.Row:
    return dbc.Row(
        [
            site_selector(SITE, sites),
            dbc.Col([
                dbc.Label("Day", html_for=DAY, className="small mb-0 d-block"),
                dcc.DatePickerSingle(
                    id=DAY, date=day.isoformat(), min_date_allowed=days[0].isoformat(),
                    max_date_allowed=days[-1].isoformat(), initial_visible_month=day.isoformat(),
                    disabled_days=_disabled_days(days), display_format="D MMM YYYY", first_day_of_week=1,
                ),
                html.Small(" Only days with scheduled cases can be picked.", className="text-muted d-block"),
            ], xs=12, md="auto"),
            dbc.Col([
                dbc.Label("Cost of an overtime minute (in idle minutes)", html_for=COST_RATIO,
                          className="small mb-0 d-block"),
                dbc.Input(id=COST_RATIO, type="number", min=MIN_COST_RATIO, max=MAX_COST_RATIO, step=0.05,
                          debounce=True, size="sm", style={"maxWidth": "8rem"}),
            ], xs=12, sm=6, md="auto"),
            dbc.Col([
                dbc.Label("or book at percentile", html_for=PERCENTILE, className="small mb-0 d-block"),
                dbc.Input(id=PERCENTILE, type="number", min=MIN_QUANTILE * 100, max=MAX_QUANTILE * 100, step=1,
                          debounce=True, size="sm", style={"maxWidth": "6rem"}),
            ], xs=12, sm=6, md="auto"),
            dbc.Col(html.Div(id=BOOKING_HINT, className="small fw-semibold"), xs=12, md=True,
                    className="align-self-end"),
        ],
        className="g-3 align-items-start mb-3",
    )


def _cases_section() -> html.Section:
    return html.Section([
        dbc.Row([
            dbc.Col(html.H2("Cases", className="h5 mb-0"), width="auto"),
            dbc.Col(html.Span(id=WHAT_IF_STATE), width="auto"),
            dbc.Col(dbc.Button("Reset to schedule", id=RESET, color="secondary", outline=True, size="sm"),
                    width="auto", className="ms-auto"),
        ], className="align-items-center g-2 mb-2"),
        html.P(["What if: change a case's ", html.Strong("Room"), ", ", html.Strong("Start"), " or ",
                html.Strong("Order"), " (✎ columns) and the day is simulated again at once. What-ifs are ",
                html.Strong("not saved"), "; Reset to schedule brings back the imported schedule. A new order gives "
                "the room's cases its start times in that order."], className="small text-muted mb-2"),
        case_table(GRID),
        html.Small("Booking flag: Short = booked shorter than the case's predicted 25th percentile (likely to "
                   "overrun); Long = booked longer than its 90th (likely to leave the room idle). Predicted "
                   "minutes are in-room minutes, wheels in to wheels out.", className="text-muted"),
    ])


def _plan_layout(days: list[date], day: date, sites: list[str]) -> list:
    return [
        _controls(days, day, sites),
        html.Div(id=MESSAGE),
        html.Div(id=TOTALS, className="mb-3"),
        html.Div(id=NOTES),
        html.P("Grey: the booked slot. Blue: the case's likely time in the room (median of the simulated days), "
               "its whisker the range its end falls in 8 days out of 10 (P10–P90). Diamond and triangle: the "
               "room's median and 90th-percentile finish; the red dashed line is the staffed end.",
               className="small text-muted mb-1"),
        html.Div(graph(TIMELINE), className="chart-scroll"),
        _cases_section(),
        dcc.Store(id=SCHEDULE),
    ]


def _page(content: list) -> dbc.Container:
    return dbc.Container([html.H1("Plan the day", className="h3"), *content], fluid=True)


def layout(**query) -> dbc.Container:
    """The next day with scheduled cases (or ?date=), already simulated (the callback answers later changes)."""
    runtime = current_runtime()
    days = planning.planned_days(runtime)
    if not days:
        return _page([no_schedule()])
    day = default_day(days, date.today(), query.get("date"))
    try:
        plan = planning.plan_day(runtime, day)
    except ModelUnavailable:
        return _page([no_model()])
    content = html.Div(_plan_layout(days, day, list_sites(runtime)))
    prefill(content, OUTPUTS, _answer(plan, changed=False, schedule=_schedule_of(plan)))
    return _page([content])


dash.register_page(__name__, path="/plan", title="Plan · OptiOR", name="Plan", order=1, layout=layout)


OUTPUTS = (
    Output(TIMELINE, "figure"), Output(TOTALS, "children"), Output(NOTES, "children"), Output(GRID, "rowData"),
    Output(GRID, "columnDefs"), Output(SCHEDULE, "data"), Output(WHAT_IF_STATE, "children"),
    Output(COST_RATIO, "value"), Output(PERCENTILE, "value"), Output(BOOKING_HINT, "children"),
    Output(MESSAGE, "children"),
)
ROWS_OUTPUT = 3


def _schedule_of(plan: DayPlan) -> dict[str, list[str]]:
    return {row["encounter_id"]: [row["room"], row["start"]] for row in plan_rows(plan)}


def _answer(plan: DayPlan, *, changed: bool, schedule: dict | None) -> tuple:
    """Every output for a plan; schedule is None when it stays as it was (a what-if keeps the day's schedule)."""
    rows = plan_rows(plan)
    rooms = [(room.site, room.or_suite) for room in plan.rooms]
    ratio = plan.cost_ratio if plan.cost_ratio is not None else plan.quantile / (1 - plan.quantile)
    state = dbc.Badge("What-if · not saved", color="warning", text_color="dark") if changed else None
    return (
        plan_timeline(plan, title=f"Room-day forecast, {plan.date:%a %d %b %Y}"),
        plan_totals(plan, "plan-total"),
        [late_rooms(plan), fallback_notes(plan)],
        rows,
        column_defs(rooms, several_sites=len(plan.sites) > 1) if schedule is not None else no_update,
        schedule if schedule is not None else no_update,
        state,
        round(ratio, 2),
        round(plan.quantile * 100),
        f"Books each case at its predicted {percentile_text(plan.quantile)}.",
        None,
    )


def _options(trigger: str | None, ratio, percentile) -> dict:
    """The booking control the user set last, checked (a bad value raises InvalidInput naming the control)."""
    if trigger == PERCENTILE:
        label, field, value, scale = "Percentile", "quantile", percentile, 100
        low, high = MIN_QUANTILE * 100, MAX_QUANTILE * 100
    else:
        label, field, value, scale = "Overtime cost ratio", "cost_ratio", ratio, 1
        low, high = MIN_COST_RATIO, MAX_COST_RATIO
    try:
        chosen = {field: float(value) / scale}
        parse_model(PlanOptions, chosen)
    except (TypeError, ValueError, InvalidInput):
        raise InvalidInput(f"{label}: type a number from {low:g} to {high:g}.", {"field": field}) from None
    return chosen


def _edited_rows(changes: list[dict] | None, rows: list[dict]) -> list[dict]:
    """The grid's rows after an edit; a new order moves the case within its room."""
    rows = table_rows(rows)
    for change in changes if isinstance(changes, list) else []:
        if isinstance(change, dict) and change.get("colId") == "order":
            rows = reorder(rows, change.get("rowId"))
    return rows


def _undo(changes: list, rows: object) -> list[dict]:
    """The rows with the edit taken back (after a value that could not be used)."""
    undone = {(c.get("rowId"), c["colId"]): c.get("oldValue") for c in changes
              if isinstance(c, dict) and c.get("colId") in EDITABLE}
    return [row | {col: old for (rid, col), old in undone.items() if rid == row.get("encounter_id")}
            for row in (rows if isinstance(rows, list) else []) if isinstance(row, dict)]


def _differs(rows: list[dict], schedule: dict | None) -> bool:
    """Whether any case is in another room or at another start than scheduled."""
    schedule = schedule or {}
    return any(schedule.get(row["encounter_id"]) != [row["room"], row["start"]] for row in rows)


@fast_callback(
    Output(DAY, "date"), Output(DAY, "disabled_days"), Output(DAY, "min_date_allowed"),
    Output(DAY, "max_date_allowed"), Output(DAY, "initial_visible_month"),
    Input(SITE, "value"), State(DAY, "date"), prevent_initial_call=True,
)
def offer_site_days(site, day_text):
    """The calendar offers the chosen site's scheduled days (every site's for all sites); a day without the site's
    cases moves to its next one. Setting the day, even to the same one, plans it (show_plan listens to the day)."""
    days = planning.planned_days(current_runtime(), [site] if site else None)
    if not days:  # the site's cases were planned and completed since the page was drawn
        return no_update, no_update, no_update, no_update, no_update
    day = default_day(days, date.today(), day_text).isoformat()
    return day, _disabled_days(days), days[0].isoformat(), days[-1].isoformat(), day


@fast_callback(
    *OUTPUTS,
    Input(DAY, "date"), Input(COST_RATIO, "value"), Input(PERCENTILE, "value"), Input(RESET, "n_clicks"),
    Input(GRID, "cellValueChanged"), State(SITE, "value"), State(GRID, "rowData"), State(SCHEDULE, "data"),
    prevent_initial_call=True,
)
def show_plan(day_text, ratio, percentile, _reset, changes, site, rows, schedule):
    """Simulate the day as scheduled (a new day, or a new site through offer_site_days; Reset) or as the table now
    arranges it (an edit, a new booking percentile); nothing is stored."""
    runtime, trigger = current_runtime(), ctx.triggered_id
    keep: list[object] = [no_update] * len(OUTPUTS)
    try:
        day = date.fromisoformat(str(day_text or "")[:10])
    except ValueError:
        return *keep[:-1], problem("Day: pick a day from the calendar.")
    try:
        options = _options(trigger, ratio, percentile)
        if trigger in (DAY, RESET) or not rows:
            plan = planning.plan_day(runtime, day, sites=[site] if site else None, **options)
            return _answer(plan, changed=False, schedule=_schedule_of(plan))
        rows = _edited_rows(changes if trigger == GRID else None, rows)
        request = parse_model(WhatIfRequest, {"date": day, "cases": what_if_cases(day, rows), **options})
        plan = planning.plan_what_if(runtime, request)
    except ModelUnavailable:
        return *keep[:-1], no_model()
    except OptiORError as error:
        answer = keep[:-1]
        if trigger == GRID and isinstance(changes, list):
            answer[ROWS_OUTPUT] = _undo(changes, rows)
        return *answer, problem(error.message)
    return _answer(plan, changed=_differs(plan_rows(plan), schedule), schedule=None)
