"""Small read-only tables (reports, histories) rendered with Bootstrap styling."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def simple_table(headers: list[str], rows: list[list]) -> dbc.Table:
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in headers])),
         html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows])],
        bordered=False,
        hover=True,
        responsive=True,
        size="sm",
        striped=True,
        className="small",
    )
