"""First run: import the bundled sample into an empty database and train the first model."""

from __future__ import annotations

from optior.services import training
from optior.services.data_admin import seed_sample_if_empty
from optior.services.runtime import Runtime


def prepare_first_run(runtime: Runtime) -> list[str]:
    """Seed and train when needed; return log lines saying what was done."""
    lines = []
    report = seed_sample_if_empty(runtime)
    if report is not None:
        lines.append(f"Empty database: imported the bundled sample. {report.summary()}")
    trained = training.ensure_model(runtime)
    if trained:
        lines.append(f"No model yet: trained and activated {trained['version']}.")
    return lines
