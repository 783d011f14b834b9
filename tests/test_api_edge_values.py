"""Edge values are 4xx naming the field, never a 500: dates at the calendar's ends, numbers too big for a float,
a job that does not exist, a signed-in user who is not an administrator."""

from __future__ import annotations

import base64

import pytest

from optior.services.users import save_user
from tests.test_api_errors import GOOD_PREDICTION, assert_json_error
from tests.test_api_support import TOKEN, api_app
from tests.test_request_guard import guarded_api

pytest_plugins = ("tests.test_api_support",)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/analytics?start=2026-07-01&end=9999-12-31", "end"),
        ("/api/metrics?end=0001-03-01", "end"),
        ("/api/analytics?start=0001-01-01&end=0001-01-01", "start"),
        ("/api/metrics?start=0001-01-01&end=9999-12-31", "start"),
        ("/api/metrics?start=1899-12-31", "start"),
        ("/api/analytics?end=2100-01-01", "end"),
        ("/api/schedule?date=9999-12-31", "date"),
        ("/api/schedule?date=0001-01-01", "date"),
        ("/api/analytics?start=%D9%A2%D9%A0%D9%A2%D9%A6-07-01", "start"),  # Arabic-Indic digits are not ISO dates
    ],
)
def test_dates_beyond_the_supported_range_name_the_field(sample_api_client, path, field):
    body = assert_json_error(sample_api_client.get(path), 400)
    assert body["details"]["field"] == field


def test_the_ends_of_the_supported_range_answer(sample_api_client):
    for path in ("/api/metrics?start=1900-01-01&end=2099-12-31", "/api/metrics?end=1900-01-01",
                 "/api/analytics?start=2099-12-31", "/api/schedule?date=1900-01-01"):
        assert sample_api_client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"booked_minutes": 10**400}, "booked_minutes"),
        ({"booked_minutes": -(10**400)}, "booked_minutes"),
        ({"booked_minutes": 1e308 * 10}, "booked_minutes"),  # sent as Infinity
        ({"position_in_day": 10**400}, "position_in_day"),
        ({"date": "9999-12-31"}, "date"),
    ],
)
def test_numbers_too_big_for_a_float_name_the_field(api_client, change, field):
    response = api_client.post("/api/predict", json={**GOOD_PREDICTION, **change})
    assert assert_json_error(response, 400)["details"]["field"] == field


@pytest.mark.parametrize("job", ["999", "1" * 5000, "٣"])
def test_a_job_that_does_not_exist_is_a_404_or_a_named_400(api_client, job):
    response = api_client.get(f"/api/jobs?id={job}")
    if job == "999":
        assert assert_json_error(response, 404)["details"] == {"field": "id"}
    else:
        assert assert_json_error(response, 400)["details"]["field"] == "id"


def test_a_signed_in_viewer_is_forbidden_not_asked_to_sign_in(sample_runtime, tmp_path):
    users = tmp_path / "users"
    save_user(users, name="ben", password="correct horse battery", role="viewer")
    viewer = {"Authorization": "Basic " + base64.b64encode(b"ben:correct horse battery").decode()}
    for changes in ({}, {"admin_token": TOKEN}):
        client = guarded_api(sample_runtime, users_file=users, host="0.0.0.0", **changes).test_client()
        for method, path in (("post", "/api/seed"), ("delete", "/api/clear"), ("post", "/api/retrain")):
            response = getattr(client, method)(path, headers=viewer)
            assert response.status_code == 403, (changes, path)
            assert "administrator" in response.get_json()["error"]
            assert "WWW-Authenticate" not in response.headers
    assert api_app(sample_runtime).test_client().get("/api/health").get_json()["cases"] > 0
