"""The model page's charts: holdout predicted versus actual, residuals by service, feature importance."""

from __future__ import annotations

import pandas as pd

from optior.figures.theme import (
    NEUTRAL_COLOR,
    Figure,
    chart,
    empty_figure,
    plain_text,
    plain_texts,
    service_colors,
    vertical_line,
)

FEATURE_LABELS = {
    "service": "Service", "cpt_code": "Procedure (CPT)", "site": "Site", "room": "OR suite",
    "or_suite": "OR suite", "surgeon": "Surgeon",
    "booked_minutes": "Booked minutes", "weekday": "Weekday", "start_minute": "Scheduled start time",
    "position_in_day": "Order in the room",
}


def predicted_vs_actual(points: pd.DataFrame, all_services: list[str]) -> Figure:
    """Holdout cases: predicted against actual in-room minutes, with the line of perfect prediction."""
    if points.empty:
        return empty_figure("No holdout cases to show.")
    colors = service_colors(all_services)
    traces = [
        {"type": "scatter", "x": group["predicted"], "y": group["actual"], "mode": "markers",
         "name": plain_text(service),
         "marker": {"color": colors.get(service), "size": 6, "opacity": 0.7},
         "customdata": [[plain_text(code), low, high]
                        for code, low, high in group[["cpt_code", "p10", "p90"]].itertuples(index=False)],
         "hovertemplate": ("CPT %{customdata[0]}<br>predicted %{x:.0f} min (80% range %{customdata[1]:.0f}–"
                           "%{customdata[2]:.0f})<br>actual %{y:.0f} min<extra>%{fullData.name}</extra>")}
        for service, group in points.groupby("service", sort=True)
    ]
    top = float(max(points["predicted"].max(), points["actual"].max())) * 1.05
    traces.append({"type": "scatter", "x": [0, top], "y": [0, top], "mode": "lines", "name": "Perfect prediction",
                   "line": {"color": "#444", "dash": "dash", "width": 1}, "hoverinfo": "skip"})
    return chart(traces, title="Holdout cases: predicted vs actual", x_title="Predicted in-room minutes",
                 y_title="Actual in-room minutes", height=560, legend_below=True, margin={"b": 180},
                 xaxis={"range": [0, top]}, yaxis={"range": [0, top]})


def residuals_by_service(residuals: pd.DataFrame) -> Figure:
    """Per service, the spread of actual minus predicted minutes (10th to 90th percentile, quartiles, median)."""
    if residuals.empty:
        return empty_figure("No holdout cases to show.")
    frame = residuals.sort_values("service", ascending=False)
    boxes = {
        "type": "box", "y": plain_texts(frame["service"]), "orientation": "h", "name": "Actual − predicted",
        "q1": frame["residual_p25"], "median": frame["residual_median"], "q3": frame["residual_p75"],
        "lowerfence": frame["residual_p10"], "upperfence": frame["residual_p90"],
        "marker": {"color": NEUTRAL_COLOR}, "fillcolor": "rgba(76,106,146,0.35)", "line": {"color": NEUTRAL_COLOR},
        "hovertemplate": "%{y}<extra></extra>",
    }
    return chart([boxes], title="Holdout errors by service", x_title="Actual − predicted (min)",
                 height=max(320, 60 + 34 * len(frame)), showlegend=False,
                 **vertical_line(0, {"color": "#444", "dash": "dash", "width": 1}))


def feature_importance(importance: pd.DataFrame) -> Figure:
    """How much worse the holdout MAE gets when each feature is shuffled (permutation importance)."""
    if importance.empty:
        return empty_figure("No feature importance recorded for this version.")
    frame = importance.sort_values("mae_increase_minutes")
    bars = {
        "type": "bar", "x": frame["mae_increase_minutes"],
        "y": [FEATURE_LABELS.get(f) or plain_text(f) for f in frame["feature"]], "orientation": "h",
        "marker": {"color": NEUTRAL_COLOR}, "hovertemplate": "%{y}: +%{x:.1f} min MAE when shuffled<extra></extra>",
    }
    return chart([bars], title="Feature importance", x_title="Holdout MAE rise (min)",
                 height=340)
