"""The model page's distribution pieces: what the calibration chart shows, and accuracy by combination frequency."""

from __future__ import annotations

from dash import html

from optior.components import format as fmt
from optior.components.tables import simple_table
from optior.services.live_accuracy_models import LiveAccuracy

CALIBRATION_DEFINITION = (
    "Each point is one predicted quantile (P10 … P90 of every case's in-room minutes) against the share of "
    "holdout cases whose actual minutes were at or below it. On the dashed diagonal the quantiles mean what "
    "they say: 90% of cases finish within their P90. Pinball loss (minutes) averages the quantile errors; "
    "lower is better."
)
BAND_LABELS = {"<5": "Fewer than 5", "5-30": "5 to 30", ">30": "More than 30"}


def calibration_summary(model_metrics: dict) -> html.Div:
    """The definition beside the chart, and the central ranges' coverage."""
    ranges = [
        f"{level}% range: {fmt.percent(model_metrics[key] * 100)} of cases inside, "
        f"{fmt.minutes(model_metrics[width])} wide on average"
        for level, key, width in (("50", "interval_coverage_50", "interval_width_50"),
                                  ("80", "interval_coverage", "interval_width"),
                                  ("90", "interval_coverage_90", "interval_width_90"))
        if model_metrics.get(key) is not None and model_metrics.get(width) is not None
    ]
    pinball = model_metrics.get("pinball_loss")
    return html.Div([
        html.P(CALIBRATION_DEFINITION, className="small text-muted"),
        html.Ul([html.Li(text) for text in ranges], className="small mb-1"),
        html.P(f"Pinball loss: {fmt.minutes(pinball)} (mean over P10, P25, P50, P75, P90)." if pinball is not None
               else "", className="small"),
    ])


def frequency_table(bands: list[dict] | None) -> html.Div | html.P:
    """Holdout accuracy by how often the case's surgeon-and-procedure combination was seen in training."""
    if not bands:
        return html.P("This version recorded no accuracy by combination frequency: retrain to measure it.",
                      className="small text-muted")
    rows = [
        [BAND_LABELS.get(row["band"], row["band"]), fmt.count(row["n"]), fmt.minutes(row["mae"]),
         fmt.minutes(row["bias"]), fmt.minutes(row["procedure_median_mae"])]
        for row in bands
    ]
    headers = ["Training cases of the surgeon + CPT", "Holdout cases", "Model MAE", "Bias", "Procedure median MAE"]
    return html.Div([
        html.H2("Accuracy by how familiar the combination is", className="h5"),
        simple_table(headers, rows, label="Accuracy by how familiar the surgeon-and-procedure combination is"),
        html.P("Rare surgeon-and-procedure combinations lean on the procedure's typical duration (the model's "
               "surgeon and procedure effects are shrunk toward zero), so they should be no worse than the "
               "procedure median. MAE: mean |actual − predicted| in minutes; bias: mean actual − predicted.",
               className="small text-muted"),
    ])


def site_table(sites: list[dict] | None) -> html.Div | None:
    """Holdout accuracy per site against both baselines; nothing when the holdout has one site."""
    if not sites:
        return None
    rows = [
        [row["site"], fmt.count(row["cases"]), fmt.minutes(row["mae"]), fmt.minutes(row["bias"]),
         fmt.minutes(row["booked_mae"]), fmt.minutes(row["procedure_median_mae"])]
        for row in sites
    ]
    headers = ["Site", "Holdout cases", "Model MAE", "Bias", "Booked time MAE", "Procedure median MAE"]
    return html.Div([
        html.H2("Accuracy by site", className="h5"),
        simple_table(headers, rows, label="Holdout accuracy by site"),
        html.P("One model serves every site: it knows each case's site and tells rooms of the same name at "
               "different sites apart. A site whose model MAE is not below its booked-time and procedure-median "
               "MAE is not served well. MAE: mean |actual − predicted| in minutes; bias: mean actual − predicted.",
               className="small text-muted"),
    ])


def live_table(live: LiveAccuracy) -> html.Div:
    """Advance predictions against what happened, by week, beside the holdout figures, with drift warnings."""
    title = html.H2("Predictions made in advance, once the cases happened", className="h5")
    if not live.weeks:
        return html.Div([title, html.P(
            "No scheduled case with a recorded advance prediction has its actual times yet. Import the schedule "
            "(cases without actual times) while a model is active, then the completed cases as they happen.",
            className="small text-muted")])
    rows = [[week.week_start.isoformat(), fmt.count(week.cases), fmt.minutes(week.mae), fmt.minutes(week.bias),
             fmt.percent(week.interval_coverage * 100)] for week in live.weeks]
    holdout = live.holdout
    if holdout:
        coverage = None if holdout.interval_coverage is None else holdout.interval_coverage * 100
        rows.append([f"Holdout (version {holdout.version})", "", fmt.minutes(holdout.mae), "", fmt.percent(coverage)])
    warnings = [html.P(["Drift: ", text], className="small text-danger mb-1") for text in live.drift]
    return html.Div([
        title,
        simple_table(["Week from", "Cases", "MAE", "Bias", "80% range coverage"], rows,
                     label="Accuracy of predictions made before the case, by week"),
        *warnings,
        html.P("Each case's prediction was recorded when its schedule was imported, before it happened. MAE: "
               "mean |actual − predicted P50| in minutes; bias: mean actual − P50; coverage: share inside the "
               "predicted P10–P90. Drift is flagged when the last four weeks' coverage leaves 70–90% or their "
               "MAE is more than 20% above the holdout's.", className="small text-muted"),
    ])
