"""Every API failure is JSON naming the problem: unknown paths, methods, bodies, and unexpected errors."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask

from optior.api import register_api
from optior.services import analytics
from optior.web.context import attach_runtime

pytest_plugins = ("tests.test_api_support",)

GOOD_PREDICTION = {"service": "Orthopedics", "cpt_code": "27130", "or_suite": "1", "date": "2026-12-01"}


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "details"}
    assert body["error"]
    return body


@pytest.mark.parametrize("path", ["/api/nothing", "/api/", "/api", "/api/health/", "/api/seed/extra"])
def test_unknown_api_paths_are_json_404s(api_client, path):
    body = assert_json_error(api_client.get(path), 404)
    assert "openapi.json" in body["error"]


def test_a_wrong_method_is_a_json_405_with_the_allowed_methods(api_client):
    response = api_client.get("/api/seed")
    body = assert_json_error(response, 405)
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert "POST" in body["error"]
    assert api_client.post("/api/health").headers["Allow"] == "GET, HEAD, OPTIONS"


def test_options_lists_exactly_the_endpoint_methods(api_client):
    response = api_client.options("/api/clear")
    assert response.status_code == 204
    assert response.headers["Allow"] == "DELETE, OPTIONS"


def test_pages_outside_the_api_keep_flasks_own_errors(runtime):
    app = Flask(__name__)
    attach_runtime(app, runtime)
    register_api(app)
    response = app.test_client().get("/not-an-api-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_api_paths_win_over_a_catch_all_page_route(runtime):
    """The Dash app serves its index for any GET path: /api paths must still answer as the API."""
    app = Flask(__name__)
    app.add_url_rule("/<path:path>", "catch_all", lambda path: "<html>page</html>")
    attach_runtime(app, runtime)
    register_api(app)
    web = app.test_client()
    assert web.get("/some/page").get_data(as_text=True) == "<html>page</html>"
    assert_json_error(web.get("/api/nothing"), 404)
    assert_json_error(web.get("/api/seed"), 405)
    assert web.options("/api/seed").headers["Allow"] == "OPTIONS, POST"
    assert web.get("/api/health").get_json()["status"] == "ok"


def test_malformed_json_is_a_400_naming_the_body(api_client):
    response = api_client.post("/api/predict", data='{"service": "Ortho', content_type="application/json")
    assert assert_json_error(response, 400)["details"]["field"] == "body"


def test_a_json_body_that_is_not_an_object_is_a_400(api_client):
    response = api_client.post("/api/predict", json=[GOOD_PREDICTION])
    assert "JSON object" in assert_json_error(response, 400)["error"]


def test_absurdly_deep_json_is_a_400_not_a_crash(api_client):
    response = api_client.post("/api/predict", data="[" * 100_000, content_type="application/json")
    assert assert_json_error(response, 400)["details"]["field"] == "body"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_predict_without_a_json_content_type_is_a_415(api_client, content_type):
    response = api_client.post("/api/predict", data="service=Orthopedics", content_type=content_type)
    assert assert_json_error(response, 415)["details"]["field"] == "body"


def test_an_oversized_json_body_is_a_json_413(api_client):
    response = api_client.post("/api/predict", json={**GOOD_PREDICTION, "label": "x" * 2_000_000})
    body = assert_json_error(response, 413)
    assert body["details"]["limit_bytes"] == 1024 * 1024


def test_an_unexpected_error_is_a_500_with_only_an_id_that_the_log_has(sample_api_client, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals: /srv/optior/db password=hunter2")

    monkeypatch.setattr(analytics, "specialty_breakdown", broken)
    with caplog.at_level(logging.ERROR, logger="optior.api"):
        response = sample_api_client.get("/api/analytics")
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "error_id"}
    assert body["error"] == "internal error"
    assert "hunter2" not in response.get_data(as_text=True)
    logged = [record for record in caplog.records if body["error_id"] in record.getMessage()]
    assert logged and logged[0].exc_info is not None


def test_json_responses_use_iso_dates(sample_api_client):
    body = sample_api_client.get("/api/schedule?date=2026-07-01").get_json()
    assert body["date"] == "2026-07-01"
    assert re.fullmatch(r"2026-07-01T\d{2}:\d{2}:\d{2}", body["cases"][0]["wheels_in"])
