"""POST /api/predict with a trained model: the answer, each bad field named, the label kept out of logs."""

from __future__ import annotations

import logging

import pytest

pytest_plugins = ("tests.test_api_support",)


CASE = {
    "service": "Orthopedics",
    "cpt_code": "27130",
    "or_suite": "1",
    "date": "2026-12-01",
    "scheduled_start": "07:30",
    "booked_minutes": 150,
    "surgeon": "Dr. L. Chen",
}


def test_a_prediction_has_minutes_a_range_the_model_version_and_notes(trained_api_client):
    response = trained_api_client.post("/api/predict", json=CASE)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["predicted_duration"] == body["predicted_minutes"]
    assert body["p10_minutes"] <= body["predicted_minutes"] <= body["p90_minutes"]
    assert 20 < body["predicted_minutes"] < 600
    assert body["model_version"] == trained_api_client.get("/api/health").get_json()["model_version"]
    assert isinstance(body["notes"], list)
    assert body["inputs"]["case_date"] == "2026-12-01"
    assert list(body["quantiles"]) == ["0.05", "0.1", "0.25", "0.5", "0.75", "0.9", "0.95"]
    assert list(body["quantiles"].values()) == sorted(body["quantiles"].values())
    assert body["quantiles"]["0.1"] == body["p10_minutes"] and body["quantiles"]["0.9"] == body["p90_minutes"]
    explanation = body["explanation"]
    assert abs(explanation["baseline_minutes"] + sum(c["minutes"] for c in explanation["contributions"])
               - body["predicted_minutes"]) <= 1


def test_only_the_required_fields_are_enough(trained_api_client):
    required = {key: CASE[key] for key in ("service", "cpt_code", "or_suite", "date")}
    response = trained_api_client.post("/api/predict", json=required)
    assert response.status_code == 200
    assert response.get_json()["notes"], "missing inputs are explained in the notes"


def test_nulls_count_as_not_given(trained_api_client):
    body = {**CASE, "surgeon": None, "scheduled_start": None, "booked_minutes": None, "label": None}
    assert trained_api_client.post("/api/predict", json=body).status_code == 200


def test_an_unknown_procedure_still_predicts_with_a_note(trained_api_client):
    body = trained_api_client.post("/api/predict", json={**CASE, "cpt_code": "99999"}).get_json()
    assert body["predicted_minutes"] > 0
    assert any("99999" in note for note in body["notes"]) or "No past cases" in body["history_text"]


def test_the_case_label_is_neither_returned_nor_logged(trained_api_client, caplog):
    label = "Jane Q. Patient 1984-02-03"
    with caplog.at_level(logging.DEBUG):
        response = trained_api_client.post("/api/predict", json={**CASE, "label": label})
        trained_api_client.post("/api/predict", json={**CASE, "label": label, "booked_minutes": -1})
    assert response.status_code == 200
    assert label not in response.get_data(as_text=True)
    assert label not in caplog.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service": None}, "service"),
        ({"date": None}, "date"),
        ({"service": "   "}, "service"),
        ({"service": 42}, "service"),
        ({"or_suite": "x" * 65}, "or_suite"),
        ({"cpt_code": "271\x0030"}, "cpt_code"),
        ({"date": "12/01/2026"}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": "0999-01-01"}, "date"),
        ({"date": 20261201}, "date"),
        ({"scheduled_start": "7:30 pm"}, "scheduled_start"),
        ({"scheduled_start": "24:00"}, "scheduled_start"),
        ({"booked_minutes": -30}, "booked_minutes"),
        ({"booked_minutes": 0}, "booked_minutes"),
        ({"booked_minutes": 100_000}, "booked_minutes"),
        ({"booked_minutes": "150"}, "booked_minutes"),
        ({"booked_minutes": True}, "booked_minutes"),
        ({"position_in_day": 0}, "position_in_day"),
        ({"position_in_day": 2.5}, "position_in_day"),
        ({"label": "x" * 201}, "label"),
        ({"surgeon": ["Dr. L. Chen"]}, "surgeon"),
        ({"servce": "Orthopedics"}, "servce"),
    ],
)
def test_a_bad_field_is_a_400_naming_it(trained_api_client, change, field):
    response = trained_api_client.post("/api/predict", json={**CASE, **change})
    assert response.status_code == 400
    error = response.get_json()
    assert error["details"]["field"] == field
    assert field in error["error"]


def test_missing_required_fields_are_all_listed(trained_api_client):
    response = trained_api_client.post("/api/predict", json={"surgeon": "Dr. L. Chen"})
    assert response.status_code == 400
    assert response.get_json()["details"]["missing"] == ["service", "cpt_code", "or_suite", "date"]


def test_not_a_number_minutes_are_refused(trained_api_client):
    response = trained_api_client.post(
        "/api/predict", data='{"service": "Orthopedics", "cpt_code": "27130", "or_suite": "1", '
        '"date": "2026-12-01", "booked_minutes": NaN}', content_type="application/json",
    )
    assert response.status_code == 400
    assert response.get_json()["details"]["field"] == "booked_minutes"
