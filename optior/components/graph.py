"""One way to place a chart: the figure's own height, no Plotly logo, a text alternative."""

from __future__ import annotations

from dash import dcc, html

from optior.figures.theme import Figure, empty_figure

GRAPH_CONFIG: dcc.Graph.Config = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def graph(graph_id: str, figure: Figure | None = None) -> html.Div:
    """A dcc.Graph that keeps the height set in its figure's layout (width follows the column), and a visually
    hidden paragraph that assets/accessibility.js fills with the figure's summary (layout.meta.summary)."""
    return html.Div(
        [dcc.Graph(id=graph_id, config=GRAPH_CONFIG, figure=figure or empty_figure("Loading…"),
                   style={"height": "auto"}),
         html.P(id=f"{graph_id}-summary", className="visually-hidden optior-chart-summary")],
        className="optior-chart",
    )
