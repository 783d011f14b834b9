"""python -m optior plan / backtest-plan."""

from __future__ import annotations

import json

import pytest

from optior.cli import main
from optior.config import SAMPLE_CSV
from optior.services.training import retrain

PLAN_DAY = "2026-10-05"


@pytest.fixture
def app_env(monkeypatch, settings):
    """Point the command line at the test database and model folder."""
    monkeypatch.setenv("OPTIOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OPTIOR_MODEL_DIR", str(settings.model_dir))
    return settings


@pytest.fixture
def trained_sample(sample_runtime, app_env):
    assert retrain(sample_runtime)["status"] == "activated"
    return sample_runtime


def test_plan_prints_each_room_and_case_and_the_same_plan_as_json(trained_sample, capsys):
    assert main(["plan", "--date", PLAN_DAY, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert main(["plan", "--date", PLAN_DAY]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"Plan for {PLAN_DAY}: staffed 07:00-17:00")
    lines = text.splitlines()
    for room in plan["rooms"]:
        line = next(line for line in lines if line.split()[:2] == [room["or_suite"], str(len(room["cases"]))])
        assert room["finish_p50"][11:16] in line and line.endswith("LIKELY LATE") == room["likely_late"]
        for case in room["cases"]:
            case_line = next(line for line in lines if case["encounter_id"] in line.split())
            assert f"{case['recommended_booking_minutes']:.0f}" in case_line.split()
    assert f"{plan['totals']['rooms_likely_late']} likely to run past 17:00" in text


def test_plan_of_a_day_without_scheduled_cases_names_the_days_that_have(trained_sample, capsys):
    assert main(["plan", "--date", "2026-10-10"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: No cases are scheduled on 2026-10-10.") and PLAN_DAY in error


@pytest.mark.parametrize(
    "arguments",
    [["--date", "10/05/2026"], ["--date", PLAN_DAY, "--cost-ratio", "2", "--quantile", "0.5"],
     ["--date", PLAN_DAY, "--quantile", "many"]],
)
def test_plan_refuses_bad_options(app_env, arguments, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["plan", *arguments])
    assert stopped.value.code == 2 and "error:" in capsys.readouterr().err


def test_plan_out_of_range_cost_ratio_is_one_error_line(trained_sample, capsys):
    assert main(["plan", "--date", PLAN_DAY, "--cost-ratio", "0"]) == 2
    assert capsys.readouterr().err.startswith("error: cost_ratio: Input should be greater than or equal to")


def test_backtest_on_the_sample_beats_both_baselines_and_the_bookings(app_env, capsys):
    assert main(["backtest-plan", "--csv", str(SAMPLE_CSV), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    overtime, booking = result["overtime"], result["booking"]
    assert overtime["brier"] < overtime["baseline_booked_brier"]
    assert overtime["brier"] < overtime["baseline_rate_brier"]
    assert booking["recommended_cost"] < booking["booked_cost"]
    assert result["finish"]["mae_minutes"] < result["finish"]["baseline_booked_mae_minutes"]
    assert len(overtime["calibration"]) == 10
    assert sum(row["n"] for row in overtime["calibration"]) == result["room_days"] > 50
    assert (booking["cost_ratio"], booking["quantile"]) == (2.0, pytest.approx(2 / 3, abs=1e-3))
    assert result["rows_read"] == 2783 and result["days"] > 10
