"""What the Plan page says when it cannot show a plan, or shows one with less specific predictions."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from optior.services.planning_models import DayPlan
from optior.vocabulary import room_label

SCHEDULE_COLUMNS = "Encounter ID, Date, OR Suite, Service, CPT Code, Booked Time (min), OR Schedule"
ACTUAL_COLUMNS = "Wheels In, Start Time, End Time, Wheels Out"


def no_schedule() -> dbc.Alert:
    """No scheduled cases at all: how to import a schedule."""
    return dbc.Alert(
        [
            html.H2("No scheduled cases to plan", className="h5"),
            html.P(["Import the upcoming schedule on the ", dcc.Link("Data page", href="/data"),
                    " as the same CSV you import cases with, with the actual times left empty:"]),
            html.Ul([
                html.Li(["Fill ", html.Code(SCHEDULE_COLUMNS), " (OR Schedule is the scheduled start)."]),
                html.Li(["Leave ", html.Code(ACTUAL_COLUMNS), " empty: such a row is a scheduled case."]),
                html.Li("Import the same Encounter ID again with its actual times once the case is done."),
            ], className="mb-0"),
        ],
        color="info",
    )


def no_model() -> dbc.Alert:
    """Scheduled cases, but no trained model to predict them with."""
    return dbc.Alert(
        [html.H2("No trained model yet", className="h5"),
         html.P(["A plan needs a model that predicts case durations. Press ", html.Strong("Retrain model"),
                 " (top right) once completed cases are imported on the ", dcc.Link("Data page", href="/data"),
                 "; the plan appears here when it finishes."], className="mb-0")],
        color="info",
    )


def problem(message: str) -> dbc.Alert:
    """A message about a value the user gave (it names the field) or a plan that could not be made."""
    return dbc.Alert(message, color="warning", className="py-2")


def fallback_notes(plan: DayPlan) -> dbc.Alert | None:
    """Cases the model predicts less specifically (e.g. a CPT code it has not seen), each with its note."""
    noted = [case for room in plan.rooms for case in room.cases if case.note]
    if not noted:
        return None
    items = [html.Li(f"{case.service}, CPT {case.cpt_code} at {case.scheduled_start:%H:%M}: {case.note}")
             for case in noted]
    return dbc.Alert(
        [html.Strong(f"{len(noted)} case{'s' if len(noted) != 1 else ''} predicted with a wider fallback: "),
         "their ranges are less specific.", html.Ul(items, className="mb-0 mt-1")],
        color="secondary", className="small py-2",
    )


LATE_ROOMS_NAMED = 8  # named in the sentence; a health system's day can have a hundred, listed one click away


def late_rooms(plan: DayPlan) -> dbc.Alert | None:
    """The rooms likely to run past the staffed end, in words (the chart marks them too, but not every screen
    shows the chart's right edge, and screen readers do not read charts); the likeliest first."""
    late = sorted((room for room in plan.rooms if room.likely_late), key=lambda r: -r.p_overtime)
    if not late:
        return None
    several = len(plan.sites) > 1
    named = [f"{room_label(room.or_suite, room.site if several else None)} ({room.p_overtime * 100:.0f}% chance)"
             for room in late]
    children: list = [html.Strong(f"⚠ Likely to run past {plan.staffed_end:%H:%M}: "),
                      ", ".join(named[:LATE_ROOMS_NAMED])]
    if len(named) > LATE_ROOMS_NAMED:
        children += [f" and {len(named) - LATE_ROOMS_NAMED} more rooms.",
                     html.Details([html.Summary(f"All {len(named)} rooms likely to run late"),
                                   html.P(", ".join(named), className="mb-0")])]
    return dbc.Alert(children, color="danger", className="py-2 mb-2", id="plan-late-rooms")
