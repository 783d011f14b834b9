"""The navbar shown on every page: app name, a link per registered page, active model version, Retrain button.

Below Bootstrap's lg breakpoint (992 px: tablets in portrait, phones) the links and the model controls fold
behind a toggler button, so the bar takes one line and nothing in it is cut off.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, clientside_callback, html

from optior.components.retrain import retrain_controls

NAV_TOGGLER = "shell-nav-toggler"
NAV_COLLAPSE = "shell-nav-collapse"
PAGE_LOCATION = "_pages_location"  # dash.page_container's dcc.Location


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


# The toggler opens and closes the menu (and says which it is to screen readers); following a link closes it.
clientside_callback(
    f"""function(clicks, path, isOpen) {{
        const ctx = window.dash_clientside.callback_context;
        const toggled = ctx.triggered.some(t => t.prop_id.startsWith('{NAV_TOGGLER}.'));
        const open = toggled ? !isOpen : false;
        const toggler = document.getElementById('{NAV_TOGGLER}');
        if (toggler) {{
            toggler.setAttribute('aria-expanded', String(open));
            toggler.setAttribute('aria-controls', '{NAV_COLLAPSE}');
        }}
        return open;
    }}""",
    Output(NAV_COLLAPSE, "is_open"),
    Input(NAV_TOGGLER, "n_clicks"),
    Input(PAGE_LOCATION, "pathname"),
    State(NAV_COLLAPSE, "is_open"),
)
