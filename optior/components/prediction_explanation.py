"""Why a prediction is what it is: its quantiles and its additive explanation in minutes, as text."""

from __future__ import annotations

from dash import html

from optior.components import format as fmt
from optior.services.prediction_models import Explanation


def _signed(minutes: float) -> str:
    rounded = round(minutes)
    return "±0 min" if rounded == 0 else f"{'+' if rounded > 0 else '−'}{abs(rounded):,} min"


def quantile_line(quantiles: dict[str, float]) -> html.P:
    """'P5 80 min · P10 90 min · …': the case's predicted quantiles."""
    parts = [f"P{float(level) * 100:g} {fmt.minutes(minutes)}" for level, minutes in quantiles.items()]
    return html.P("Quantiles: " + " · ".join(parts), className="small mb-1", id="predict-result-quantiles")


def explanation_list(explanation: Explanation, predicted: float) -> html.Div:
    """Baseline, then each feature's effect (largest first), then the prediction they add up to."""
    label = explanation.baseline_label
    items = [html.Li([html.Span(f"{label[:1].upper()}{label[1:]}: "),
                      html.Strong(fmt.minutes(explanation.baseline_minutes))])]
    items += [
        html.Li([html.Strong(_signed(item.minutes)), f" {item.feature} {item.value}"])
        for item in explanation.contributions
    ]
    items.append(html.Li([html.Span("Prediction: "), html.Strong(fmt.minutes(predicted))]))
    return html.Div([
        html.Div("Why this estimate (minutes each input adds to a typical case)", className="small text-muted"),
        html.Ul(items, className="small mb-1 list-unstyled", id="predict-result-explanation"),
    ])
