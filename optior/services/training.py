"""Retrain, compare with the active version, activate or keep; list versions and their evaluation."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pandas as pd

from optior.config import Settings
from optior.db.case_store import has_cases
from optior.db.locks import job_lock
from optior.db.model_store import active_version, list_versions, version_with_report
from optior.db.training_data import cases_by_date, read_case_rows
from optior.errors import JobAlreadyRunning, ModelUnavailable
from optior.ml.estimators import DISPLAY_NAMES
from optior.ml.evaluation import metrics_table
from optior.ml.registry import new_version
from optior.ml.row_choice import TRAINING_ROW_CAP, RowChoice, choose_rows
from optior.ml.training import MIN_HOLDOUT_CASES, TrainingOutcome, train_and_evaluate
from optior.services.importing import import_cases
from optior.services.model_file_upkeep import delete_files_past_kept
from optior.services.model_files import load_version, record_version
from optior.services.prediction import current_form_options
from optior.services.runtime import Runtime, scratch_runtime
from optior.services.training_models import ModelVersionSummary

log = logging.getLogger(__name__)


def _trained_until(card: dict) -> pd.Timestamp:
    """The last case date a saved version was fitted on (all its dates, or the earlier ones for older cards)."""
    return pd.Timestamp((card.get("fitted_on") or card["train_dates"])["last"])


def _compare(outcome: TrainingOutcome, active: dict, active_model) -> dict:
    """MAEs of the new and active versions on cases neither was fitted on, like with like.

    First choice: holdout cases dated after everything the active version was fitted on (the new version's
    holdout fit never saw them either). When too few, and both versions were evaluated on the same holdout
    (same dates and case count), their holdout-trained fits' recorded MAEs are compared instead.
    """
    unseen = outcome.holdout[outcome.holdout["case_date"] > _trained_until(active["card"])]
    if len(unseen) >= MIN_HOLDOUT_CASES:
        new_mae = float((unseen["actual"] - unseen["predicted"]).abs().mean())
        active_mae = float((unseen["actual"] - active_model.predict(unseen)["predicted"].to_numpy()).abs().mean())
        return {"compared_cases": int(len(unseen)), "new_mae": new_mae, "active_mae": active_mae,
                "basis": f"{len(unseen)} holdout cases newer than any it was fitted on"}
    card = active["card"]
    same_holdout = card["test_dates"] == {"first": outcome.test_dates[0], "last": outcome.test_dates[1]} \
        and card["n_test"] == outcome.n_test
    if same_holdout:
        return {"compared_cases": outcome.n_test, "new_mae": outcome.metrics["model"]["mae"],
                "active_mae": card["model"]["mae"],
                "basis": f"the same {outcome.n_test} holdout cases, each fitted on the earlier dates"}
    return {"compared_cases": int(len(unseen)), "new_mae": None, "active_mae": None, "basis": None}


def _decide(runtime: Runtime, outcome: TrainingOutcome, active: dict | None, force: bool) -> dict:
    """Activate the new version unless the active one is better on cases neither has trained on.

    Below MIN_HOLDOUT_CASES comparable cases the figures are noise, so the rule is stated instead: a first
    model is activated (its figures marked not measurable); otherwise the active version is kept unless forced.
    """
    decision = {"activate": True, "compared_with": active["version"] if active else None,
                "compared_cases": 0, "new_mae": None, "active_mae": None, "min_holdout_cases": MIN_HOLDOUT_CASES}
    too_few = (f"The holdout has only {outcome.n_test} cases (fewer than {MIN_HOLDOUT_CASES}), so its figures "
               "are not measurable yet.")
    if active is None:
        reason = "There was no active model." + ("" if outcome.holdout_measurable else f" {too_few}")
        return {**decision, "reason": reason}
    if force:
        return {**decision, "reason": "Activated on request (--force), without comparing."}
    keep = {**decision, "activate": False}
    if not outcome.holdout_measurable:
        return {**keep, "reason": f"Kept version {active['version']}: {too_few} Retrain with --force to activate "
                                  "the new version anyway."}
    try:
        active_model = load_version(runtime, active)
    except ModelUnavailable as error:
        return {**decision, "reason": f"The active version could not be loaded: {error.message}"}
    compared = _compare(outcome, active, active_model)
    if compared["basis"] is None:
        return {**keep, **compared, "reason": (
            f"Kept version {active['version']}: only {compared['compared_cases']} holdout cases are newer than the "
            f"data it was fitted on (fewer than {MIN_HOLDOUT_CASES}), too few to show the new version is not "
            "worse. Retrain with --force to activate it anyway.")}
    new_mae, active_mae = compared["new_mae"], compared["active_mae"]
    if new_mae <= active_mae:
        return {**decision, **compared, "reason": f"Not worse than version {active['version']} on "
                                                  f"{compared['basis']}: MAE {new_mae:.1f} vs {active_mae:.1f} min."}
    return {**keep, **compared, "reason": f"Kept version {active['version']}: on {compared['basis']} its MAE is "
                                          f"{active_mae:.1f} min, the new version's {new_mae:.1f} min."}


def metrics_rows(summary: dict) -> list[dict]:
    """The model's and both baselines' holdout metrics from a card or evaluation, one labelled row each."""
    return metrics_table(summary, model_name=DISPLAY_NAMES[summary["estimator"]["name"]])


def _no_new_version(status: str, message: str, *, active: str | None) -> dict:
    """A retrain result (same keys as a finished one) for when no version was trained."""
    return {"status": status, "message": message, "version": None, "previous_version": active,
            "active_version": active, "new_mae": None, "previous_mae": None, "decision": None, "card": None}


def _training_rows(connection, row_cap: int) -> tuple[pd.DataFrame, RowChoice]:
    """The cases to learn from, chosen in SQL from the cases per date (see optior.ml.row_choice), and the choice."""
    choice = choose_rows(cases_by_date(connection), cap=row_cap)
    return read_case_rows(connection, since=choice.since), choice


def retrain(runtime: Runtime, *, force: bool = False, row_cap: int = TRAINING_ROW_CAP) -> dict:
    """Train on the stored cases, evaluate, save a new version and activate it if it is not worse.

    A history of more than `row_cap` cases is trained on the latest dates that fit the cap (the card says
    how many cases were available and used). Only one retrain runs at a time (JobAlreadyRunning otherwise);
    predictions keep using the active version meanwhile. The result's status is 'activated', 'kept' or 'error'.
    """
    with job_lock(runtime.db, "retrain", "model retrain"):
        with runtime.db.read() as connection:
            rows, choice = _training_rows(connection, row_cap)
            active = active_version(connection)
        options = current_form_options(runtime)
        previous = active["version"] if active else None
        try:
            outcome = train_and_evaluate(rows, row_choice=choice)
        except ModelUnavailable as error:
            return _no_new_version("error", error.message, active=previous)
        decision = _decide(runtime, outcome, active, force)
        trained_at = datetime.now()
        version = new_version(trained_at)
        card = record_version(
            runtime, model=outcome.model, version=version, trained_at=trained_at,
            card=outcome.card(version=version, trained_at=trained_at, decision=decision),
            rows_used=outcome.rows_used, report={**outcome.report, "form_options": options},
            activate=decision["activate"],
        )
        for line in delete_files_past_kept(runtime):
            log.info(line)
    activated = decision["activate"]
    return {
        "status": "activated" if activated else "kept",
        "message": f"{'Activated' if activated else 'Saved but did not activate'} version {version}. "
                   f"{decision['reason']}",
        "version": version,
        "previous_version": previous,
        "active_version": version if activated else previous,
        "new_mae": outcome.metrics["model"]["mae"],
        "previous_mae": active["card"]["model"]["mae"] if active else None,
        "decision": decision,
        "card": card,
    }


def ensure_model(runtime: Runtime) -> dict | None:
    """At start-up, train a first model when there is none and cases exist; None when nothing was needed.

    Returns the retrain result; its status is 'running' when another worker is already training one.
    """
    with runtime.db.read() as connection:
        if active_version(connection) is not None or not has_cases(connection):
            return None
    try:
        return retrain(runtime)
    except JobAlreadyRunning as error:
        return _no_new_version("running", error.message, active=None)


def active_model_card(runtime: Runtime) -> dict | None:
    """The active version's model card, or None when no model has been activated."""
    with runtime.db.read() as connection:
        active = active_version(connection)
    return active["card"] if active else None


def model_versions(runtime: Runtime) -> list[ModelVersionSummary]:
    """Every saved version, newest first, with its headline holdout figures and why it was (not) activated."""
    with runtime.db.read() as connection:
        rows = list_versions(connection)
    return [
        ModelVersionSummary.model_validate({
            "version": row["version"],
            "trained_at": row["trained_at"],
            "activated_at": row["activated_at"],
            "is_active": bool(row["is_active"]),
            "rows_used": row["rows_used"],
            "estimator": row["card"]["estimator"]["name"],
            "train_dates": row["card"]["train_dates"],
            "test_dates": row["card"]["test_dates"],
            "mae": row["card"]["model"]["mae"],
            "interval_coverage": row["card"]["model"]["interval_coverage"],
            "booked_mae": row["card"]["baselines"]["booked"]["mae"],
            "procedure_median_mae": row["card"]["baselines"]["procedure_median"]["mae"],
            "decision": row["card"]["decision"]["reason"],
        })
        for row in rows
    ]


def model_report(runtime: Runtime, *, version: str | None = None) -> dict | None:
    """Everything the model page charts for a version (default: the active one); None if there is none."""
    with runtime.db.read() as connection:
        if version is None:
            active = active_version(connection)
            version = active["version"] if active else None
        row = version_with_report(connection, version) if version else None
    if row is None:
        return None
    card = row["card"]
    return {
        "version": row["version"],
        "is_active": bool(row["is_active"]),
        "card": card,
        "target": card["target"],
        "metrics_table": metrics_rows(card),
        "candidates": card["candidates"],
        "feature_importance": card["feature_importance"],
        "points": row["report"]["points"],
        "residuals_by_service": row["report"]["residuals_by_service"],
    }


def evaluate_case_file(settings: Settings, *, source: Path) -> dict:
    """Import a CSV into a throw-away SQLite database (never the app's) and run the time-split evaluation."""
    with scratch_runtime(settings, "evaluate") as runtime:
        report = import_cases(runtime, source=source, source_name=Path(source).name)
        with runtime.db.read() as connection:
            rows, choice = _training_rows(connection, TRAINING_ROW_CAP)
    return {"source": Path(source).name, "rows_read": report.rows_read, "rejected": report.rejected,
            **train_and_evaluate(rows, row_choice=choice).summary()}
