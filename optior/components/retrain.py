"""The Retrain model button, its progress indicator and result message (in the frame of every page)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from optior.components.wildcard import wildcard_props

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
