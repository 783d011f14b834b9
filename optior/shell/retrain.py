"""The Retrain model button's callbacks: start a background retrain, poll it, show the active model and the user."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, no_update

from optior.components.retrain import (
    MODEL_BADGE,
    RETRAIN_BUTTON,
    RETRAIN_JOB,
    RETRAIN_MESSAGE,
    RETRAIN_POLL,
    USER_LABEL,
)
from optior.errors import OptiORError
from optior.services import jobs, training
from optior.web.auth import require_admin, signed_in_user_text
from optior.web.context import current_runtime


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
