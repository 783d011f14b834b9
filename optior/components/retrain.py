"""The Retrain model button, its progress indicator and result message (on every page)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from optior.components.wildcard import wildcard_props
from optior.errors import OptiORError
from optior.services import jobs, training
from optior.web.auth import require_admin, signed_in_user_text
from optior.web.context import current_runtime

RETRAIN_BUTTON = "shell-retrain-button"
RETRAIN_JOB = "shell-retrain-job"
RETRAIN_POLL = "shell-retrain-poll"
RETRAIN_MESSAGE = "shell-retrain-message"
MODEL_BADGE = "shell-model-version"
USER_LABEL = "shell-user"
POLL_MS = 1000


def retrain_controls() -> html.Div:
    return html.Div(
        [
            html.Span(id=USER_LABEL, className="text-white small"),
            dbc.Badge("model: …", id=MODEL_BADGE, color="light", text_color="dark", className="p-2 text-wrap"),
            dbc.Button(
                [html.Span("Retrain model", id=f"{RETRAIN_BUTTON}-label")],
                id=RETRAIN_BUTTON,
                color="light",
                outline=True,
                size="sm",
            ),
            dcc.Store(id=RETRAIN_JOB),
            dcc.Interval(id=RETRAIN_POLL, interval=POLL_MS, disabled=True),
        ],
        className="d-flex flex-wrap align-items-center gap-2 py-2 py-lg-0",
    )


def retrain_message_area() -> html.Div:
    return html.Div(id=RETRAIN_MESSAGE, role="status", **wildcard_props({"aria-live": "polite"}))


def model_badge_text() -> str:
    card = training.active_model_card(current_runtime())
    return f"model {card['version']}" if card else "no model yet"


@callback(Output(MODEL_BADGE, "children"), Output(USER_LABEL, "children"), Input(RETRAIN_MESSAGE, "children"))
def show_model_and_user(_message) -> tuple[str, str]:
    """Show the active model version (on load and after each retrain) and who is signed in."""
    return model_badge_text(), signed_in_user_text()


@callback(
    Output(RETRAIN_JOB, "data"),
    Output(RETRAIN_POLL, "disabled"),
    Output(RETRAIN_BUTTON, "disabled"),
    Output(RETRAIN_MESSAGE, "children", allow_duplicate=True),
    Input(RETRAIN_BUTTON, "n_clicks"),
    prevent_initial_call=True,
)
def start_retrain(_clicks):
    """Start a background retrain and begin polling it (administrators only when accounts are set)."""
    runtime = current_runtime()
    try:
        require_admin(runtime.settings)
        job_id = jobs.start_retrain(runtime)
    except OptiORError as error:
        return no_update, True, False, dbc.Alert(error.message, color="warning", dismissable=True)
    running = dbc.Alert([dbc.Spinner(size="sm", spinner_class_name="me-2"), "Retraining the model…"], color="info")
    return job_id, False, True, running


@callback(
    Output(RETRAIN_MESSAGE, "children"),
    Output(RETRAIN_POLL, "disabled", allow_duplicate=True),
    Output(RETRAIN_BUTTON, "disabled", allow_duplicate=True),
    Input(RETRAIN_POLL, "n_intervals"),
    State(RETRAIN_JOB, "data"),
    prevent_initial_call=True,
)
def poll_retrain(_ticks, job_id):
    """Report the retrain's result when it finishes."""
    if job_id is None:
        return no_update, True, False
    state = jobs.job_state(current_runtime(), int(job_id))
    if state["status"] == "running":
        return no_update, False, True
    color = {"done": "success", "failed": "danger"}.get(state["status"], "warning")
    return dbc.Alert(state["message"], color=color, dismissable=True), True, False
