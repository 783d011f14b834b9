"""python -m optior train / predict / evaluate."""

from __future__ import annotations

import json

import pytest

from optior.cli import main
from optior.config import SAMPLE_CSV
from optior.db.case_store import count_cases
from tests.conftest import SAMPLE_COMPLETED_CASES

METRIC_KEYS = {"mae", "median_ae", "bias", "within_10pct", "within_15min"}
PREDICT = ["predict", "--service", "Orthopedics", "--cpt", "27447", "--room", "1", "--date", "2026-12-01",
           "--start", "07:30", "--booked", "150", "--surgeon", "Dr. L. Chen"]


@pytest.fixture
def app_env(monkeypatch, settings):
    """Point the command line at the test database and model folder."""
    monkeypatch.setenv("OPTIOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OPTIOR_MODEL_DIR", str(settings.model_dir))
    return settings


def test_train_prints_the_card_and_predict_prints_json(sample_runtime, app_env, capsys):
    assert main(["train"]) == 0
    out = capsys.readouterr().out
    assert "Activated version" in out
    assert "Target: in-room minutes (wheels in to wheels out)." in out
    assert "| Booked time |" in out and "| Procedure median |" in out and "SHA-256" in out

    assert main(PREDICT) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["p10_minutes"] < result["predicted_minutes"] < result["p90_minutes"]
    assert result["model_version"] in out
    assert result["notes"] == []


def test_predict_reports_fallbacks_for_unknown_values(sample_runtime, app_env, capsys):
    main(["train"])
    capsys.readouterr()
    assert main(["predict", "--service", "Orthopedics", "--cpt", "99999", "--room", "Z", "--date", "2026-12-01"]) == 0
    notes = " ".join(json.loads(capsys.readouterr().out)["notes"])
    assert "CPT code 99999" in notes and "OR suite 'Z'" in notes


def test_predict_with_a_bad_value_prints_one_error_line(sample_runtime, app_env, capsys):
    assert main(PREDICT[:-6] + ["--start", "7.30"]) == 2
    assert capsys.readouterr().err.strip() == "error: Scheduled start must be a time like 07:30 (24-hour clock)."


def test_predict_without_a_model_says_how_to_get_one(runtime, app_env, capsys):
    assert main(PREDICT) == 2
    assert "python -m optior train" in capsys.readouterr().err


def test_evaluate_json_uses_a_temporary_database_not_the_apps(runtime, app_env, capsys):
    assert main(["evaluate", "--csv", str(SAMPLE_CSV), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_train"] + summary["n_test"] == SAMPLE_COMPLETED_CASES
    assert METRIC_KEYS | {"interval_coverage", "interval_width"} <= set(summary["model"])
    model = summary["model"]
    assert list(model["quantile_calibration"]) == ["0.1", "0.25", "0.5", "0.75", "0.9"]
    assert all(abs(share - float(level)) <= 0.06 for level, share in model["quantile_calibration"].items())
    assert model["interval_coverage_50"] < model["interval_coverage"] < model["interval_coverage_90"]
    assert 0 < model["pinball_loss"] < model["mae"]
    assert [band["band"] for band in model["by_frequency"]] == ["<5", "5-30", ">30"]
    assert sum(band["n"] for band in model["by_frequency"]) == summary["n_test"]
    assert set(summary["baselines"]) == {"booked", "procedure_median"}
    assert all(METRIC_KEYS <= set(b) for b in summary["baselines"].values())
    with runtime.db.read() as connection:
        assert count_cases(connection) == 0
    assert list(app_env.model_dir.iterdir()) == []


def test_evaluate_prints_a_table_of_model_and_baselines(runtime, app_env, capsys):
    assert main(["evaluate", "--csv", str(SAMPLE_CSV)]) == 0
    out = capsys.readouterr().out
    assert "2,783 rows read, 0 rejected" in out
    accuracy, calibration, ranges, bands = (block.splitlines() for block in out.split("\n\n")[1:5])
    assert [line.split("|")[1].strip().split(" (")[0] for line in accuracy[2:]] == [
        "Model", "Booked time", "Procedure median",
    ]
    assert calibration[0].startswith("| Predicted quantile | P10 | P25 | P50 | P75 | P90 |")
    assert [line.split("|")[1].strip() for line in ranges[2:]] == ["50%", "80%", "90%"]
    assert [line.split("|")[1].strip() for line in bands[2:]] == ["<5 times", "5-30 times", ">30 times"]


def test_evaluate_an_unusable_file_is_a_clear_error(runtime, app_env, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("just,some,columns\n1,2,3\n")
    assert main(["evaluate", "--csv", str(bad)]) == 2
    assert "missing required columns" in capsys.readouterr().err
