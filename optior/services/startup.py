"""Start-up: seed an empty database, bring the metric summary up to date and train a first model when needed."""

from __future__ import annotations

from optior.db.locks import job_lock_when_free
from optior.errors import JobAlreadyRunning
from optior.services import training
from optior.services.data_admin import any_cases, seed_sample_if_empty
from optior.services.metric_summary import ensure_summary
from optior.services.runtime import Runtime
from optior.services.scheduled_import import record_missing_advance_predictions

# How long a worker starting on an empty database waits for another one that is importing the bundled sample.
SEED_WAIT_S = 120.0


def seed_first_run(runtime: Runtime) -> str | None:
    """Import the bundled sample into an empty database, in exactly one of the workers starting together.

    The check and the import happen under one lock that the other workers wait for; they then find the cases.
    Returns the line to log, or None when there was nothing to do.
    """
    if any_cases(runtime):
        return None
    try:
        with job_lock_when_free(runtime.db, "first-run-seed", "first-run sample import", wait_s=SEED_WAIT_S):
            report = seed_sample_if_empty(runtime)
    except JobAlreadyRunning:  # still importing after the wait, or a user's import holds the import lock
        return "Empty database: another process is importing the bundled sample."
    return f"Empty database: imported the bundled sample. {report.summary()}" if report else None


def _summary_line(runtime: Runtime) -> str | None:
    status = ensure_summary(runtime)
    if status == "rebuilt":
        return "Built the metric summary for the current metric settings."
    if status == "busy":
        return "The metric summary needs a rebuild; another process holds the import lock, so it is left for later."
    return None


def _model_line(runtime: Runtime) -> str | None:
    trained = training.ensure_model(runtime)
    if trained is None:
        return None
    if trained["status"] == "activated":
        recorded = record_missing_advance_predictions(runtime)
        advance = f" Predicted {recorded} scheduled cases in advance." if recorded else ""
        return f"No model yet: trained and activated {trained['version']}.{advance}"
    if trained["status"] == "running":
        return "No model yet: another process is training the first one."
    return f"No model yet, and none was activated: {trained['message']}"


def prepare_first_run(runtime: Runtime) -> list[str]:
    """Seed, rebuild the metric summary and train when needed (several workers may start at once); return log
    lines saying what was done."""
    return [line for line in (seed_first_run(runtime), _summary_line(runtime), _model_line(runtime)) if line]
