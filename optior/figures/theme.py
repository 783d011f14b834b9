"""One look for every chart: template, fonts, margins, and one stable colour per service."""

from __future__ import annotations

import plotly.graph_objects as go

# Colour-blind-safe qualitative palette (Okabe-Ito plus Tol's muted), dark enough for white text.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#882255", "#117733", "#999933", "#332288", "#AA4499", "#44AA99",
)
BOOKED_COLOR = "rgba(120, 120, 120, 0.35)"
NEUTRAL_COLOR = "#4C6A92"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def service_colors(services: list[str]) -> dict[str, str]:
    """Map each service to a colour by its place in the sorted list of all services (stable across pages)."""
    return {service: PALETTE[i % len(PALETTE)] for i, service in enumerate(sorted(set(services)))}


def styled(figure: go.Figure, *, title: str, x_title: str | None = None, y_title: str | None = None,
           height: int = 360, legend_below: bool = False) -> go.Figure:
    """Apply the common template, title and axis titles (with units) to a figure.

    legend_below puts the legend under the plot, for charts in narrow columns.
    """
    legend = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 1, "xanchor": "right", "title": None,
              "traceorder": "normal"}
    if legend_below:
        legend |= {"yanchor": "top", "y": -0.22, "x": 0, "xanchor": "left"}
    figure.update_layout(
        template="plotly_white",
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT_FAMILY, "size": 12},
        margin={"l": 60, "r": 20, "t": 48, "b": 48},
        height=height,
        legend=legend,
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    if x_title is not None:
        figure.update_xaxes(title_text=x_title)
    if y_title is not None:
        figure.update_yaxes(title_text=y_title)
    return figure


def empty_figure(message: str, *, height: int = 240) -> go.Figure:
    """A blank chart that says why it is blank and what to do."""
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, font={"size": 14, "color": "#555"},
                          xref="paper", yref="paper", x=0.5, y=0.5)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(template="plotly_white", height=height, margin={"l": 20, "r": 20, "t": 20, "b": 20})
    return figure
