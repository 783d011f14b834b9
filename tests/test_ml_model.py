"""The model itself: time split, beating the baselines, calibrated ranges, fallbacks for unknown values."""

from __future__ import annotations

import warnings
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sklearn.ensemble import RandomForestRegressor

from optior.config import SAMPLE_CSV, Settings
from optior.db.training_data import read_case_rows
from optior.errors import ModelUnavailable
from optior.ingest.generator import generate_cases
from optior.ml.estimators import RANDOM_FOREST
from optior.ml.evaluation import accuracy, time_split
from optior.ml.intervals import fit_ratio_intervals
from optior.ml.training import train_and_evaluate
from optior.services.importing import import_cases
from optior.services.runtime import build_runtime

CLEAR_MARGIN = 0.95  # the model's MAE must be at least 5% below each baseline's


def _case_rows(folder: Path, source: Path | bytes) -> pd.DataFrame:
    """Import a case file into a scratch SQLite database and read the model's case rows back."""
    runtime = build_runtime(Settings(database_url=f"sqlite:///{folder / 'rows.db'}", model_dir=folder, auto_seed=False))
    try:
        import_cases(runtime, source=source, source_name="cases.csv")
        with runtime.db.read() as connection:
            return read_case_rows(connection)
    finally:
        runtime.db.dispose()


@pytest.fixture(scope="module")
def sample_rows(tmp_path_factory) -> pd.DataFrame:
    return _case_rows(tmp_path_factory.mktemp("sample"), SAMPLE_CSV)


@pytest.fixture(scope="module")
def outcome(sample_rows):
    return train_and_evaluate(sample_rows)


def _case(**changes) -> dict:
    case = {
        "service": "General Surgery", "cpt_code": "47562", "or_suite": "3", "case_date": date(2026, 12, 1),
        "position_in_day": 1, "scheduled_start": datetime(2026, 12, 1, 7, 30), "booked_minutes": 90.0,
        "surgeon": None,
    }
    return case | changes


def test_holdout_is_the_latest_fifth_of_dates(sample_rows, outcome):
    dates = sample_rows["case_date"]
    holdout = time_split(dates)
    assert dates[holdout].min() > dates[~holdout].max()
    assert dates[holdout].nunique() == round(dates.nunique() * 0.2)
    assert (outcome.n_train, outcome.n_test) == ((~holdout).sum(), holdout.sum())
    assert outcome.train_dates[1] < outcome.test_dates[0]


@hypothesis_settings(max_examples=50, deadline=None)
@given(st.lists(st.dates(date(2020, 1, 1), date(2030, 1, 1)), min_size=2, max_size=200))
def test_time_split_never_trains_on_a_date_after_the_holdout(days):
    assume(len(set(days)) >= 2)
    dates = pd.Series(pd.to_datetime(days))
    holdout = time_split(dates)
    assert holdout.any() and not holdout.all()
    assert dates[holdout].min() > dates[~holdout].max()


def test_model_beats_both_baselines_on_the_sample_with_calibrated_ranges(outcome):
    model, baselines = outcome.metrics["model"], outcome.metrics["baselines"]
    assert model["mae"] <= CLEAR_MARGIN * baselines["booked"]["mae"]
    assert model["mae"] <= CLEAR_MARGIN * baselines["procedure_median"]["mae"]
    assert 0.75 <= model["interval_coverage"] <= 0.85
    assert model["interval_width"] > 0


def test_random_forest_stays_available_and_beats_the_baselines(sample_rows):
    forest = train_and_evaluate(sample_rows, estimators=(RANDOM_FOREST,))
    assert forest.model.estimator == RANDOM_FOREST
    assert isinstance(forest.model.pipeline.named_steps["model"].regressor_, RandomForestRegressor)
    baselines = forest.metrics["baselines"]
    assert forest.metrics["model"]["mae"] <= CLEAR_MARGIN * min(b["mae"] for b in baselines.values())
    assert 0.75 <= forest.metrics["model"]["interval_coverage"] <= 0.85


def test_ranges_cover_about_80_percent_on_other_generated_data(tmp_path):
    cases = generate_cases(6_000, seed=2027, start=date(2025, 1, 6), rooms=12)
    rows = _case_rows(tmp_path, cases.to_csv(index=False).encode())
    result = train_and_evaluate(rows)
    assert 0.75 <= result.metrics["model"]["interval_coverage"] <= 0.85
    assert result.metrics["model"]["mae"] < result.metrics["baselines"]["procedure_median"]["mae"]


def test_conformal_ratios_cover_the_requested_share_of_new_cases():
    rng = np.random.default_rng(3)
    predicted = rng.uniform(20, 300, 40_000)
    actual = predicted * rng.lognormal(0.0, 0.25, predicted.size)
    services = pd.Series(rng.choice(["A", "B"], predicted.size))
    intervals = fit_ratio_intervals(actual[:20_000], predicted[:20_000], services[:20_000])
    low, high = intervals.bounds(predicted[20_000:], services[20_000:].reset_index(drop=True))
    coverage = np.mean((actual[20_000:] >= low) & (actual[20_000:] <= high))
    assert 0.78 <= coverage <= 0.82
    assert set(intervals.by_service) == {"A", "B"}


def test_accuracy_metrics_on_known_numbers():
    metrics = accuracy([100.0, 50.0, 60.0], [90.0, 70.0, 60.0])
    assert metrics["mae"] == pytest.approx(10.0)
    assert metrics["median_ae"] == pytest.approx(10.0)
    assert metrics["bias"] == pytest.approx(-10 / 3)
    assert metrics["within_10pct"] == pytest.approx(2 / 3)
    assert metrics["within_15min"] == pytest.approx(2 / 3)


def test_a_known_case_predicts_without_notes_and_inside_its_range(outcome):
    result = outcome.model.predict_case(**_case(surgeon="Dr. L. Chen", service="Orthopedics", cpt_code="27447"))
    assert result["notes"] == []
    assert result["p10_minutes"] < result["predicted_minutes"] < result["p90_minutes"]
    assert result["history"]["cases"] > 0


@pytest.mark.parametrize(
    "changes, mentioned",
    [
        ({"cpt_code": "99999"}, "CPT code 99999"),
        ({"or_suite": "OR-77"}, "OR suite 'OR-77'"),
        ({"surgeon": "Dr. New"}, "Surgeon 'Dr. New'"),
        ({"service": "Cardiac Surgery"}, "Service 'Cardiac Surgery'"),
        ({"service": "Cardiac Surgery", "cpt_code": "33533", "or_suite": "X", "surgeon": "Dr. New"}, "CPT code 33533"),
    ],
)
def test_unknown_categories_fall_back_and_say_so(outcome, changes, mentioned):
    result = outcome.model.predict_case(**_case(**changes))
    assert any(mentioned in note for note in result["notes"])
    assert np.isfinite(result["predicted_minutes"])
    assert 0 < result["p10_minutes"] < result["predicted_minutes"] < result["p90_minutes"]


def test_unknown_procedure_is_predicted_like_its_service(outcome):
    """A new General Surgery CPT code lands among that service's procedures, not anywhere."""
    medians = [outcome.model.reference.procedures[c]["median_minutes"]
               for c, p in outcome.model.reference.procedures.items() if p["service"] == "General Surgery"]
    result = outcome.model.predict_case(**_case(cpt_code="99999", booked_minutes=None))
    assert min(medians) <= result["predicted_minutes"] <= max(medians)
    assert result["history"] is None


def test_unknown_room_is_predicted_within_the_rooms_it_averages(outcome):
    known = [outcome.model.predict_case(**_case(or_suite=room))["predicted_minutes"]
             for room, _ in outcome.model.reference.overall["top_rooms"]]
    result = outcome.model.predict_case(**_case(or_suite="OR-77"))
    assert min(known) - 1e-6 <= result["predicted_minutes"] <= max(known) + 1e-6


def test_missing_booked_time_and_start_are_filled_from_training_data(outcome):
    result = outcome.model.predict_case(**_case(booked_minutes=None, scheduled_start=None, position_in_day=2))
    expected_booked = outcome.model.reference.procedures["47562"]["median_booked"]
    assert result["features"]["booked_minutes"] == expected_booked
    assert any("No booked time given" in note for note in result["notes"])
    assert any("usual start of case 2" in note for note in result["notes"])


def test_data_without_surgeons_trains_without_the_surgeon_feature(sample_rows):
    result = train_and_evaluate(sample_rows.assign(surgeon=None))
    assert "surgeon" not in result.model.columns
    prediction = result.model.predict_case(**_case(surgeon="Dr. L. Chen"))
    assert any("names no surgeons" in note for note in prediction["notes"])


def test_too_few_cases_is_a_clear_error(sample_rows):
    first_days = sample_rows[sample_rows["case_date"] <= sample_rows["case_date"].min() + pd.Timedelta(days=2)]
    with pytest.raises(ModelUnavailable, match="Not enough cases"):
        train_and_evaluate(first_days)


def test_a_version_saved_before_design_matrix_still_predicts_the_same(outcome):
    """Older saved versions were fitted on the feature data frame itself; they must keep working after an upgrade."""
    from dataclasses import replace

    from sklearn.base import clone

    from optior.ml.features import build_features

    model = outcome.model
    holdout = outcome.holdout
    features, actual = holdout[model.columns], holdout["actual"]
    older = replace(model, pipeline=clone(model.pipeline).fit(features, np.asarray(actual)))
    assert hasattr(older.pipeline, "feature_names_in_") and not hasattr(model.pipeline, "feature_names_in_")
    refit = replace(model, pipeline=clone(model.pipeline).fit(features.to_numpy(dtype=object), np.asarray(actual)))
    case = build_features(pd.DataFrame([_case()]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "X does not have valid feature names": the wrong input for the version
        assert older.predict(case)["predicted"].iloc[0] == pytest.approx(refit.predict(case)["predicted"].iloc[0])
