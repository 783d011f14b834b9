"""The navbar shown on every page: app name, a link per registered page, active model version, Retrain button.

Below Bootstrap's lg breakpoint (992 px: tablets in portrait, phones) the links and the model controls fold
behind a toggler button, so the bar takes one line and nothing in it is cut off (optior/shell/navigation.py
opens and closes it).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from optior.components.retrain import retrain_controls

NAV_TOGGLER = "shell-nav-toggler"
NAV_COLLAPSE = "shell-nav-collapse"


def navbar() -> dbc.Navbar:
    """The bar with a link to every page in dash.page_registry, in its order."""
    links = [dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
             for page in dash.page_registry.values()]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.Span("OptiOR", className="fw-bold"),
                     html.Small(" OR analytics", className="ms-1")],
                    href="/",
                ),
                dbc.NavbarToggler(
                    [html.Span(className="navbar-toggler-icon"),
                     html.Span("Show or hide the navigation", className="visually-hidden")],
                    id=NAV_TOGGLER, n_clicks=0,
                ),
                dbc.Collapse(
                    [dbc.Nav(links, navbar=True, className="me-auto"), retrain_controls()],
                    id=NAV_COLLAPSE, is_open=False, navbar=True,
                ),
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        expand="lg",
        className="mb-3",
    )

