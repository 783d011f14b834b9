"""POST /api/retrain and GET /api/models, and predict before any model exists."""

from __future__ import annotations

import time

from optior.db.locks import job_lock

pytest_plugins = ("tests.test_api_support",)


def test_without_a_model_predict_is_a_409_saying_to_train(sample_api_client):
    response = sample_api_client.post(
        "/api/predict", json={"service": "Orthopedics", "cpt_code": "27130", "or_suite": "1", "date": "2026-12-01"}
    )
    assert response.status_code == 409
    assert "trained" in response.get_json()["error"]


def test_models_on_a_fresh_install_are_empty(api_client):
    assert api_client.get("/api/models").get_json() == {"active_version": None, "versions": []}


def test_retrain_activates_a_version_that_models_and_health_then_report(sample_api_client):
    response = sample_api_client.post("/api/retrain")
    assert response.status_code == 200
    result = response.get_json()
    assert result["status"] == "activated"
    assert result["version"] in result["message"]
    models = sample_api_client.get("/api/models").get_json()
    assert models["active_version"] == result["version"]
    assert [(v["version"], v["is_active"]) for v in models["versions"]] == [(result["version"], True)]
    assert models["versions"][0]["rows_used"] == sample_api_client.get("/api/health").get_json()["cases"]
    assert sample_api_client.get("/api/health").get_json()["model_version"] == result["version"]


def test_retrain_with_too_few_cases_is_a_409_with_the_reason(api_client):
    response = api_client.post("/api/retrain")
    assert response.status_code == 409
    body = response.get_json()
    assert "Not enough cases" in body["error"]
    assert body["details"]["status"] == "error"
    assert api_client.get("/api/models").get_json()["versions"] == []


def test_retrain_is_a_409_while_another_retrain_runs(sample_api_client, sample_runtime):
    with job_lock(sample_runtime.db, "retrain", "model retrain"):
        response = sample_api_client.post("/api/retrain")
    assert response.status_code == 409
    assert "already running" in response.get_json()["error"]
    assert sample_api_client.get("/api/models").get_json()["versions"] == []


def test_a_bad_force_flag_is_a_400_and_trains_nothing(sample_api_client):
    response = sample_api_client.post("/api/retrain?force=please")
    assert response.status_code == 400
    assert response.get_json()["details"]["field"] == "force"
    assert sample_api_client.get("/api/models").get_json()["versions"] == []


def test_a_background_retrain_answers_202_and_its_job_then_reports_the_result(sample_api_client):
    response = sample_api_client.post("/api/retrain?background=true")
    assert response.status_code == 202
    started = response.get_json()
    assert started["status_url"] == f"/api/jobs?id={started['job_id']}"
    state = sample_api_client.get(started["status_url"]).get_json()
    for _ in range(3000):  # poll (bounded) until the thread finishes
        if state["status"] != "running":
            break
        time.sleep(0.1)
        state = sample_api_client.get(started["status_url"]).get_json()
    assert (state["job_id"], state["status"]) == (started["job_id"], "done")
    assert state["result"]["status"] == "activated"
    assert sample_api_client.get("/api/models").get_json()["active_version"] == state["result"]["version"]


def test_a_job_number_must_be_a_positive_whole_number(api_client):
    for query in ("", "?id=", "?id=abc", "?id=-1", "?id=0", "?id=1.5"):
        response = api_client.get(f"/api/jobs{query}")
        assert response.status_code == 400
        assert response.get_json()["details"]["field"] == "id"


def test_an_unknown_job_is_not_found(api_client):
    response = api_client.get("/api/jobs?id=4242")
    assert response.status_code == 404 and "4242" in response.get_json()["error"]
