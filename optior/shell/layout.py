"""The page frame: navbar, status banner, retrain message area, the current page."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from optior.components.navbar import navbar
from optior.components.retrain import retrain_message_area
from optior.components.status_banner import status_banner


def shell_layout() -> html.Div:
    return html.Div(
        [
            navbar(),
            dbc.Container([status_banner(), retrain_message_area(), dash.page_container], fluid=True,
                          className="pb-4"),
        ]
    )
