"""The navbar shown on every page: app name, page links, active model version, Retrain button."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from optior.components.retrain import retrain_controls

NAV_LINKS = (
    ("Dashboard", "/"),
    ("Plan", "/plan"),
    ("Predict", "/predict"),
    ("Model", "/model"),
    ("Data", "/data"),
)


def navbar() -> dbc.Navbar:
    links = [dbc.NavItem(dbc.NavLink(label, href=href, active="exact")) for label, href in NAV_LINKS]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.Span("OptiOR", className="fw-bold"),
                     html.Small(" OR analytics", className="ms-1 opacity-75")],
                    href="/",
                ),
                dbc.Nav(links, navbar=True, className="me-auto"),
                retrain_controls(),
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        className="mb-3",
    )
