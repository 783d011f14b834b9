"""What the status banner shows: database trouble and unexpected errors, never a stack trace.

While the database is down the banner says so, a page that could not be built says why in its body, and a poll
asks the database every few seconds; once it answers, the poll stops and the browser reloads the page.
"""

from __future__ import annotations

import logging
import uuid

import dash_bootstrap_components as dbc
from dash import Input, Output, callback, clientside_callback, ctx, set_props
from dash.exceptions import PreventUpdate

from optior.components.status_banner import BANNER, HEALTH_POLL, PAGE_CONTENT, PAGE_STORE, RELOAD, page_unavailable
from optior.errors import DatabaseBusy, DatabaseUnavailable, OptiORError
from optior.web.context import current_runtime

log = logging.getLogger(__name__)
DATABASE_DOWN = ("The database cannot be reached. Figures may be missing or out of date; OptiOR keeps trying and "
                 "reloads this page when the database answers again.")


def _builds_the_page() -> bool:
    """Is the failing callback Dash's page router (the one filling the page body)?"""
    outputs = ctx.outputs_list if isinstance(ctx.outputs_list, list) else [ctx.outputs_list]
    return any(isinstance(output, dict) and output.get("id") == PAGE_CONTENT for output in outputs)


def show_callback_error(error: Exception) -> None:
    """Dash's on_error hook: put what went wrong in the banner (user errors as they are, others by id).

    A database outage also starts the health poll and, when the page itself could not be built, fills its body.
    """
    if isinstance(error, DatabaseUnavailable) and not isinstance(error, DatabaseBusy):  # busy: its message
        set_props(BANNER, {"children": dbc.Alert(DATABASE_DOWN, color="danger")})
        set_props(HEALTH_POLL, {"disabled": False})
        if _builds_the_page():
            set_props(PAGE_CONTENT, {"children": page_unavailable()})
            set_props(PAGE_STORE, {"data": {"title": "Database unavailable · OptiOR"}})
        return
    if isinstance(error, OptiORError):
        message = error.message
    else:
        error_id = uuid.uuid4().hex[:8]
        log.error("callback failed (error id %s)", error_id, exc_info=error)
        message = f"Something went wrong on the server (error id {error_id}). Try again, or tell your administrator."
    set_props(BANNER, {"children": dbc.Alert(message, color="danger", dismissable=True)})


@callback(
    Output(HEALTH_POLL, "disabled"),
    Output(RELOAD, "data"),
    Input(HEALTH_POLL, "n_intervals"),
    prevent_initial_call=True,
)
def check_database(_ticks):
    """Poll while the database is down; once it answers, stop and have the page reloaded."""
    if not current_runtime().db.reachable():
        raise PreventUpdate
    return True, True


clientside_callback(
    "function(reload) { if (reload) { window.location.reload(); } }",
    Input(RELOAD, "data"),
    prevent_initial_call=True,
)
