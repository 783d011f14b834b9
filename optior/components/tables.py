"""Small read-only tables (reports, histories) rendered with Bootstrap styling."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from optior.components.wildcard import wildcard_props


def simple_table(headers: list[str], rows: list[list], *, label: str) -> html.Div:
    """The table in a box that scrolls sideways on a narrow screen; the box takes keyboard focus (to scroll with
    the arrow keys) and label names it for screen readers."""
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in headers])),
         html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows])],
        bordered=False,
        hover=True,
        size="sm",
        striped=True,
        className="small",
    )
    return html.Div(table, className="table-responsive", tabIndex="0", role="region",
                    **wildcard_props({"aria-label": label}))
