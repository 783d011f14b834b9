"""The OpenAPI 3.1 document describing every /api endpoint, its parameters and responses."""

from __future__ import annotations

from optior.api import live_views, plan_views
from optior.api.model_views import PREDICT_REQUIRED
from optior.api.params import MAX_MINUTES, MAX_POSITION, SUPPORTED_DATES, TEXT_LIMITS
from optior.config import Settings
from optior.services.access import ADMIN_TOKEN_VARIABLE
from optior.text_rules import SINGLE_LINE_PATTERN
from optior.units import file_size

DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$", "examples": ["2026-07-01"]}
DATETIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors(*statuses: int) -> dict:
    """References to the shared error responses (500 and 503 on every operation)."""
    return {str(status): {"$ref": f"#/components/responses/{status}"} for status in (*statuses, 500, 503)}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _text(field: str) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS[field], "pattern": SINGLE_LINE_PATTERN}


def _flag(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": {"type": "boolean"}}


_FIGURE = {"type": ["number", "null"]}


def _breakdown(key: str, **labels: dict) -> dict:
    """Rows of metric figures keyed by a name (room, service, week)."""
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": [key],
            "properties": {key: {"type": "string"}, **labels},
            "additionalProperties": _FIGURE,
        },
    }


def _query_date(name: str, description: str) -> dict:
    description += f" From {SUPPORTED_DATES[0]} to {SUPPORTED_DATES[1]}."
    return {"name": name, "in": "query", "required": False, "description": description, "schema": DATE}


def _query_names(name: str, description: str) -> dict:
    return {
        "name": name, "in": "query", "required": False, "style": "form", "explode": True,
        "description": description + " Repeat the parameter for several.",
        "schema": {"type": "array", "items": _text(name)},
    }


def _selection(default_start: str) -> list[dict]:
    return [
        _query_date("start", f"First day, inclusive (default: {default_start})."),
        _query_date("end", "Last day, inclusive (default: the last day with cases); not before start."),
        _query_names("service", "Only these services."),
        _query_names("room", "Only these OR suites."),
    ]


_ADMIN: list[dict[str, list[str]]] = [{"adminToken": []}, {}]
_ADMIN_NOTE = (
    f" Changes data: when {ADMIN_TOKEN_VARIABLE} is set it needs 'Authorization: Bearer <token>' (401 "
    "otherwise); when it is not set and the server listens on a non-loopback address it is refused (403)."
)

_IMPORT_REPORT = {
    "type": "object",
    "required": ["source", "rows_read", "inserted", "updated", "unchanged", "rejected", "warned", "written"],
    "properties": {
        "source": {"type": "string"},
        "rows_read": {"type": "integer", "minimum": 0},
        "inserted": {"type": "integer", "minimum": 0},
        "updated": {"type": "integer", "minimum": 0},
        "unchanged": {"type": "integer", "minimum": 0},
        "rejected": {"type": "integer", "minimum": 0},
        "warned": {"type": "integer", "minimum": 0},
        "replaced": {"type": "integer", "minimum": 0},
        "scheduled": {"type": "integer", "minimum": 0,
                      "description": "Rows without actual times, stored as scheduled cases for planning."},
        "scheduled_completed": {"type": "integer", "minimum": 0,
                                "description": "Scheduled cases that arrived with actual times (now completed)."},
        "advance_predictions": {"type": "integer", "minimum": 0,
                                "description": "Scheduled cases whose prediction was recorded in advance."},
        "written": {"type": "boolean"},
        "strict": {"type": "boolean"},
        "batch_id": _nullable({"type": "integer"}),
        "rejections": {"type": "array", "items": _ref("RowProblem"), "description": "At most 1,000 listed."},
        "warnings": {"type": "array", "items": _ref("RowProblem"), "description": "At most 1,000 listed."},
    },
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "details"],
        "properties": {
            "error": {"type": "string", "description": "What is wrong, in a sentence."},
            "details": {"description": "Structured help; names the offending 'field' where there is one."},
        },
    },
    "InternalError": {
        "type": "object",
        "required": ["error", "error_id"],
        "properties": {
            "error": {"type": "string"},
            "error_id": {"type": "string", "description": "Quote it to the administrator: the log has the rest."},
        },
        "additionalProperties": False,
    },
    "Health": {
        "type": "object",
        "required": ["status", "database", "cases", "model_version"],
        "properties": {
            "status": {"const": "ok"},
            "database": {"const": "ok"},
            "cases": {"type": "integer", "minimum": 0},
            "model_version": _nullable({"type": "string"}),
        },
    },
    "RowProblem": {
        "type": "object",
        "required": ["line", "reason"],
        "properties": {"line": {"type": "integer"}, "reason": {"type": "string"}},
    },
    "ImportReport": _IMPORT_REPORT,
    "SeedResult": {
        "type": "object",
        "required": ["message", "count", "report"],
        "properties": {
            "message": {"type": "string"},
            "count": {"type": "integer", "minimum": 0, "description": "Rows accepted from the file."},
            "report": _ref("ImportReport"),
        },
    },
    "Case": {
        "type": "object",
        "required": [
            "encounter_id", "or_suite", "service", "cpt_code", "scheduled_start", "wheels_in", "procedure_start",
            "procedure_end", "wheels_out", "booked_minutes", "in_room_minutes", "procedure_minutes",
        ],
        "properties": {
            "encounter_id": {"type": "string"},
            "or_suite": {"type": "string"},
            "service": {"type": "string"},
            "cpt_code": {"type": "string"},
            "cpt_description": {"type": "string"},
            "surgeon": _nullable({"type": "string"}),
            **{name: DATETIME for name in ("scheduled_start", "wheels_in", "procedure_start", "procedure_end",
                                           "wheels_out")},
            **{name: {"type": "number"} for name in ("booked_minutes", "in_room_minutes", "procedure_minutes")},
            "difference_minutes": {"type": "number", "description": "In-room minus booked minutes."},
            "start_delay_minutes": {"type": "number", "description": "Wheels in minus scheduled start."},
        },
    },
    "DaySummary": {
        "type": "object",
        "required": ["day", "cases"],
        "properties": {"day": DATE, "cases": {"type": "integer"}, "definitions": {"type": "object"}},
        "additionalProperties": _FIGURE,
    },
    "Schedule": {
        "type": "object",
        "required": ["date", "cases", "summary"],
        "properties": {
            "date": _nullable(DATE),
            "cases": {"type": "array", "items": _ref("Case")},
            "summary": _nullable(_ref("DaySummary")),
        },
    },
    "ServiceTotals": {
        "type": "object",
        "required": ["service", "cases", "mean_booked_minutes", "mean_in_room_minutes", "in_room_hours"],
        "properties": {
            "service": {"type": "string"},
            "cases": {"type": "integer", "minimum": 1},
            "mean_booked_minutes": {"type": "number"},
            "mean_in_room_minutes": {"type": "number"},
            "mean_difference_minutes": {"type": "number"},
            "in_room_hours": {"type": "number"},
        },
    },
    "Analytics": {
        "type": "object",
        "required": ["start", "end", "services", "rooms", "by_service"],
        "properties": {
            "start": DATE,
            "end": DATE,
            "services": _nullable({"type": "array", "items": {"type": "string"}}),
            "rooms": _nullable({"type": "array", "items": {"type": "string"}}),
            "by_service": {"type": "array", "items": _ref("ServiceTotals")},
        },
    },
    "Metrics": {
        "type": "object",
        "required": [
            "filters", "parameters", "definitions", "overall", "by_room", "by_service", "by_room_day", "by_room_week",
            "by_week", "turnover_histogram",
        ],
        "properties": {
            "filters": {"type": "object", "required": ["start", "end"], "properties": {"start": DATE, "end": DATE}},
            "parameters": {"type": "object"},
            "definitions": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["label", "unit", "definition"],
                    "properties": {n: {"type": "string"} for n in ("label", "unit", "definition")},
                },
            },
            "overall": {"type": "object", "additionalProperties": _FIGURE},
            "by_room": _breakdown("room"),
            "by_service": _breakdown("service"),
            "by_room_day": _nullable({
                "type": "object",
                "description": (
                    "Staffed room-days as columns of equally long lists (room, day, then figures). Given for ranges of "
                    "up to 186 days; null for longer ranges, which get by_room_week instead."
                ),
                "required": ["room", "day"],
                "properties": {
                    "room": {"type": "array", "items": {"type": "string"}},
                    "day": {"type": "array", "items": DATE},
                },
                "additionalProperties": {"type": "array", "items": _FIGURE},
            }),
            "by_room_week": _nullable({
                "type": "object",
                "description": (
                    "Staffed room-days summed per room and ISO week, as columns of equally long lists (room, iso_week, "
                    "week_start, staffed_room_days, then the same figures as by_room_day). Given for ranges longer "
                    "than 186 days; null otherwise."
                ),
                "required": ["room", "iso_week", "week_start"],
                "properties": {
                    "room": {"type": "array", "items": {"type": "string"}},
                    "iso_week": {"type": "array", "items": {"type": "string"}},
                    "week_start": {"type": "array", "items": DATE},
                },
                "additionalProperties": {"type": "array", "items": _FIGURE},
            }),
            "by_week": _breakdown("iso_week", week_start=DATE),
            "turnover_histogram": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["from_minutes", "to_minutes", "turnovers"],
                    "properties": {
                        "from_minutes": {"type": "number"},
                        "to_minutes": {"type": "number"},
                        "turnovers": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    },
    "PredictRequest": {
        "type": "object",
        "required": list(PREDICT_REQUIRED),
        "additionalProperties": False,
        "properties": {
            "service": _text("service"),
            "cpt_code": _text("cpt_code"),
            "or_suite": _text("or_suite"),
            "date": {
                **DATE,
                "pattern": r"^(19|20)\d{2}-\d{2}-\d{2}$",
                "description": f"The case's day, {SUPPORTED_DATES[0]} to {SUPPORTED_DATES[1]}.",
            },
            "scheduled_start": _nullable(
                {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "description": "Local time, HH:MM."}
            ),
            "booked_minutes": _nullable({"type": "number", "exclusiveMinimum": 0, "maximum": MAX_MINUTES}),
            "surgeon": _nullable(_text("surgeon")),
            "position_in_day": _nullable(
                {"type": "integer", "minimum": 1, "maximum": MAX_POSITION,
                 "description": "Default: worked out from the cases stored for that room and day."}
            ),
            "label": _nullable(
                {**_text("label"), "description": "Case label or patient name: stored with the "
                 "logged prediction only, never logged or exported."}
            ),
        },
    },
    "PredictResult": {
        "type": "object",
        "required": [
            "predicted_duration", "predicted_minutes", "p10_minutes", "p90_minutes", "quantiles", "explanation",
            "model_version", "notes",
        ],
        "properties": {
            "predicted_duration": {"type": "number", "description": "Same as predicted_minutes (original tool)."},
            "predicted_minutes": {"type": "number", "description": "Predicted in-room minutes."},
            "p10_minutes": {"type": "number", "description": "Lower end of the range."},
            "p90_minutes": {"type": "number", "description": "Upper end of the range."},
            "range_level": {"type": "number", "description": "Share of cases expected inside the range."},
            "quantiles": {
                "type": "object",
                "description": "Predicted in-room minutes at each quantile level, keyed by the level as text "
                               "(\"0.05\", \"0.1\", \"0.25\", \"0.5\", \"0.75\", \"0.9\", \"0.95\"): "
                               "the case's actual minutes are expected at or below it that share of the time.",
                "required": ["0.05", "0.1", "0.25", "0.5", "0.75", "0.9", "0.95"],
                "additionalProperties": {"type": "number"},
            },
            "explanation": {
                "type": "object",
                "description": "Why this estimate: baseline_minutes (a typical case of the service) plus each "
                               "contribution's minutes adds up to predicted_minutes (within a minute); "
                               "largest effects first.",
                "required": ["baseline_minutes", "contributions"],
                "properties": {
                    "baseline_minutes": {"type": "number"},
                    "baseline_label": {"type": "string"},
                    "contributions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["feature", "value", "minutes"],
                            "properties": {
                                "feature": {"type": "string"}, "value": {"type": "string"},
                                "minutes": {"type": "number"},
                            },
                        },
                    },
                },
            },
            "model_version": {"type": "string"},
            "notes": {"type": "array", "items": {"type": "string"}, "description": "Fallbacks and assumptions."},
            "inputs": {"type": "object"},
            "booked_comparison": _nullable({"type": "string"}),
            "prediction_id": _nullable({"type": "integer"}),
        },
    },
    "RetrainResult": {
        "type": "object",
        "required": ["status", "message", "version", "active_version"],
        "properties": {
            "status": {"enum": ["activated", "kept"]},
            "message": {"type": "string"},
            "version": {"type": "string"},
            "previous_version": _nullable({"type": "string"}),
            "active_version": {"type": "string"},
            "new_mae": _nullable({"type": "number"}),
            "previous_mae": _nullable({"type": "number"}),
            "decision": {"type": "object"},
            "card": {"type": "object", "description": "The new version's model card."},
        },
    },
    "JobStarted": {
        "type": "object",
        "required": ["message", "job_id", "status", "status_url"],
        "properties": {
            "message": {"type": "string"},
            "job_id": {"type": "integer"},
            "status": {"const": "running"},
            "status_url": {"type": "string"},
        },
    },
    "Job": {
        "type": "object",
        "required": ["job_id", "status", "message", "result"],
        "properties": {
            "job_id": {"type": "integer"},
            "status": {"enum": ["running", "done", "failed", "interrupted"]},
            "message": _nullable({"type": "string"}),
            "result": _nullable({"type": "object", "description": "The retrain result when done."}),
        },
    },
    "ModelVersion": {
        "type": "object",
        "required": ["version", "trained_at", "is_active", "rows_used", "mae"],
        "properties": {
            "version": {"type": "string"},
            "trained_at": DATETIME,
            "activated_at": _nullable(DATETIME),
            "is_active": {"type": "boolean"},
            "rows_used": {"type": "integer"},
            "estimator": {"type": "string"},
            "mae": _nullable({"type": "number"}),
            "interval_coverage": _nullable({"type": "number"}),
            "decision": {"type": "string"},
        },
    },
    "Models": {
        "type": "object",
        "required": ["active_version", "versions"],
        "properties": {
            "active_version": _nullable({"type": "string"}),
            "versions": {"type": "array", "items": _ref("ModelVersion")},
        },
    },
    "ClearResult": {
        "type": "object",
        "required": ["message", "deleted"],
        "properties": {"message": {"type": "string"}, "deleted": {"type": "integer", "minimum": 0}},
    },
}


def _responses(settings: Settings) -> dict:
    limit = file_size(settings.max_upload_bytes)
    return {
        "400": _response("Error", "Bad input; `details.field` names the parameter or body field."),
        "401": _response("Error", "The admin token is missing or wrong."),
        "403": _response("Error", f"Not allowed: data changes are switched off here (set {ADMIN_TOKEN_VARIABLE}), the "
                                  "signed-in user is not an administrator, or a browser sent it from another site."),
        "404": _response("Error", "No such resource (e.g. job)."),
        "409": _response("Error", "Another import or retrain is running, or no model is trained yet."),
        "413": _response("Error", f"The body is larger than allowed (uploads: {limit})."),
        "415": _response("Error", "The body has a content type this endpoint does not take."),
        "422": _response("Error", "A strict import rejected rows; nothing was written (`details.report`)."),
        "500": _response("InternalError", "Unexpected error: logged under `error_id`."),
        "503": _response("Error", "The database cannot be reached right now; retry shortly."),
    }


def _paths() -> dict:
    return {
        "/api/health": {
            "get": {
                "operationId": "health",
                "summary": "Database reachable, number of cases, active model version.",
                "responses": {"200": _response("Health", "Healthy."), **_errors()},
            }
        },
        "/api/seed": {
            "post": {
                "operationId": "seed",
                "summary": "Import an OR case CSV (upload or text/csv body), or the bundled sample when no body.",
                "description": "Returns the import report; `message` and `count` as the original tool did."
                + _ADMIN_NOTE,
                "security": _ADMIN,
                "parameters": [
                    _flag("strict", "Import nothing if any row is rejected (422)."),
                    _flag("replace", "Remove all existing cases first, in the same transaction."),
                ],
                "requestBody": {
                    "required": False,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "strict": {"type": "boolean"},
                                    "replace": {"type": "boolean"},
                                },
                            }
                        },
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                "responses": {
                    "200": _response("SeedResult", "Imported; rejected rows are listed in the report."),
                    **_errors(400, 401, 403, 409, 413, 415, 422),
                },
            }
        },
        "/api/clear": {
            "delete": {
                "operationId": "clear",
                "summary": "Delete every case (models and predictions are kept)." + _ADMIN_NOTE,
                "security": _ADMIN,
                "responses": {"200": _response("ClearResult", "Cleared."), **_errors(401, 403, 409)},
            }
        },
        "/api/schedule": {
            "get": {
                "operationId": "schedule",
                "summary": "One day's cases with all their times, and the day's summary figures.",
                "description": "An existing day without cases returns an empty `cases` list. With no data at all "
                "and no `date`, `date` and `summary` are null.",
                "parameters": [_query_date("date", "The day (default: the latest day with cases).")],
                "responses": {"200": _response("Schedule", "The day's cases by room and wheels in."), **_errors(400)},
            }
        },
        "/api/analytics": {
            "get": {
                "operationId": "analytics",
                "summary": "Per service over a range: cases, mean booked and in-room minutes, in-room hours.",
                "parameters": _selection("the first day with cases"),
                "responses": {"200": _response("Analytics", "Most in-room hours first."), **_errors(400)},
            }
        },
        "/api/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "OR efficiency metrics over a range: utilization, turnover, on-time starts, booking, "
                "overtime; with their definitions and parameters.",
                "parameters": _selection("90 days before end, or the first day with cases"),
                "responses": {"200": _response("Metrics", "Figures are null where undefined."), **_errors(400)},
            }
        },
        "/api/predict": {
            "post": {
                "operationId": "predict",
                "summary": "Predict a case's in-room minutes with an 80% range, the model version and notes.",
                "description": "Unknown services, procedures, rooms or surgeons fall back (see `notes`). 409 when "
                "no model is trained yet.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("PredictRequest")}},
                },
                "responses": {
                    "200": _response("PredictResult", "The prediction (also logged, with the label if given)."),
                    **_errors(400, 409, 413, 415),
                },
            }
        },
        "/api/retrain": {
            "post": {
                "operationId": "retrain",
                "summary": "Train on the stored cases; activate the new version unless the active one is better."
                + _ADMIN_NOTE,
                "description": "Runs to the end before answering (seconds to minutes). 409 when another retrain "
                "runs or there are too few cases (`details` then holds the result).",
                "security": _ADMIN,
                "parameters": [
                    _flag("force", "Activate the new version without comparing."),
                    _flag("background", "Answer at once (202) and train in the background; poll `status_url`."),
                ],
                "responses": {
                    "200": _response("RetrainResult", "Trained; `status` says whether it was activated."),
                    "202": _response("JobStarted", "Started in the background."),
                    **_errors(400, 401, 403, 409),
                },
            }
        },
        "/api/jobs": {
            "get": {
                "operationId": "job",
                "summary": "A background retrain's status, message and (when done) result.",
                "parameters": [
                    {"name": "id", "in": "query", "required": True, "description": "The job number.",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}},
                ],
                "responses": {"200": _response("Job", "The job's state."), **_errors(400, 404)},
            }
        },
        "/api/models": {
            "get": {
                "operationId": "models",
                "summary": "Every saved model version, newest first, with holdout figures; the active one.",
                "responses": {"200": _response("Models", "Versions."), **_errors()},
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_errors(),
                },
            }
        },
    }


def openapi_document(settings: Settings) -> dict:
    """Build the document (the upload limit comes from settings)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OptiOR API",
            "version": "1.0.0",
            "description": (
                "Operating-room analytics and surgery-duration prediction. JSON in and out; dates are ISO "
                "8601 (YYYY-MM-DD), times are naive local hospital time, durations are minutes. Every 4xx "
                "body is {\"error\": ..., \"details\": ...}."
            ),
        },
        "paths": _paths() | plan_views.openapi_paths() | live_views.openapi_paths(),
        "components": {
            "schemas": SCHEMAS | plan_views.openapi_schemas() | live_views.openapi_schemas(),
            "responses": _responses(settings),
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": f"The value of {ADMIN_TOKEN_VARIABLE}.",
                }
            },
        },
    }
