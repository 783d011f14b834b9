"""Model page: the active model's card, holdout accuracy against baselines, error charts, versions."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from optior.components.graph import graph
from optior.components.model_card import metrics_table, model_card, versions_table
from optior.components.model_quality import calibration_summary, frequency_table, live_table, site_table
from optior.figures.calibration import calibration_chart
from optior.figures.model import feature_importance, predicted_vs_actual, residuals_by_service
from optior.services import analytics, live_accuracy, training
from optior.web.context import current_runtime

SCATTER = "model-predicted-vs-actual"
RESIDUALS = "model-residuals-by-service"
IMPORTANCE = "model-feature-importance"
CALIBRATION = "model-calibration"


def _no_model() -> dbc.Alert:
    return dbc.Alert(
        ["No trained model yet. Import cases on the ", dcc.Link("Data page", href="/data"),
         ", then press Retrain model (top right)."],
        color="info",
    )


def layout(**_query) -> dbc.Container:
    runtime = current_runtime()
    report = training.model_report(runtime)
    versions = training.model_versions(runtime)
    content: list[Component] = [html.H1("Model", className="h3")]
    if report is None:
        content.append(_no_model())
    else:
        services = analytics.data_extent(runtime)["services"]
        card = report["card"]
        content += [
            dbc.Row([
                dbc.Col(model_card(card), lg=5),
                dbc.Col(dbc.Card(dbc.CardBody([
                    html.H2("Holdout accuracy", className="h5"),
                    html.P(f"On the {card['n_test']:,} cases of the latest 20% of days, which the model did not "
                           "train on, against two baselines: the booked time itself and the median of past "
                           "cases of the same CPT code.", className="small"),
                    html.P(card["fitted_on"]["note"], className="small") if "fitted_on" in card else None,
                    metrics_table(report["metrics_table"]),
                    site_table(card.get("by_site")),
                ])), lg=7),
            ], className="g-3 mb-3"),
            dbc.Row([
                dbc.Col(graph(SCATTER, predicted_vs_actual(pd.DataFrame(report["points"]), services)), lg=6),
                dbc.Col(graph(RESIDUALS, residuals_by_service(pd.DataFrame(report["residuals_by_service"]))), lg=6),
            ], className="g-3 mb-3"),
            dbc.Row([
                dbc.Col(graph(IMPORTANCE, feature_importance(pd.DataFrame(report["feature_importance"]))), lg=6),
                dbc.Col([
                    html.P("Holdout errors by service: each box spans the middle 50% of actual − predicted "
                           "minutes, whiskers the 10th to 90th percentile; right of zero means cases ran longer "
                           "than predicted.", className="small text-muted mt-3"),
                    html.P("Feature importance is measured on the holdout: each feature's values are shuffled "
                           "and the rise in mean absolute error is recorded. A feature near zero adds little "
                           "beyond the others.", className="small text-muted"),
                ], lg=6),
            ], className="g-3"),
            dbc.Row([
                dbc.Col([graph(CALIBRATION, calibration_chart(card["model"].get("quantile_calibration"))),
                         calibration_summary(card["model"])], lg=6),
                dbc.Col([frequency_table(card["model"].get("by_frequency")),
                         live_table(live_accuracy.live_accuracy(runtime))], lg=6),
            ], className="g-3 mt-1"),
        ]
    content += [html.H2("All versions", className="h5 mt-4"), versions_table(versions)]
    return dbc.Container(content, fluid=True)



dash.register_page(__name__, path="/model", title="Model · OptiOR", name="Model", order=3, layout=layout)
