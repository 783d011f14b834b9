"""The banner under the navbar (database trouble, unexpected errors) and the body of a page the database kept out.

While the database is down the banner says so, a page that could not be built says why in its body, and a poll
asks the database every few seconds; the callbacks that do this are in optior/shell/status.py.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

BANNER = "shell-status-banner"
HEALTH_POLL = "shell-health-poll"
RELOAD = "shell-reload"
# In dash.page_container: the page body, and the store whose {"title": ...} Dash copies into the tab title.
PAGE_CONTENT, PAGE_STORE = "_pages_content", "_pages_store"
HEALTH_POLL_MS = 5_000


def status_banner() -> html.Div:
    return html.Div([html.Div(id=BANNER, role="alert"),
                     dcc.Interval(id=HEALTH_POLL, interval=HEALTH_POLL_MS, disabled=True),
                     dcc.Store(id=RELOAD, data=False)])


def page_unavailable() -> dbc.Alert:
    """The body of a page that could not be built because the database is down: what is wrong, what to do."""
    return dbc.Alert(
        [
            html.H2("The database is not reachable", className="h5"),
            html.P("This page needs the database, so it cannot be shown right now. It reloads by itself as soon as "
                   "the database answers again; there is no need to refresh it."),
            html.P("If this lasts more than a few minutes, tell your administrator: the database server may be "
                   "stopped or cut off from the OptiOR server (GET /api/health answers 503 until it is back).",
                   className="mb-0"),
        ],
        color="warning",
        className="mt-3",
    )
