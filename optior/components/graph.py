"""One way to place a chart: the figure's own height, no Plotly logo, a text alternative."""

from __future__ import annotations

from dash import dcc

from optior.figures.theme import Figure, empty_figure

GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def graph(graph_id: str, figure: Figure | None = None) -> dcc.Graph:
    """A dcc.Graph that keeps the height set in its figure's layout (width follows the column)."""
    return dcc.Graph(id=graph_id, config=GRAPH_CONFIG, figure=figure or empty_figure("Loading…"),
                     style={"height": "auto"})
