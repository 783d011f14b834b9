"""Scheduled cases (rows without actual times): stored apart, never in a historical figure or a training row."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from optior.cli import main
from optior.config import SAMPLE_CSV
from optior.db.schema import advance_predictions, cases, metric_room_months, scheduled_cases
from optior.db.training_data import read_case_rows
from optior.services.analytics import data_extent, day_schedule, specialty_breakdown
from optior.services.data_admin import clear_cases
from optior.services.importing import import_cases
from optior.services.runtime import build_runtime
from optior.services.scheduled_import import record_missing_advance_predictions
from optior.services.startup import prepare_first_run
from optior.services.training import retrain
from tests.conftest import SAMPLE_COMPLETED_CASES
from tests.test_ingest_parser import PUBLIC_ROWS, public_file

TODAY = date(2026, 11, 29)
# 20003 tomorrow-ish (after TODAY: allowed, it has no actual times) and 20004 in the past, both without actuals.
SCHEDULED_ROWS = [
    '2,20003,12/07/26,2,Urology,52000,Cystoscopy,45,12/07/26 07:30 AM,,,,',
    '3,20004,01/04/22,1,Orthopedics,27447,"Arthroplasty, knee, total",150,01/04/22 08:00 AM,,,,',
]


def run_import(runtime, text: str, **kwargs):
    return import_cases(runtime, source=text.encode(), source_name="test.csv", today=TODAY, **kwargs)


def table(runtime, which) -> list[dict]:
    with runtime.db.read() as connection:
        return [dict(row) for row in connection.execute(select(which)).mappings()]


def sample_parts(tmp_path) -> tuple[str, str]:
    """The bundled sample split into its completed rows and its scheduled rows, as two CSV files."""
    frame = pd.read_csv(SAMPLE_CSV, dtype=str, keep_default_na=False)
    completed, scheduled = tmp_path / "completed.csv", tmp_path / "scheduled.csv"
    frame[frame["Wheels Out"] != ""].to_csv(completed, index=False)
    frame[frame["Wheels Out"] == ""].to_csv(scheduled, index=False)
    return str(completed), str(scheduled)


def test_rows_without_actual_times_are_scheduled_cases_counted_apart(runtime):
    report = run_import(runtime, public_file(*PUBLIC_ROWS, *SCHEDULED_ROWS))
    assert (report.rows_read, report.inserted, report.scheduled, report.rejected) == (4, 2, 2, 0)
    assert "2 scheduled cases (no actual times yet) stored for planning" in report.summary()
    assert sorted(row["encounter_id"] for row in table(runtime, cases)) == ["20001", "20002"]
    stored = {row["encounter_id"]: row for row in table(runtime, scheduled_cases)}
    assert sorted(stored) == ["20003", "20004"]
    assert stored["20003"]["scheduled_start"].isoformat() == "2026-12-07T07:30:00"
    assert stored["20003"]["booked_minutes"] == 45 and stored["20003"]["or_suite"] == "2"
    assert report.to_dict()["scheduled"] == 2


def test_a_scheduled_row_still_needs_its_schedule_and_booking(runtime):
    missing_start = '4,20005,12/07/26,2,Urology,52000,Cystoscopy,45,,,,,'
    missing_booking = '5,20006,12/07/26,2,Urology,52000,Cystoscopy,,12/07/26 09:00 AM,,,,'
    partly_done = '6,20007,12/07/26,2,Urology,52000,Cystoscopy,45,12/07/26 09:00 AM,12/07/26 09:05 AM,,,'
    report = run_import(runtime, public_file(missing_start, missing_booking, partly_done))
    assert (report.scheduled, report.rejected) == (0, 3)
    reasons = [problem.reason for problem in report.rejections]
    assert "OR Schedule is empty" in reasons[0] and "Booked Time (min) is empty" in reasons[1]
    assert "Wheels Out is empty" in reasons[2]  # some actual times but not all: not a scheduled case
    assert table(runtime, scheduled_cases) == []


def test_a_completed_case_may_not_be_dated_after_today_but_a_scheduled_one_may(runtime):
    future_done = PUBLIC_ROWS[0].replace("01/03/22", "12/07/26").replace("20001", "20008")
    report = run_import(runtime, public_file(future_done, SCHEDULED_ROWS[0]))
    assert (report.inserted, report.scheduled, report.rejected) == (0, 1, 1)
    assert "Date is in the future" in report.rejections[0].reason


def test_reimporting_with_actual_times_makes_a_scheduled_case_completed(runtime):
    run_import(runtime, public_file(*SCHEDULED_ROWS))
    done = ('3,20004,01/04/22,1,Orthopedics,27447,"Arthroplasty, knee, total",150,01/04/22 08:00 AM,'
            "01/04/22 08:05 AM,01/04/22 08:30 AM,01/04/22 10:20 AM,01/04/22 10:40 AM")
    report = run_import(runtime, public_file(done))
    assert (report.inserted, report.scheduled, report.scheduled_completed) == (1, 0, 1)
    assert "1 scheduled case now completed" in report.summary()
    assert [row["encounter_id"] for row in table(runtime, scheduled_cases)] == ["20003"]
    [completed] = table(runtime, cases)
    assert (completed["encounter_id"], completed["in_room_minutes"]) == ("20004", 155)
    # the same row without actual times again cannot undo the completed case
    again = run_import(runtime, public_file(SCHEDULED_ROWS[1]))
    assert (again.scheduled, again.rejected) == (0, 1)
    assert "already a completed case" in again.rejections[0].reason
    assert [row["encounter_id"] for row in table(runtime, cases)] == ["20004"]


def test_a_changed_schedule_updates_the_scheduled_case(runtime):
    run_import(runtime, public_file(*SCHEDULED_ROWS))
    moved = SCHEDULED_ROWS[0].replace("07:30 AM", "09:15 AM").replace(",45,", ",60,")
    report = run_import(runtime, public_file(moved, SCHEDULED_ROWS[1]))
    assert report.scheduled == 2
    stored = {row["encounter_id"]: row for row in table(runtime, scheduled_cases)}
    assert stored["20003"]["scheduled_start"].isoformat() == "2026-12-07T09:15:00"
    assert stored["20003"]["booked_minutes"] == 60


def test_clear_and_replace_remove_scheduled_cases_too(runtime):
    run_import(runtime, public_file(*PUBLIC_ROWS, *SCHEDULED_ROWS))
    run_import(runtime, public_file(PUBLIC_ROWS[0]), replace=True)
    assert table(runtime, scheduled_cases) == []
    run_import(runtime, public_file(*SCHEDULED_ROWS))
    clear_cases(runtime)
    assert table(runtime, scheduled_cases) == [] and table(runtime, cases) == []


@pytest.fixture
def cli_env(monkeypatch, settings):
    monkeypatch.setenv("OPTIOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OPTIOR_MODEL_DIR", str(settings.model_dir))


def _figures(runtime, capsys) -> dict:
    """Everything historical a user can see, as it is answered."""
    assert main(["metrics", "--start", "2026-07-01", "--end", "2026-12-31", "--json"]) == 0
    metrics_json = capsys.readouterr().out
    with runtime.db.read() as connection:
        training_rows = read_case_rows(connection)
    return {
        "metrics": metrics_json,
        "extent": data_extent(runtime),
        "services": specialty_breakdown(runtime, start="2026-07-01", end="2026-12-31"),
        "scheduled_day": day_schedule(runtime, day="2026-10-05"),
        "summary": sorted((row["or_suite"], row["month"], row["room_days"], row["turnovers"])
                          for row in table(runtime, metric_room_months)),
        "training_rows": len(training_rows),
    }


def test_importing_scheduled_cases_changes_no_historical_figure(runtime, cli_env, tmp_path, capsys):
    completed, scheduled = sample_parts(tmp_path)
    import_cases(runtime, source=completed, source_name="completed.csv", today=TODAY)
    before = _figures(runtime, capsys)
    report = import_cases(runtime, source=scheduled, source_name="scheduled.csv", today=TODAY)
    assert report.scheduled == 131 and report.inserted == 0
    after = _figures(runtime, capsys)
    assert after["metrics"] == before["metrics"]  # byte for byte
    assert after == before
    assert before["scheduled_day"] == [] and before["training_rows"] == SAMPLE_COMPLETED_CASES


def test_a_scheduled_import_records_the_prediction_made_in_advance(sample_runtime):
    trained = retrain(sample_runtime)
    assert trained["status"] == "activated"
    assert table(sample_runtime, advance_predictions) == []  # the sample came before any model
    report = run_import(sample_runtime, public_file(SCHEDULED_ROWS[0]))
    assert report.advance_predictions >= 1
    stored = {row["encounter_id"]: row for row in table(sample_runtime, advance_predictions)}
    row = stored["20003"]
    assert row["p10_minutes"] < row["p50_minutes"] < row["p90_minutes"]
    minutes = row["quantiles"]["minutes"]
    assert len(minutes) == len(row["quantiles"]["levels"]) and minutes == sorted(minutes)
    assert row["model_version"] == trained["card"]["version"]


def test_a_first_start_predicts_the_sample_s_scheduled_cases_once_its_first_model_exists(settings):
    """The sample is imported before any model exists; the first model then predicts its scheduled cases in advance,
    so the Model page's advance-accuracy table has rows to match when their actual times arrive."""
    runtime = build_runtime(settings.with_changes(auto_seed=True))
    try:
        lines = prepare_first_run(runtime)
        scheduled = {row["encounter_id"] for row in table(runtime, scheduled_cases)}
        stored = table(runtime, advance_predictions)
        assert scheduled and {row["encounter_id"] for row in stored} == scheduled
        assert any(f"Predicted {len(scheduled)} scheduled cases in advance" in line for line in lines), lines
        assert record_missing_advance_predictions(runtime) == 0  # nothing left to predict
    finally:
        runtime.db.dispose()
