"""Quantile calibration: each predicted quantile level against the share of holdout cases at or below it."""

from __future__ import annotations

from optior.figures.theme import NEUTRAL_COLOR, Figure, chart, empty_figure


def calibration_chart(calibration: dict[str, float] | None) -> Figure:
    """Observed share (y, %) per predicted quantile (x, %), with the diagonal of perfect calibration."""
    if not calibration:
        return empty_figure("This version recorded no quantile calibration: retrain to measure it.")
    levels = sorted(calibration, key=float)
    x = [float(level) * 100 for level in levels]
    y = [calibration[level] * 100 for level in levels]
    observed = {
        "type": "scatter", "x": x, "y": y, "mode": "lines+markers", "name": "Observed share",
        "marker": {"color": NEUTRAL_COLOR, "size": 9}, "line": {"color": NEUTRAL_COLOR},
        "hovertemplate": "P%{x:.0f}: %{y:.1f}% of holdout cases at or below it<extra></extra>",
    }
    diagonal = {
        "type": "scatter", "x": [0, 100], "y": [0, 100], "mode": "lines", "name": "Perfect calibration",
        "line": {"color": "#444", "dash": "dash", "width": 1}, "hoverinfo": "skip",
    }
    axis = {"range": [0, 100], "ticksuffix": "%", "dtick": 10}
    return chart([diagonal, observed], title="Quantile calibration on the holdout",
                 x_title="Predicted quantile (%)", y_title="Holdout cases at or below it (%)", height=380,
                 xaxis=axis, yaxis=axis)
