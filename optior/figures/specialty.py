"""Case mix, durations and workload by specialty for a date range."""

from __future__ import annotations

import pandas as pd

from optior.figures.theme import BOOKED_COLOR, Figure, chart, empty_figure, plain_texts, service_colors

NO_CASES = "No cases match these dates and filters."


def _service_bars(breakdown: pd.DataFrame, column: str, all_services: list[str], *, hover: str, title: str,
                  x_title: str) -> Figure:
    """One horizontal bar per specialty in its own colour, largest on top, labelled with its value."""
    if breakdown.empty:
        return empty_figure(NO_CASES)
    frame = breakdown.sort_values(column, ascending=True)
    colors = service_colors(all_services)
    bars = {
        "type": "bar", "x": frame[column], "y": plain_texts(frame["service"]), "orientation": "h",
        "marker": {"color": [colors.get(s) for s in frame["service"]]},
        "text": frame[column].round(0).astype(int), "textposition": "auto", "hovertemplate": hover,
    }
    return chart([bars], title=title, x_title=x_title)


def case_distribution(breakdown: pd.DataFrame, all_services: list[str]) -> Figure:
    """Number of cases per specialty."""
    return _service_bars(breakdown, "cases", all_services, hover="%{y}: %{x} cases<extra></extra>",
                         title="Cases by specialty", x_title="Cases (count)")


def duration_by_specialty(breakdown: pd.DataFrame) -> Figure:
    """Mean booked and mean actual in-room minutes per specialty, side by side."""
    if breakdown.empty:
        return empty_figure(NO_CASES)
    frame = breakdown.sort_values("mean_in_room_minutes", ascending=True)
    services = plain_texts(frame["service"])
    traces = [
        {"type": "bar", "name": "Booked (mean)", "x": frame["mean_booked_minutes"], "y": services,
         "orientation": "h", "marker": {"color": BOOKED_COLOR, "line": {"color": "#666", "width": 1}},
         "hovertemplate": "%{y}: booked %{x:.0f} min<extra></extra>"},
        {"type": "bar", "name": "Actual in-room (mean)", "x": frame["mean_in_room_minutes"], "y": services,
         "orientation": "h", "marker": {"color": "#0072B2"},
         "hovertemplate": "%{y}: actual %{x:.0f} min<extra></extra>"},
    ]
    return chart(traces, title="Duration: booked vs actual", x_title="Minutes per case (mean)",
                 height=440, legend_below=True, margin={"b": 124}, barmode="group")


def workload_by_specialty(breakdown: pd.DataFrame, all_services: list[str]) -> Figure:
    """Total in-room hours per specialty."""
    return _service_bars(breakdown, "in_room_hours", all_services,
                         hover="%{y}: %{x:.1f} in-room hours<extra></extra>", title="Workload by specialty",
                         x_title="In-room hours (total)")
