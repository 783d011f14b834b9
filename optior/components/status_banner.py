"""The banner under the navbar: database trouble and unexpected errors, never a stack trace."""

from __future__ import annotations

import logging
import uuid

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update, set_props

from optior.errors import OptiORError
from optior.web.context import current_runtime

log = logging.getLogger(__name__)
BANNER = "shell-status-banner"
DATABASE_DOWN_FLAG = "shell-database-down"
HEALTH_POLL = "shell-health-poll"
HEALTH_POLL_MS = 15_000
DATABASE_DOWN = ("The database cannot be reached. Figures may be missing or out of date; OptiOR reconnects by "
                 "itself and this message goes away when it does.")


def status_banner() -> html.Div:
    return html.Div([html.Div(id=BANNER, role="alert"), dcc.Store(id=DATABASE_DOWN_FLAG, data=False),
                     dcc.Interval(id=HEALTH_POLL, interval=HEALTH_POLL_MS)])


def show_callback_error(error: Exception) -> None:
    """Dash's on_error hook: put what went wrong in the banner (user errors as they are, others by id)."""
    if isinstance(error, OptiORError):
        message = error.message
    else:
        error_id = uuid.uuid4().hex[:8]
        log.error("callback failed (error id %s)", error_id, exc_info=error)
        message = f"Something went wrong on the server (error id {error_id}). Try again, or tell your administrator."
    set_props(BANNER, {"children": dbc.Alert(message, color="danger", dismissable=True)})


@callback(
    Output(BANNER, "children", allow_duplicate=True),
    Output(DATABASE_DOWN_FLAG, "data"),
    Input(HEALTH_POLL, "n_intervals"),
    State(DATABASE_DOWN_FLAG, "data"),
    prevent_initial_call=True,
)
def check_database(_ticks, was_down: bool):
    """Show the database banner while it is unreachable; clear it (and only it) when the database is back."""
    if current_runtime().db.reachable():
        return (None, False) if was_down else (no_update, False)
    return dbc.Alert(DATABASE_DOWN, color="danger"), True
