"""The model page's text pieces: the model card and the holdout metrics table with definitions."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from optior.components import format as fmt
from optior.components.grid import TIMESTAMP_PX, data_grid, number_column, text_column
from optior.components.tables import simple_table
from optior.services.training_models import ModelVersionSummary

# (metric key, column header, formatter, definition)
METRIC_COLUMNS = (
    ("mae", "MAE", fmt.minutes, "Mean absolute error: average of |actual − predicted| in minutes."),
    ("median_ae", "Median abs. error", fmt.minutes, "Median of |actual − predicted| in minutes."),
    ("bias", "Bias", fmt.minutes, "Mean of actual − predicted; positive means cases ran longer than predicted."),
    ("within_10pct", "Within ±10%", lambda v: fmt.percent(None if v is None else v * 100),
     "Share of cases whose prediction is within 10% of the actual in-room minutes."),
    ("within_15min", "Within ±15 min", lambda v: fmt.percent(None if v is None else v * 100),
     "Share of cases whose prediction is within 15 minutes of the actual."),
    ("interval_coverage", "80% range coverage", lambda v: fmt.percent(None if v is None else v * 100),
     "Share of holdout cases whose actual minutes fell inside the predicted P10–P90 range (target 80%)."),
    ("interval_width", "Mean range width", fmt.minutes, "Average P90 − P10 of the predicted ranges, in minutes."),
)


def metrics_table(rows: list[dict]) -> html.Div:
    """Model and baselines side by side on the same holdout cases."""
    body = [[row["predictor"], *[formatter(row.get(key)) for key, _, formatter, _ in METRIC_COLUMNS]] for row in rows]
    definitions = html.Ul(
        [html.Li([html.Strong(f"{header}: "), text]) for _, header, _, text in METRIC_COLUMNS],
        className="small text-muted mb-0",
    )
    return html.Div([simple_table(["Predictor", *[header for _, header, _, _ in METRIC_COLUMNS]], body,
                                  label="Holdout accuracy of the model and the baselines"),
                     definitions])


def _item(term: str, value) -> list:
    return [html.Dt(term, className="col-sm-4"), html.Dd(value, className="col-sm-8 mb-1")]


def model_card(card: dict) -> dbc.Card:
    """Version, training data, features, estimator and range method of one model version."""
    estimator = card["estimator"]
    parameters = ", ".join(f"{k}={v}" for k, v in estimator.get("parameters", {}).items())
    rows = [
        *_item("Version", card["version"]),
        *_item("Trained at", card["trained_at"].replace("T", " ")),
        *_item("Predicts", card["target"]),
        *_item("Cases used", f"{card['rows_used']:,} ({card['n_train']:,} to train, {card['n_test']:,} holdout)"),
        *(_item("Cases chosen", card["training_rows"]["rule"]) if "training_rows" in card else []),
        *_item("Training dates", f"{card['train_dates']['first']} to {card['train_dates']['last']}"),
        *_item("Holdout dates", f"{card['test_dates']['first']} to {card['test_dates']['last']} (latest 20% of days)"),
        *_item("Features", ", ".join(card["features"])),
        *_item("Estimator", f"{estimator['class']} ({parameters})"),
        *_item("Candidates", "; ".join(f"{c['label']}: holdout MAE {fmt.minutes(c['mae'])}"
                                       for c in card["candidates"].values())
               + " (the lower MAE is used)"),
        *_item("80% range", card["interval"]["method"]),
        *_item("Libraries", ", ".join(f"{k} {v}" for k, v in card["library_versions"].items())),
    ]
    return dbc.Card(dbc.CardBody([html.H2("Active model", className="h5"), html.Dl(rows, className="row small mb-0")]),
                    className="h-100")


VERSIONS_GRID = "model-versions-table"


def versions_table(versions: list[ModelVersionSummary]) -> html.Div | html.P:
    """Every trained version with its holdout errors and the activation decision."""
    if not versions:
        return html.P("No versions yet.", className="text-muted")
    rows = [
        {
            "version": v.version + (" (active)" if v.is_active else ""),
            "trained": f"{v.trained_at:%Y-%m-%d %H:%M}",
            "cases": v.rows_used,
            "estimator": v.estimator,
            "mae": v.mae,
            "booked_mae": v.booked_mae,
            "procedure_median_mae": v.procedure_median_mae,
            "coverage": None if v.interval_coverage is None else v.interval_coverage * 100,
            "decision": v.decision,
        }
        for v in versions
    ]
    columns = [
        text_column("version", "Version", minWidth=270),
        text_column("trained", "Trained", minWidth=TIMESTAMP_PX),
        number_column("cases", "Cases"),
        text_column("estimator", "Estimator"),
        number_column("mae", "MAE (min)", decimals=1),
        number_column("booked_mae", "Booked MAE (min)", decimals=1),
        number_column("procedure_median_mae", "Procedure-median MAE (min)", decimals=1),
        number_column("coverage", "80% coverage (%)"),
        text_column("decision", "Decision", minWidth=260, wrapText=True, autoHeight=True),
    ]
    return data_grid(VERSIONS_GRID, columns, rows, label="Model versions", file_name="model-versions.csv")
