"""Run a retrain in a background thread and report its state from the database to any worker."""

from __future__ import annotations

import logging
import threading
import uuid

from optior.db.job_store import create_job, finish_job, read_job
from optior.db.locks import current_holder, process_is_gone
from optior.errors import JobAlreadyRunning, OptiORError
from optior.services import training
from optior.services.runtime import Runtime

log = logging.getLogger(__name__)
RETRAIN_LOCK = "retrain"


def _run_retrain(runtime: Runtime, job_id: int, force: bool) -> None:
    try:
        result = training.retrain(runtime, force=force)
        status, message = ("done", result["message"])
    except OptiORError as error:
        result, status, message = None, "failed", error.message
    except Exception:  # noqa: BLE001 - a thread's last resort: log with an id, show only the id
        error_id = uuid.uuid4().hex[:8]
        log.exception("retrain job %s failed (error id %s)", job_id, error_id)
        result, status, message = None, "failed", f"Retrain failed unexpectedly (error id {error_id})."
    with runtime.db.transaction() as connection:
        finish_job(connection, job_id, status=status, message=message, result=result)


def start_retrain(runtime: Runtime, *, force: bool = False) -> int:
    """Start a retrain in the background and return its job id; refuse if one is already running."""
    holder = current_holder(runtime.db, RETRAIN_LOCK)
    if holder:
        raise JobAlreadyRunning(f"A model retrain is already running (since {holder['acquired_at']:%H:%M}).")
    with runtime.db.transaction() as connection:
        job_id = create_job(connection, "retrain")
    threading.Thread(target=_run_retrain, args=(runtime, job_id, force), daemon=True).start()
    return job_id


def job_state(runtime: Runtime, job_id: int) -> dict:
    """The job's status ('running', 'done', 'failed', 'interrupted'), message and result."""
    with runtime.db.read() as connection:
        job = read_job(connection, job_id)
    if job is None:
        return {"status": "failed", "message": f"No job {job_id}.", "result": None}
    if job["status"] == "running" and process_is_gone(job["holder"]):
        return {"status": "interrupted", "message": "The retrain stopped before finishing (its process ended); "
                "the previous model is still active.", "result": None}
    return {"status": job["status"], "message": job["message"], "result": job["result"]}
