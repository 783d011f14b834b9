"""API views of the duration model: predict a case, retrain, list the saved versions."""

from __future__ import annotations

from flask import Response

from optior.api.auth import admin_only
from optior.api.errors import API_PREFIX, ApiError
from optior.api.operation import Operation
from optior.api.request_models import JobQuery, PredictRequest, RetrainFlags, json_body, query
from optior.api.response_models import Job, JobStarted, Models, PredictResult, RetrainResult
from optior.api.serialize import json_response
from optior.services import jobs, training
from optior.services.prediction import predict_duration
from optior.web.auth import current_viewer
from optior.web.context import current_runtime


def predict() -> Response:
    """Predict a case's in-room minutes with an 80% range, the model version and notes."""
    case = json_body(PredictRequest)
    optional = {name: getattr(case, name) for name in ("scheduled_start", "booked_minutes", "position_in_day")
                if getattr(case, name) is not None}
    result = predict_duration(
        current_runtime(), service=case.service, cpt_code=case.cpt_code, site=case.site, or_suite=case.or_suite,
        case_date=case.date, surgeon=case.surgeon, case_label=case.label, **optional,
        entered_by=current_viewer().name,
    )
    return json_response(PredictResult(**dict(result), predicted_duration=result.predicted_minutes))


@admin_only
def retrain() -> Response:
    """Train on the stored cases and activate the new version unless the active one is better.

    The training runs in its own process (the web worker's memory stays small) and the request waits for it.
    With ?background=true the answer (202) comes at once and names the job to poll at /api/jobs?id=, for data
    large enough that a request would outlast the server's worker timeout.
    """
    flags = query(RetrainFlags)
    if flags.background:
        job_id = jobs.start_retrain(current_runtime(), force=flags.force)
        started = JobStarted(message=f"Retrain started as job {job_id}.", job_id=job_id, status="running",
                             status_url=f"{API_PREFIX}/jobs?id={job_id}")
        return json_response(started, 202)
    result = jobs.retrain_and_wait(current_runtime(), force=flags.force)
    if result["status"] == "error":
        raise ApiError(409, result["message"], result)
    return json_response(RetrainResult.model_validate(result))


def job() -> Response:
    """A background job's status ('running', 'done', 'failed', 'interrupted'), message and result."""
    job_id = query(JobQuery).id
    state = jobs.find_job_state(current_runtime(), job_id)
    if state is None:
        raise ApiError(404, f"There is no job {job_id}.", {"field": "id"})
    return json_response(Job.model_validate({"job_id": job_id, **state}))


def models() -> Response:
    """Every saved model version, newest first, with its holdout figures; which one is active."""
    runtime = current_runtime()
    card = training.active_model_card(runtime)
    return json_response(Models.model_validate(
        {"active_version": card["version"] if card else None, "versions": training.model_versions(runtime)}
    ))


PREDICT = Operation(
    "predict", "Predict a case's in-room minutes with an 80% range, the model version and notes.",
    PredictResult, "The prediction (also logged, with the label if given).",
    description="Unknown services, procedures, sites, rooms or surgeons fall back (see `notes`). 400 without `site` "
                "when the cases come from more than one site; 409 when no model is trained yet.",
    body=PredictRequest, errors=(400, 409, 413, 415),
)
RETRAIN = Operation(
    "retrain", "Train on the stored cases; activate the new version unless the active one is better.",
    RetrainResult, "Trained; `status` says whether it was activated.",
    description="Runs to the end before answering (seconds to minutes). 409 when another retrain runs or there are "
                "too few cases (`details` then holds the result).",
    query=RetrainFlags, responses={202: (JobStarted, "Started in the background.")}, errors=(400, 401, 403, 409),
    admin=True,
)
JOB = Operation("job", "A background retrain's status, message and (when done) result.", Job, "The job's state.",
                query=JobQuery, errors=(400, 404))
MODELS = Operation("models", "Every saved model version, newest first, with holdout figures; the active one.",
                   Models, "Versions.")
