"""One look for every chart: template, fonts, margins, and one stable colour per service.

Charts are plain Plotly figure dicts (`{"data": [...], "layout": {...}}`), which dcc.Graph draws as they
are. Building them through plotly.graph_objects validated every property in Python and cost about 40 ms
per chart; a dashboard answer holds up to ten charts.
"""

from __future__ import annotations

from collections.abc import Iterable

Figure = dict

# Colour-blind-safe qualitative palette (Okabe-Ito plus Tol's muted), dark enough for white text.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#882255", "#117733", "#999933", "#332288", "#AA4499", "#44AA99",
)
BOOKED_COLOR = "rgba(120, 120, 120, 0.35)"
NEUTRAL_COLOR = "#4C6A92"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_GRID = "#EBF0F8"
_AXIS = {"gridcolor": _GRID, "linecolor": _GRID, "zerolinecolor": _GRID, "zerolinewidth": 2, "ticks": "",
         "automargin": True, "title": {"standoff": 15}}
# The parts of Plotly's "plotly_white" template these charts use, sent once per chart.
TEMPLATE = {"layout": {
    "paper_bgcolor": "white", "plot_bgcolor": "white", "font": {"color": "#2a3f5f"}, "colorway": list(PALETTE),
    "hovermode": "closest", "hoverlabel": {"align": "left"}, "xaxis": _AXIS, "yaxis": _AXIS,
}}


def service_colors(services: Iterable[str]) -> dict[str, str]:
    """Map each service to a colour by its place in the sorted list of all services (stable across pages)."""
    return {service: PALETTE[i % len(PALETTE)] for i, service in enumerate(sorted(set(services)))}


def _axis(title: str | None, settings: dict | None) -> dict:
    axis = dict(settings or {})
    if title is not None:
        axis["title"] = {"text": title}
    return axis


def chart(traces: list[dict], *, title: str, x_title: str | None = None, y_title: str | None = None,
          height: int = 360, legend_below: bool = False, xaxis: dict | None = None, yaxis: dict | None = None,
          **layout) -> Figure:
    """A figure in the common look: traces, title, axis titles (with units) and any other layout settings.

    legend_below puts the legend under the plot, for charts in narrow columns.
    """
    legend = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 1, "xanchor": "right", "title": None,
              "traceorder": "normal"}
    if legend_below:
        legend |= {"yanchor": "top", "y": -0.22, "x": 0, "xanchor": "left"}
    return {
        "data": traces,
        "layout": {
            "template": TEMPLATE,
            "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 15}},
            "font": {"family": FONT_FAMILY, "size": 12},
            "margin": {"l": 60, "r": 20, "t": 48, "b": 48},
            "height": height,
            "legend": legend,
            "hoverlabel": {"font": {"family": FONT_FAMILY}},
            "xaxis": _axis(x_title, xaxis),
            "yaxis": _axis(y_title, yaxis),
            **layout,
        },
    }


def vertical_line(x: float, line: dict, label: str | None = None) -> dict:
    """Layout settings for a line across the plot at x (a shape) with an optional label at its top left."""
    shape = {"type": "line", "xref": "x", "x0": x, "x1": x, "yref": "paper", "y0": 0, "y1": 1, "line": line}
    notes = [] if label is None else [{"text": label, "xref": "x", "x": x, "yref": "paper", "y": 1,
                                       "xanchor": "right", "yanchor": "bottom", "showarrow": False}]
    return {"shapes": [shape], "annotations": notes}


def empty_figure(message: str, *, height: int = 240) -> Figure:
    """A blank chart that says why it is blank and what to do."""
    hidden = {"visible": False}
    return {
        "data": [],
        "layout": {
            "template": TEMPLATE, "height": height, "margin": {"l": 20, "r": 20, "t": 20, "b": 20},
            "xaxis": hidden, "yaxis": hidden,
            "annotations": [{"text": message, "showarrow": False, "font": {"size": 14, "color": "#555"},
                             "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}],
        },
    }
