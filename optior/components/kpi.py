"""A key-figure card: label, value with its unit, and the metric's definition one hover away."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from optior.components.wildcard import wildcard_props


def kpi_card(card_id: str, label: str, value: str, definition: str, *, detail: str | None = None) -> dbc.Card:
    """Render one key figure; `definition` shows in a tooltip on the label's info mark."""
    info_id = f"{card_id}-info"
    body = [
        html.Div(
            [html.Span(label, className="small text-muted"),
             html.Span("i", id=info_id, className="optior-info", tabIndex=0, role="button",
                       **wildcard_props({"aria-label": f"Definition of {label}"}))],
        ),
        html.Div(value, className="fs-4 fw-semibold", id=card_id),
    ]
    if detail:
        body.append(html.Div(detail, className="small text-muted"))
    body.append(dbc.Tooltip(definition, target=info_id, placement="bottom"))
    return dbc.Card(dbc.CardBody(body, className="py-2 px-3"), className="h-100 shadow-sm")
