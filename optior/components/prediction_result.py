"""How a prediction reads: minutes with the 80% range, booked versus predicted, basis, notes."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from optior.components import format as fmt
from optior.components.grid import TIMESTAMP_PX, data_grid, number_column, text_column
from optior.components.prediction_explanation import explanation_list, quantile_line
from optior.components.wildcard import wildcard_props
from optior.services.prediction_models import Prediction
from optior.vocabulary import DEFAULT_SITE, room_label


def _range_bar(p10: float, predicted: float, p90: float, booked: float | None) -> html.Div:
    """A small scale from P10 to P90 with the prediction (and the booked time, if given) marked."""
    low = min(p10, booked) if booked else p10
    high = max(p90, booked) if booked else p90
    span = max(high - low, 1.0)

    def at(value: float) -> str:
        return f"{(value - low) / span * 100:.1f}%"

    marks = [
        html.Div(className="optior-range-band", style={"left": at(p10), "width": f"{(p90 - p10) / span * 100:.1f}%"}),
        html.Div(className="optior-range-mark", style={"left": at(predicted)}, title="Prediction"),
    ]
    if booked:
        marks.append(html.Div(className="optior-booked-mark", style={"left": at(booked)}, title="Booked"))
    return html.Div(marks, className="optior-range-bar", **wildcard_props({"aria-hidden": "true"}))


def prediction_card(result: Prediction) -> dbc.Card:
    """The result of one prediction as a card."""
    predicted, p10, p90 = result.predicted_minutes, result.p10_minutes, result.p90_minutes
    level = round(result.range_level * 100)
    body = [
        html.Div("Predicted in-room time (wheels in to wheels out)", className="small text-muted"),
        html.Div(fmt.minutes(predicted), className="display-6 fw-semibold", id="predict-result-minutes"),
        html.Div(f"{level}% range: {fmt.minutes(p10)} to {fmt.minutes(p90)}", id="predict-result-range",
                 className="fw-semibold"),
        _range_bar(p10, predicted, p90, result.booked_minutes),
        quantile_line(result.quantiles),
        explanation_list(result.explanation, predicted),
    ]
    if result.booked_comparison:
        inside = "inside" if result.booked_within_range else "outside"
        body.append(html.P(f"{result.booked_comparison} The booked {fmt.minutes(result.booked_minutes)} "
                           f"is {inside} the {level}% range.", className="mb-1"))
    body.append(html.P(result.history_text, className="small mb-1"))
    body.append(html.P(f"Model version {result.model_version}.", className="small text-muted mb-1"))
    if result.notes:
        body.append(dbc.Alert([html.Strong("Note: "), html.Ul([html.Li(n) for n in result.notes], className="mb-0")],
                              color="warning", className="small py-2 mb-0"))
    return dbc.Card(dbc.CardBody(body), className="shadow-sm")


RECENT_GRID = "predict-recent-table"


def recent_predictions_table(rows: list[dict]) -> html.Div:
    """The latest predictions: when, for what, the estimate and range, the model version, the label. Rooms name
    their site when the predictions span several (a prediction logged before sites has none)."""
    with_site = len({row["inputs"].get("site") for row in rows}) > 1
    records = [
        {
            "created_at": f"{row['created_at']:%Y-%m-%d %H:%M}",
            "case_date": row["inputs"].get("case_date", ""),
            "or_suite": room_label(row["inputs"].get("or_suite", ""),
                                   (row["inputs"].get("site") or DEFAULT_SITE) if with_site else None),
            "service": row["inputs"].get("service", ""),
            "cpt_code": row["inputs"].get("cpt_code", ""),
            "predicted": row["predicted_minutes"],
            "p10": row["p10_minutes"],
            "p90": row["p90_minutes"],
            "model_version": row["model_version"],
            "case_label": row.get("case_label") or "",
        }
        for row in rows
    ]
    columns = [
        text_column("created_at", "Predicted at", minWidth=TIMESTAMP_PX),
        text_column("case_date", "Case date"),
        text_column("or_suite", "Room"),
        text_column("service", "Service"),
        text_column("cpt_code", "CPT"),
        number_column("predicted", "Prediction (min)"),
        number_column("p10", "80% range from (min)"),
        number_column("p90", "80% range to (min)"),
        text_column("model_version", "Model"),
        text_column("case_label", "Label"),
    ]
    return data_grid(RECENT_GRID, columns, records, label="Recent predictions", file_name="recent-predictions.csv",
                     not_exported=("case_label",))
