"""Start-up: seed an empty database, bring the metric summary up to date and train a first model when needed."""

from __future__ import annotations

from optior.errors import JobAlreadyRunning
from optior.services import training
from optior.services.data_admin import seed_sample_if_empty
from optior.services.metric_summary import ensure_summary
from optior.services.runtime import Runtime


def _seed_line(runtime: Runtime) -> str | None:
    try:
        report = seed_sample_if_empty(runtime)
    except JobAlreadyRunning:  # another worker starting at the same moment is importing it
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
        return f"No model yet: trained and activated {trained['version']}."
    if trained["status"] == "running":
        return "No model yet: another process is training the first one."
    return f"No model yet, and none was activated: {trained['message']}"


def prepare_first_run(runtime: Runtime) -> list[str]:
    """Seed, rebuild the metric summary and train when needed (several workers may start at once); return log
    lines saying what was done."""
    return [line for line in (_seed_line(runtime), _summary_line(runtime), _model_line(runtime)) if line]
