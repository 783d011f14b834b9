"""Predicting through the service: results, validation, logging without labels, version pick-up, refusals."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from optior.db.training_data import read_case_rows
from optior.errors import InvalidInput, ModelUnavailable
from optior.ingest.generator import generate_cases
from optior.ml.registry import load_model
from optior.services.importing import import_cases
from optior.services.prediction import (
    form_options,
    predict_duration,
    purge_prediction_labels,
    recent_predictions,
)
from optior.services.prediction_log import Viewer
from optior.services.runtime import build_runtime
from optior.services.training import active_model_card, retrain

CASE = {"service": "Orthopedics", "cpt_code": "27447", "or_suite": "1", "case_date": "2026-12-01",
        "scheduled_start": "07:30", "booked_minutes": "150", "surgeon": "Dr. L. Chen"}
LABEL = "Jane Q. Patient"



def test_prediction_gives_minutes_range_version_and_history(trained):
    """The history is that of every stored case: the active model is refitted on all dates."""
    result = predict_duration(trained, **CASE)

    assert result.p10_minutes < result.predicted_minutes < result.p90_minutes
    assert result.range_level == 0.8
    assert result.target == "in-room minutes (wheels in to wheels out)"
    assert result.notes == []
    with trained.db.read() as connection:
        rows = read_case_rows(connection)
    card_train_end = date.fromisoformat(active_model_card(trained)["fitted_on"]["last"])
    assert card_train_end == rows["case_date"].max().date()
    history = rows[(rows["cpt_code"] == "27447") & (rows["case_date"].dt.date <= card_train_end)]
    assert result.history.cases == len(history)
    assert result.history.median_minutes == pytest.approx(history["in_room_minutes"].median())
    assert f"{len(history)} past cases" in result.history_text
    difference = result.predicted_minutes - 150
    assert result.booked_difference_minutes == pytest.approx(difference, abs=0.05)
    assert ("longer" if difference > 0 else "shorter") in result.booked_comparison


def test_prediction_carries_ordered_quantiles_and_an_explanation_that_adds_up(trained):
    result = predict_duration(trained, **(CASE | {"cpt_code": "27130"}))  # not Orthopedics' most common code

    quantiles = result.quantiles
    assert list(quantiles) == ["0.05", "0.1", "0.25", "0.5", "0.75", "0.9", "0.95"]
    assert list(quantiles.values()) == sorted(quantiles.values())
    assert (quantiles["0.1"], quantiles["0.9"]) == (result.p10_minutes, result.p90_minutes)
    explanation = result.explanation
    total = explanation.baseline_minutes + sum(item.minutes for item in explanation.contributions)
    assert total == pytest.approx(result.predicted_minutes, abs=1.0)
    sizes = [abs(item.minutes) for item in explanation.contributions]
    assert sizes == sorted(sizes, reverse=True)
    assert any(item.feature == "CPT code" and item.value == "27130" for item in explanation.contributions)
    assert explanation.baseline_label == "typical Orthopedics case"


def test_position_in_day_counts_the_stored_cases_scheduled_before(trained):
    # The sample's OR 3 on 1 July 2026 has cases scheduled at 07:30, 09:15, 14:15, 15:45 and 16:45.
    on_day = {"case_date": "2026-07-01", "or_suite": "3"}
    late = predict_duration(trained, **(CASE | on_day | {"scheduled_start": "10:00"}))
    first = predict_duration(trained, **(CASE | on_day | {"scheduled_start": "07:00"}))
    assert late.inputs.position_in_day == 3
    assert first.inputs.position_in_day == 1
    chosen = predict_duration(trained, **(CASE | {"position_in_day": "4"}))
    assert chosen.features["position_in_day"] == 4


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("service", "  ", "Service is required"),
        ("cpt_code", None, "CPT code is required"),
        ("or_suite", "x" * 65, "OR suite is longer than 64"),
        ("case_date", "31/12/2026", "Case date"),
        ("scheduled_start", "25:00", "Scheduled start"),
        ("booked_minutes", "abc", "Booked minutes must be a number"),
        ("booked_minutes", "-5", "Booked minutes must be more than 0"),
        ("surgeon", "y" * 129, "Surgeon is longer"),
        ("case_label", "z" * 201, "Case label is longer"),
        ("position_in_day", "0", "Position in the room's day"),
    ],
)
def test_bad_input_is_refused_naming_the_field(runtime, field, value, words):
    with pytest.raises(InvalidInput, match=words) as error:
        predict_duration(runtime, **(CASE | {field: value}))
    assert error.value.details == {"field": field}
    assert recent_predictions(runtime) == []


def test_unknown_values_never_crash_a_prediction(trained):
    result = predict_duration(
        trained, service="Cardiac Surgery", cpt_code="33533", or_suite="Hybrid OR", case_date="2026-12-01",
    )
    assert result.p10_minutes < result.predicted_minutes < result.p90_minutes
    text = " ".join(result.notes)
    for mentioned in ("CPT code 33533", "OR suite 'Hybrid OR'", "No booked time given", "No scheduled start given"):
        assert mentioned in text
    assert result.history is None and "No past cases" in result.history_text


def test_predictions_are_logged_and_the_label_shown_only_when_asked(trained, caplog):
    caplog.set_level(logging.DEBUG)
    made = predict_duration(trained, **CASE, case_label=LABEL)
    predict_duration(trained, **CASE, log=False)

    [logged] = recent_predictions(trained)
    assert logged["id"] == made.prediction_id
    assert logged["model_version"] == made.model_version
    assert logged["inputs"]["cpt_code"] == "27447" and logged["inputs"]["booked_minutes"] == 150
    assert (logged["predicted_minutes"], logged["p10_minutes"], logged["p90_minutes"]) == (
        made.predicted_minutes, made.p10_minutes, made.p90_minutes)
    assert LABEL not in repr(logged) and LABEL not in repr(made)
    assert recent_predictions(trained, viewer=Viewer(name=None))[0]["case_label"] == LABEL
    assert LABEL not in caplog.text

    assert purge_prediction_labels(trained) == 1
    assert recent_predictions(trained, viewer=Viewer(name=None))[0]["case_label"] is None


def test_recent_predictions_limit_is_validated(runtime):
    with pytest.raises(InvalidInput) as error:
        recent_predictions(runtime, limit=0)
    assert error.value.details == {"field": "limit"}


def test_no_model_yet_is_a_clear_error(sample_runtime):
    with pytest.raises(ModelUnavailable, match="No model has been trained yet"):
        predict_duration(sample_runtime, **CASE)


def test_a_tampered_or_missing_model_file_is_replaced_by_the_database_copy(trained):
    """The model folder is a cache: the version's bytes in the database (same SHA-256) take the place of a bad file."""
    expected = predict_duration(trained, **CASE)
    path = trained.settings.model_dir / active_model_card(trained)["file_name"]
    original = path.read_bytes()
    for damage in (lambda: path.write_bytes(original[:-1] + b"\x00"), path.unlink):
        load_model.cache_clear()
        damage()
        assert predict_duration(trained, **CASE).predicted_minutes == expected.predicted_minutes
        assert path.read_bytes() == original


def test_another_process_picks_up_a_newly_activated_version_without_restart(trained):
    other = build_runtime(trained.settings)  # a second worker: its own engine, same database and model folder
    try:
        before = predict_duration(other, **CASE).model_version
        newer = retrain(trained, force=True)["version"]
        assert before != newer
        assert predict_duration(other, **CASE).model_version == newer
    finally:
        other.db.dispose()


def test_form_options_list_services_procedures_rooms_and_surgeons(sample_runtime):
    options = form_options(sample_runtime)
    assert len(options["services"]) == 10
    assert options["rooms"] == [str(n) for n in range(1, 10)]
    ortho = {p["cpt_code"]: p for p in options["procedures"]["Orthopedics"]}
    assert ortho["27447"]["description"] == "Arthroplasty, knee, total"
    assert ortho["27447"]["cases"] > 0
    assert "Dr. L. Chen" in options["surgeons"]["Orthopedics"]


def test_form_options_follow_the_active_model_once_there_is_one(trained):
    before = form_options(trained)
    new_room = generate_cases(40, seed=5, start=date(2025, 3, 3)).assign(**{"OR Suite": "Hybrid OR"})
    new_room["Encounter ID"] += 900_000
    import_cases(trained, source=new_room.to_csv(index=False).encode(), source_name="more.csv")

    assert form_options(trained) == before  # what the active model knows
    retrain(trained, force=True)
    assert "Hybrid OR" in form_options(trained)["rooms"]


def test_the_explanation_names_the_room_as_the_pages_do_and_a_missing_surgeon_as_not_given(trained):
    case = {key: value for key, value in CASE.items() if key != "surgeon"}
    values = {item.feature: item.value for item in predict_duration(trained, **case).explanation.contributions}
    assert values["surgeon"] == "not given"  # the typical case has its service's busiest surgeon
    assert values.get("OR suite", "OR 1") == "OR 1"  # listed only when the typical case's room differs


def test_a_single_site_installation_needs_no_site(trained):
    result = predict_duration(trained, **CASE, log=False)

    assert result.inputs.site == "Main"
    assert list(form_options(trained)["site_rooms"]) == ["Main"]
