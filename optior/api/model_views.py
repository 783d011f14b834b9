"""API views of the duration model: predict a case, retrain, list the saved versions."""

from __future__ import annotations

from flask import Response, request

from optior.api.auth import admin_only
from optior.api.errors import API_PREFIX, ApiError
from optior.api.params import (
    json_object,
    parse_clock,
    parse_date,
    parse_flag,
    parse_job_id,
    parse_minutes,
    parse_position,
    parse_text,
)
from optior.api.serialize import json_response
from optior.services import jobs, training
from optior.services.prediction import predict_duration
from optior.web.auth import current_viewer
from optior.web.context import current_runtime

# `label` (a case label or patient name) is stored with the logged prediction, never logged or returned.
PREDICT_TEXT = ("service", "cpt_code", "or_suite", "surgeon", "label")
PREDICT_REQUIRED = ("service", "cpt_code", "or_suite", "date")
PREDICT_FIELDS = frozenset({*PREDICT_TEXT, "date", "scheduled_start", "booked_minutes", "position_in_day"})


def _prediction_inputs(body: dict) -> dict:
    """The service's keyword arguments from the JSON body, each field checked and named when wrong."""
    missing = [field for field in PREDICT_REQUIRED if body.get(field) is None]
    if missing:
        raise ApiError(
            400, f"'{missing[0]}' is required; required fields: {', '.join(PREDICT_REQUIRED)}.",
            {"field": missing[0], "missing": missing},
        )
    texts = {field: parse_text(body[field], field) for field in PREDICT_TEXT if body.get(field) is not None}
    day = parse_date(body["date"], "date")
    optional = {
        "scheduled_start": lambda value: parse_clock(value, "scheduled_start"),
        "booked_minutes": lambda value: parse_minutes(value, "booked_minutes"),
        "position_in_day": lambda value: parse_position(value, "position_in_day"),
    }
    return {
        "service": texts["service"],
        "cpt_code": texts["cpt_code"],
        "or_suite": texts["or_suite"],
        "case_date": day,
        "surgeon": texts.get("surgeon"),
        "case_label": texts.get("label"),
        **{field: parse(body[field]) for field, parse in optional.items() if body.get(field) is not None},
    }


def predict() -> Response:
    """Predict a case's in-room minutes with an 80% range, the model version and notes."""
    inputs = _prediction_inputs(json_object(allowed=PREDICT_FIELDS))
    result = predict_duration(current_runtime(), **inputs, entered_by=current_viewer().name)
    return json_response({"predicted_duration": result["predicted_minutes"], **result})


@admin_only
def retrain() -> Response:
    """Train on the stored cases and activate the new version unless the active one is better.

    The training runs in its own process (the web worker's memory stays small) and the request waits for it.
    With ?background=true the answer (202) comes at once and names the job to poll at /api/jobs?id=, for data
    large enough that a request would outlast the server's worker timeout.
    """
    force, background = parse_flag(request.args, "force"), parse_flag(request.args, "background")
    if background:
        job_id = jobs.start_retrain(current_runtime(), force=force)
        body = {"message": f"Retrain started as job {job_id}.", "job_id": job_id, "status": "running",
                "status_url": f"{API_PREFIX}/jobs?id={job_id}"}
        return json_response(body, 202)
    result = jobs.retrain_and_wait(current_runtime(), force=force)
    if result["status"] == "error":
        raise ApiError(409, result["message"], result)
    return json_response(result)


def job() -> Response:
    """A background job's status ('running', 'done', 'failed', 'interrupted'), message and result."""
    job_id = parse_job_id(request.args.get("id"), "id")
    state = jobs.find_job_state(current_runtime(), job_id)
    if state is None:
        raise ApiError(404, f"There is no job {job_id}.", {"field": "id"})
    return json_response({"job_id": job_id, **state})


def models() -> Response:
    """Every saved model version, newest first, with its holdout figures; which one is active."""
    runtime = current_runtime()
    card = training.active_model_card(runtime)
    return json_response(
        {"active_version": card["version"] if card else None, "versions": training.model_versions(runtime)}
    )
