"""Retraining: versions, activation only when not worse, one retrain at a time, actual cases only."""

from __future__ import annotations

import csv
import json
import threading
from datetime import date

import numpy as np
import pytest
from sqlalchemy import bindparam, select, update

from optior.config import SAMPLE_CSV
from optior.db.locks import job_lock
from optior.db.schema import cases
from optior.errors import JobAlreadyRunning
from optior.ingest.generator import generate_cases
from optior.ml.features import CATEGORICAL, NUMERIC
from optior.ml.registry import file_sha256
from optior.ml.training import MIN_HOLDOUT_CASES
from optior.services import training
from optior.services.importing import import_cases
from optior.services.prediction import predict_duration
from optior.services.training import (
    active_model_card,
    ensure_model,
    model_report,
    model_versions,
    retrain,
)
from tests.conftest import SAMPLE_COMPLETED_CASES

CASE = {"service": "Orthopedics", "cpt_code": "27447", "or_suite": "1", "case_date": "2026-12-01",
        "scheduled_start": "07:30", "booked_minutes": 150, "surgeon": "Dr. L. Chen"}


def _scramble_training_outcomes(runtime, before: date) -> None:
    """Corrupt history: shuffle in-room minutes among the cases before `before` (the holdout stays true)."""
    with runtime.db.transaction() as connection:
        rows = connection.execute(
            select(cases.c.id, cases.c.in_room_minutes).where(cases.c.case_date < before)
        ).all()
        shuffled = np.random.default_rng(1).permutation([row.in_room_minutes for row in rows])
        connection.execute(
            update(cases).where(cases.c.id == bindparam("match_id")).values(in_room_minutes=bindparam("minutes")),
            [{"match_id": row.id, "minutes": float(m)} for row, m in zip(rows, shuffled, strict=True)],
        )


def test_first_retrain_activates_a_saved_and_recorded_version(sample_runtime):
    result = retrain(sample_runtime)

    assert result["status"] == "activated"
    assert result["previous_version"] is None and result["active_version"] == result["version"]
    card = result["card"]
    model_file = sample_runtime.settings.model_dir / card["file_name"]
    assert card["sha256"] == file_sha256(model_file)
    assert json.loads(model_file.with_suffix(".json").read_text())["sha256"] == card["sha256"]
    assert card["rows_used"] == card["n_train"] + card["n_test"] == SAMPLE_COMPLETED_CASES
    assert card["target"].startswith("in-room minutes")
    assert set(card["features"]) == set(CATEGORICAL) | set(NUMERIC)
    assert {"scikit-learn", "numpy", "pandas", "joblib", "python"} <= set(card["library_versions"])
    assert set(card["model"]) >= {"mae", "median_ae", "bias", "within_10pct", "within_15min",
                                  "interval_coverage", "interval_width"}
    assert set(card["baselines"]) == {"booked", "procedure_median"}
    [listed] = model_versions(sample_runtime)
    assert listed.is_active and listed.version == result["version"]
    assert active_model_card(sample_runtime)["version"] == result["version"]


def test_a_worse_model_is_saved_but_not_activated_unless_forced(sample_runtime):
    first = retrain(sample_runtime)
    holdout_start = date.fromisoformat(first["card"]["test_dates"]["first"])
    _scramble_training_outcomes(sample_runtime, holdout_start)

    worse = retrain(sample_runtime)
    assert worse["status"] == "kept"
    assert worse["active_version"] == first["version"]
    assert worse["decision"]["new_mae"] > worse["decision"]["active_mae"]
    assert "Kept version" in worse["message"]
    versions = {v.version: v for v in model_versions(sample_runtime)}
    assert versions[first["version"]].is_active and not versions[worse["version"]].is_active
    assert predict_duration(sample_runtime, **CASE).model_version == first["version"]

    forced = retrain(sample_runtime, force=True)
    assert forced["status"] == "activated" and forced["active_version"] == forced["version"]
    assert predict_duration(sample_runtime, **CASE).model_version == forced["version"]


def test_a_second_retrain_is_refused_while_one_runs_and_predictions_continue(sample_runtime, monkeypatch):
    first = retrain(sample_runtime)
    started, release = threading.Event(), threading.Event()
    real_train = training.train_and_evaluate

    def slow_train(rows, **choice):
        started.set()
        release.wait(timeout=60)
        return real_train(rows, **choice)

    monkeypatch.setattr(training, "train_and_evaluate", slow_train)
    results = {}
    worker = threading.Thread(target=lambda: results.update(retrain(sample_runtime)))
    worker.start()
    try:
        assert started.wait(timeout=60)
        with pytest.raises(JobAlreadyRunning, match="already running"):
            retrain(sample_runtime)
        assert predict_duration(sample_runtime, **CASE).model_version == first["version"]
    finally:
        release.set()
        worker.join(timeout=120)
    assert results["status"] == "activated"


def test_retrain_is_refused_while_another_process_holds_the_lock(sample_runtime):
    with job_lock(sample_runtime.db, "retrain", "model retrain"):
        with pytest.raises(JobAlreadyRunning):
            retrain(sample_runtime)
    assert model_versions(sample_runtime) == []


def test_logged_predictions_never_become_training_rows(sample_runtime):
    before = retrain(sample_runtime)
    for booked in range(15, 600, 15):
        predict_duration(sample_runtime, **(CASE | {"booked_minutes": booked, "or_suite": "9"}))
    after = retrain(sample_runtime)
    assert after["card"]["rows_used"] == before["card"]["rows_used"]
    assert after["card"]["n_train"] == before["card"]["n_train"]
    assert after["card"]["model"] == before["card"]["model"]


def test_too_few_cases_gives_an_error_result_and_no_version(runtime):
    few = generate_cases(20, seed=3, start=date(2025, 3, 3)).to_csv(index=False).encode()
    import_cases(runtime, source=few, source_name="few.csv")
    result = retrain(runtime)
    assert result["status"] == "error"
    assert "Not enough cases" in result["message"]
    assert model_versions(runtime) == []


def test_ensure_model_trains_once_and_only_when_there_are_cases(sample_runtime):
    assert ensure_model(sample_runtime)["status"] == "activated"
    assert ensure_model(sample_runtime) is None
    assert len(model_versions(sample_runtime)) == 1


def test_ensure_model_in_a_second_worker_reports_the_running_retrain(sample_runtime):
    with job_lock(sample_runtime.db, "retrain", "model retrain"):
        result = ensure_model(sample_runtime)
    assert result["status"] == "running" and "already running" in result["message"]
    assert result["version"] is None and result["active_version"] is None


def test_ensure_model_does_nothing_on_an_empty_database(runtime):
    assert ensure_model(runtime) is None
    assert model_versions(runtime) == []


def test_model_report_has_what_the_model_page_charts(sample_runtime):
    retrain(sample_runtime)
    report = model_report(sample_runtime)
    assert [row["predictor"].split(" (")[0] for row in report["metrics_table"]] == [
        "Model", "Booked time", "Procedure median",
    ]
    assert report["metrics_table"][1]["interval_coverage"] is None
    assert 0 < len(report["points"]) <= 1000
    assert all(p["p10"] <= p["predicted"] <= p["p90"] for p in report["points"])
    assert {r["service"] for r in report["residuals_by_service"]} == {p["service"] for p in report["points"]}
    assert {f["feature"] for f in report["feature_importance"]} == set(report["card"]["features"])
    assert report["feature_importance"][0]["mae_increase_minutes"] > 1
    assert model_report(sample_runtime, version="no-such-version") is None


def _sample_lines() -> tuple[bytes, list[bytes]]:
    """The sample's header and its completed cases' lines (in date order; scheduled cases left out)."""
    header, *rows = SAMPLE_CSV.read_bytes().splitlines(keepends=True)
    wheels_in = next(csv.reader([header.decode()])).index("Wheels In")
    return header, [row for row in rows if next(csv.reader([row.decode()]))[wheels_in]]


def test_a_small_holdout_says_so_activates_a_first_model_and_otherwise_keeps_the_active(runtime):
    small = generate_cases(110, seed=3, start=date(2025, 3, 3), rooms=2).to_csv(index=False).encode()
    import_cases(runtime, source=small, source_name="small.csv")

    first = retrain(runtime)
    assert first["status"] == "activated"
    assert first["card"]["n_test"] < MIN_HOLDOUT_CASES and first["card"]["holdout_measurable"] is False
    assert "not measurable" in first["message"]

    second = retrain(runtime)
    assert second["status"] == "kept" and second["active_version"] == first["version"]
    assert f"fewer than {MIN_HOLDOUT_CASES}" in second["message"] and "--force" in second["message"]
    assert retrain(runtime, force=True)["status"] == "activated"


def test_versions_are_compared_on_cases_neither_was_fitted_on(runtime):
    header, rows = _sample_lines()
    import_cases(runtime, source=header + b"".join(rows[:1900]), source_name="earlier.csv")
    first = retrain(runtime)
    import_cases(runtime, source=SAMPLE_CSV, source_name=SAMPLE_CSV.name)

    second = retrain(runtime)
    decision = second["decision"]
    fitted_until = first["card"]["fitted_on"]["last"]
    assert decision["compared_with"] == first["version"]
    assert decision["compared_cases"] >= MIN_HOLDOUT_CASES
    holdout = model_report(runtime, version=second["version"])["points"]  # every holdout case (fewer than 1,000)
    assert len(holdout) == second["card"]["n_test"]
    assert decision["compared_cases"] == sum(1 for case in holdout if case["case_date"] > fitted_until)
    assert "newer than any it was fitted on" in second["message"]
    assert decision["new_mae"] is not None and decision["active_mae"] is not None


def test_too_few_new_cases_to_compare_keeps_the_active_version(runtime):
    header, rows = _sample_lines()
    import_cases(runtime, source=header + b"".join(rows[:-10]), source_name="almost.csv")
    first = retrain(runtime)
    import_cases(runtime, source=SAMPLE_CSV, source_name=SAMPLE_CSV.name)

    second = retrain(runtime)
    assert second["status"] == "kept" and second["active_version"] == first["version"]
    assert "only 0 holdout cases are newer" in second["message"]


def test_a_capped_retrain_reads_the_latest_whole_dates_and_says_so_on_its_card(sample_runtime):
    cap = SAMPLE_COMPLETED_CASES // 2
    card = retrain(sample_runtime, row_cap=cap)["card"]

    chosen = card["training_rows"]
    assert card["rows_used"] == chosen["cases_used"] <= cap
    assert chosen["cases_available"] == SAMPLE_COMPLETED_CASES and chosen["cap"] == cap
    assert chosen["dates_used"] < chosen["dates_available"]
    assert card["train_dates"]["first"] == chosen["since"]
    with sample_runtime.db.read() as connection:
        dates = [row[0] for row in connection.execute(select(cases.c.case_date))]
    assert chosen["cases_used"] == sum(day >= date.fromisoformat(chosen["since"]) for day in dates)
    # The holdout is never sampled: it holds every stored case of its dates.
    holdout_first = date.fromisoformat(card["test_dates"]["first"])
    assert card["n_test"] == sum(day >= holdout_first for day in dates)
    assert card["n_test"] + card["n_train"] == card["rows_used"]


def test_an_uncapped_retrain_reports_every_case_as_used(sample_runtime):
    chosen = retrain(sample_runtime)["card"]["training_rows"]

    assert chosen["cases_used"] == chosen["cases_available"] == SAMPLE_COMPLETED_CASES
    assert chosen["since"] is None
