"""The plan endpoints before there is anything to plan: no scheduled cases, no model."""

from __future__ import annotations

from optior.services.importing import import_cases
from tests.test_ingest_parser import public_file
from tests.test_scheduled_cases import SCHEDULED_ROWS, TODAY

pytest_plugins = ("tests.test_api_support",)


def test_without_scheduled_cases_the_plan_is_a_404_saying_what_to_import(api_client):
    response = api_client.get("/api/plan")
    assert response.status_code == 404
    body = response.get_json()
    assert "actual times" in body["error"] and body["details"]["scheduled_days"] == []


def test_without_a_model_a_plan_is_a_409_saying_to_train(runtime, api_client):
    import_cases(runtime, source=public_file(*SCHEDULED_ROWS).encode(), source_name="s.csv", today=TODAY)
    response = api_client.get("/api/plan?date=2026-12-07")
    assert response.status_code == 409 and "retrain" in response.get_json()["error"]
    what_if = {"date": "2026-12-07", "cases": [{"encounter_id": "A", "or_suite": "1", "service": "Urology",
                                                "cpt_code": "52000", "scheduled_start": "2026-12-07T07:30:00",
                                                "booked_minutes": 45}]}
    assert api_client.post("/api/plan", json=what_if).status_code == 409
