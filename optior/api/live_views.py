"""GET /api/models/live: how the predictions made in advance did once the actual times arrived."""

from __future__ import annotations

from flask import Response

from optior.api.serialize import json_response
from optior.services.live_accuracy import live_accuracy
from optior.web.context import current_runtime

_NUMBER = {"type": "number"}
_FIGURES = {
    "cases": {"type": "integer", "description": "Scheduled cases whose actual minutes arrived."},
    "mae": {**_NUMBER, "description": "Mean |actual − advance P50|, minutes."},
    "bias": {**_NUMBER, "description": "Mean actual − advance P50, minutes (positive: ran longer)."},
    "interval_coverage": {**_NUMBER, "description": "Share of actuals inside the advance P10–P90."},
}


def live() -> Response:
    """Weekly accuracy of advance predictions against the holdout figures, with drift flags."""
    return json_response(live_accuracy(current_runtime()))


def openapi_schemas() -> dict:
    return {
        "LiveAccuracy": {
            "type": "object",
            "required": ["weeks", "holdout", "last_weeks", "drift"],
            "properties": {
                "weeks": {"type": "array", "items": {
                    "type": "object", "properties": {"week_start": {"type": "string", "format": "date"}, **_FIGURES},
                }},
                "holdout": {"anyOf": [{"type": "object", "properties": {
                    "mae": _NUMBER, "interval_coverage": _NUMBER, "version": {"type": "string"}}}, {"type": "null"}],
                    "description": "The active model's holdout figures (null without a model)."},
                "last_weeks": {"anyOf": [{"type": "object", "properties": {"weeks": {"type": "integer"}, **_FIGURES}},
                                         {"type": "null"}],
                               "description": "The last four weeks with matched cases, together."},
                "drift": {"type": "array", "items": {"type": "string"},
                          "description": "Coverage outside 70–90% or MAE over 20% above the holdout's, in words."},
            },
        },
    }


def openapi_paths() -> dict:
    return {
        "/api/models/live": {
            "get": {
                "operationId": "liveAccuracy",
                "summary": "Accuracy of predictions made at schedule import, by week, once actual times arrived.",
                "responses": {"200": {"description": "Weekly figures and drift flags.", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/LiveAccuracy"}}}}},
            }
        },
    }
