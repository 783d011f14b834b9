"""One look for every chart: template, fonts, margins, and one stable colour per service.

Charts are plain Plotly figure dicts (`{"data": [...], "layout": {...}}`), which dcc.Graph draws as they
are. Building them through plotly.graph_objects validated every property in Python and cost about 40 ms
per chart; a dashboard answer holds up to ten charts.
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Real

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
_MARGIN = {"l": 72, "r": 32, "t": 48, "b": 56}
TITLE_BAND_PX = 34  # the chart title's line at the top
LEGEND_ROW_PX = 19  # a legend needs LEGEND_PAD_PX + rows * LEGEND_ROW_PX between the title band and the plot
LEGEND_PAD_PX = 29
_CHAR_PX = 7  # width of a 12 px label character, rounded up
_UPRIGHT_LABEL_CHARS = 8  # longer x labels make Plotly slant them
_AXIS = {"gridcolor": _GRID, "linecolor": _GRID, "zerolinecolor": _GRID, "zerolinewidth": 2, "ticks": "",
         "automargin": True, "title": {"standoff": 15}}
# The parts of Plotly's "plotly_white" template these charts use, sent once per chart.
TEMPLATE = {"layout": {
    "paper_bgcolor": "white", "plot_bgcolor": "white", "font": {"color": "#2a3f5f"}, "colorway": list(PALETTE),
    "hovermode": "closest", "hoverlabel": {"align": "left"}, "xaxis": _AXIS, "yaxis": _AXIS,
}}


def plain_text(value: object) -> str:
    """User-supplied text as Plotly shows it literally.

    Plotly renders a pseudo-HTML subset (<a href>, <b>, <br>, <i>, ...) in legends, hover labels, tick labels,
    annotations and titles; with <, > and & written as entities it shows the characters themselves instead.
    """
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_texts(values: Iterable[object]) -> list[str]:
    """plain_text() of every value (a column of names or labels)."""
    return [plain_text(value) for value in values]


def service_colors(services: Iterable[str]) -> dict[str, str]:
    """Map each service to a colour by its place in the sorted list of all services (stable across pages)."""
    return {service: PALETTE[i % len(PALETTE)] for i, service in enumerate(sorted(set(services)))}


def _axis(title: str | None, settings: dict | None) -> dict:
    axis = dict(settings or {})
    if title is not None:
        axis["title"] = {"text": title}
    return axis


def _longest_label(traces: list[dict], axis: str) -> int:
    """Characters in the longest text value any trace puts on the "x" or "y" axis (0 for numbers and dates)."""
    texts = [v for trace in traces for v in list(trace.get(axis, []))[:500] if isinstance(v, str)]
    return max(map(len, texts), default=0)


def fitted_margin(traces: list[dict], *, y_title: str | None, dates_on_x: bool, extra: dict | None) -> dict:
    """Margins (px) that already fit the axis labels, so Plotly's automargin (kept as a safety net) need not
    push them and draw the chart a second time, which doubles the dashboard's drawing time.

    Text labels on the y axis widen the left margin, long ones on the x axis (drawn slanted) the bottom; dates
    (without a tickformat) take two lines; a colour bar needs room on the right. `extra` sets any margin
    outright (a legend below the plot).
    """
    margin = dict(_MARGIN)
    margin["l"] = max(margin["l"], 16 + _CHAR_PX * _longest_label(traces, "y") + (24 if y_title else 0))
    if dates_on_x:
        margin["b"] = 70
    elif (x_label := _longest_label(traces, "x")) > _UPRIGHT_LABEL_CHARS:
        margin |= {"b": 30 + 4 * x_label, "r": 36}
    if any("colorbar" in trace for trace in traces):
        margin["r"] = 120
    return margin | (extra or {})


_SUMMARY_ITEMS = 12  # values a summary lists before it says "and N more"


def _number(value: Real) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 10 else f"{value:,.1f}"


def _trace_summary(trace: dict) -> str:
    """One trace in words: its name and, for bars, each category's value; otherwise how many points."""
    name = trace.get("name") or "Values"
    xs, ys = list(trace.get("x", [])), list(trace.get("y", []))
    if trace.get("type") == "heatmap":
        return f"{len(ys)} rows by {len(xs)} columns of values"
    if trace.get("type") == "bar" and not trace.get("base"):
        labels, values = (ys, xs) if trace.get("orientation") == "h" else (xs, ys)
        pairs = [f"{label} {_number(value)}" for label, value in zip(labels, values, strict=False)
                 if isinstance(value, Real) and value == value]  # not NaN
        more = f" and {len(pairs) - _SUMMARY_ITEMS} more" if len(pairs) > _SUMMARY_ITEMS else ""
        return f"{name}: {'; '.join(pairs[:_SUMMARY_ITEMS])}{more}"
    return f"{name}: {max(len(xs), len(ys))} values"


def figure_summary(traces: list[dict], title: str, x_title: str | None, y_title: str | None) -> str:
    """A sentence or two a screen reader can read instead of the chart (stored in layout.meta.summary)."""
    axes = " against ".join(t for t in (y_title, x_title) if t)
    parts = [f"Chart: {title}.", f"{axes}." if axes else "", *(f"{_trace_summary(t)}." for t in traces)]
    return " ".join(part for part in parts if part)


def legend_margin(rows: int) -> int:
    """The top margin (px) that holds the title and a legend of this many rows at full width."""
    return TITLE_BAND_PX + LEGEND_PAD_PX + rows * LEGEND_ROW_PX


def chart(traces: list[dict], *, title: str, x_title: str | None = None, y_title: str | None = None,
          height: int = 360, legend_below: bool = False, xaxis: dict | None = None, yaxis: dict | None = None,
          margin: dict | None = None, **layout) -> Figure:
    """A figure in the common look: traces, title, axis titles (with units) and any other layout settings.

    The title keeps the top TITLE_BAND_PX of the chart; a legend sits under it (or, with legend_below, under the
    plot, for charts in narrow columns: give its room in margin["b"]). On a narrow screen a legend that wraps to
    more rows grows down over the plot's top edge, never over the title.
    """
    legend = {"orientation": "h", "xref": "container", "x": 0.01, "xanchor": "left", "yref": "container",
              "y": 1 - TITLE_BAND_PX / height, "yanchor": "top", "title": None, "traceorder": "normal"}
    if legend_below:
        legend |= {"xref": "paper", "x": 0, "yref": "paper", "y": -0.22}
    elif layout.get("showlegend", len(traces) > 1):
        margin = {"t": legend_margin(1)} | (margin or {})
    return {
        "data": traces,
        "layout": {
            "template": TEMPLATE,
            "title": {"text": title, "x": 0.01, "xanchor": "left", "yref": "container", "y": 1, "yanchor": "top",
                      "pad": {"t": 10}, "font": {"size": 15}},
            "font": {"family": FONT_FAMILY, "size": 12},
            "margin": fitted_margin(traces, y_title=y_title, extra=margin,
                                    dates_on_x=(xaxis or {}).get("type") == "date" and "tickformat" not in xaxis),
            "height": height,
            "legend": legend,
            "hoverlabel": {"font": {"family": FONT_FAMILY}},
            "xaxis": _axis(x_title, xaxis),
            "yaxis": _axis(y_title, yaxis),
            "meta": {"summary": figure_summary(traces, title, x_title, y_title)},
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
            "xaxis": hidden, "yaxis": hidden, "meta": {"summary": f"Empty chart: {message}"},
            "annotations": [{"text": message, "showarrow": False, "font": {"size": 14, "color": "#555"},
                             "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}],
        },
    }
