"""Run a retrain in its own process and report its state from the database to any worker.

The web process only records the job and starts `python -m optior retrain-job ID`: training then uses its
own core and memory instead of the web process's, so pages stay quick while a model trains, and a crash in
training cannot take the web server down.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import uuid

from optior.config import PROJECT_ROOT, settings_to_env
from optior.db.job_store import claim_job, create_job, finish_job, read_job
from optior.db.locks import clear_if_stale, current_holder, process_is_gone
from optior.errors import (
    DatabaseBusy,
    DatabaseReadOnly,
    DatabaseUnavailable,
    JobAlreadyRunning,
    ModelUnavailable,
    OptiORError,
    RetrainFailed,
)
from optior.services import training
from optior.services.runtime import Runtime

log = logging.getLogger(__name__)
RETRAIN_LOCK = "retrain"
WATCH_THREAD_PREFIX = "retrain-watch-"  # a background job's watcher thread: this prefix and the job id
INTERRUPTED = "The retrain stopped before finishing (its process ended); the previous model is still active."
# A failed job records which user-facing error stopped it, so a caller waiting for it can raise the same kind.
ERROR_KINDS: dict[str, type[OptiORError]] = {
    kind.__name__: kind
    for kind in (JobAlreadyRunning, ModelUnavailable, DatabaseUnavailable, DatabaseReadOnly, DatabaseBusy)
}


def _finish(runtime: Runtime, job_id: int, status: str, message: str, result: dict | None = None) -> None:
    with runtime.db.transaction() as connection:
        finish_job(connection, job_id, status=status, message=message, result=result)


def run_retrain_job(runtime: Runtime, job_id: int, *, force: bool = False) -> str:
    """Take over a recorded retrain job, run it in this process and record how it ended; return its status."""
    with runtime.db.transaction() as connection:
        claim_job(connection, job_id)
    try:
        result = training.retrain(runtime, force=force)
        status, message = ("done", result["message"])
    except OptiORError as error:
        result, status, message = {"error_kind": type(error).__name__}, "failed", error.message
    except Exception:  # noqa: BLE001 - a job's last resort: log with an id, show only the id
        error_id = uuid.uuid4().hex[:8]
        log.exception("retrain job %s failed (error id %s)", job_id, error_id)
        result, status, message = None, "failed", f"Retrain failed unexpectedly (error id {error_id})."
    _finish(runtime, job_id, status, message, result)
    return status


def _watch(runtime: Runtime, job_id: int, child: subprocess.Popen) -> None:
    """Wait for the job's process (so a killed one is reaped), close the job if it ended without doing so and
    free the retrain lock it may have left: only this server can tell that its process is gone."""
    code = child.wait()
    try:
        clear_if_stale(runtime.db, RETRAIN_LOCK)
        unfinished = job_state(runtime, job_id)["status"] in {"running", "interrupted"}
        if unfinished:
            log.warning("retrain job %s: its process ended with exit code %s", job_id, code)
            _finish(runtime, job_id, "failed", INTERRUPTED)
    except OptiORError as error:  # the database went away meanwhile: the job will read as interrupted
        log.warning("retrain job %s: could not record its end: %s", job_id, error.message)


def _spawn(runtime: Runtime, force: bool) -> tuple[int, subprocess.Popen | None]:
    """Record a retrain job and start its process; (job id, None) when the process could not be started."""
    holder = current_holder(runtime.db, RETRAIN_LOCK)
    if holder:
        raise JobAlreadyRunning(f"A model retrain is already running (since {holder['acquired_at']:%H:%M}).")
    with runtime.db.transaction() as connection:
        job_id = create_job(connection, "retrain")
    command = [sys.executable, "-m", "optior", "retrain-job", str(job_id), *(["--force"] if force else [])]
    try:
        child = subprocess.Popen(command, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL,
                                 env={**os.environ, **settings_to_env(runtime.settings)})
    except OSError as error:
        _finish(runtime, job_id, "failed", f"The retrain could not be started ({error.strerror}).")
        return job_id, None
    return job_id, child


def start_retrain(runtime: Runtime, *, force: bool = False) -> int:
    """Start a retrain in a separate process and return its job id; refuse if one is already running."""
    job_id, child = _spawn(runtime, force)
    if child is not None:
        threading.Thread(target=_watch, args=(runtime, job_id, child), name=f"{WATCH_THREAD_PREFIX}{job_id}",
                         daemon=True).start()
    return job_id


def retrain_and_wait(runtime: Runtime, *, force: bool = False) -> dict:
    """Retrain in a separate process, as start_retrain does, wait for it and return its result (see training.retrain).

    A failed retrain raises the error that stopped it (JobAlreadyRunning, for one started elsewhere meanwhile),
    or RetrainFailed with the job's message.
    """
    job_id, child = _spawn(runtime, force)
    if child is not None:
        _watch(runtime, job_id, child)
    state = job_state(runtime, job_id)
    if state["status"] == "done":
        return state["result"]
    kind = ERROR_KINDS.get((state["result"] or {}).get("error_kind", ""), RetrainFailed)
    raise kind(state["message"])


def job_state(runtime: Runtime, job_id: int) -> dict:
    """The job's status ('running', 'done', 'failed', 'interrupted'), message and result; 'failed' if no such job."""
    return find_job_state(runtime, job_id) or {"status": "failed", "message": f"No job {job_id}.", "result": None}


def find_job_state(runtime: Runtime, job_id: int) -> dict | None:
    """The job's status, message and result, or None when there is no such job."""
    with runtime.db.read() as connection:
        job = read_job(connection, job_id)
    if job is None:
        return None
    if job["status"] == "running" and process_is_gone(job["holder"]):
        return {"status": "interrupted", "message": INTERRUPTED, "result": None}
    return {"status": job["status"], "message": job["message"], "result": job["result"]}
