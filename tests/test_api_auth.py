"""Admin protection of seed, clear and retrain: the token when set, refusal off loopback without one."""

from __future__ import annotations

import hmac
import logging

import pytest

from optior.config import Settings
from optior.services import access
from optior.services.access import Caller, admin_refusal, admin_refusal_reason
from tests.test_api_support import TOKEN, api_app, bearer

pytest_plugins = ("tests.test_api_support",)

ADMIN_CALLS = (("post", "/api/seed"), ("delete", "/api/clear"), ("post", "/api/retrain"))


def cases_in(api_client) -> int:
    return api_client.get("/api/health").get_json()["cases"]


@pytest.mark.parametrize(
    ("host", "token", "presented", "allowed"),
    [
        ("127.0.0.1", None, None, True),
        ("localhost", None, "anything", True),
        ("0.0.0.0", None, None, False),
        ("0.0.0.0", None, "guess", False),
        ("0.0.0.0", TOKEN, TOKEN, True),
        ("0.0.0.0", TOKEN, "wrong", False),
        ("0.0.0.0", TOKEN, None, False),
        ("127.0.0.1", TOKEN, None, False),
        ("127.0.0.1", TOKEN, TOKEN, True),
    ],
)
def test_the_admin_rule(host, token, presented, allowed):
    refusal = admin_refusal(Settings(host=host, admin_token=token), Caller(token=presented))
    assert (refusal is None) is allowed


def test_only_a_tokenless_non_loopback_server_has_a_refusal_reason():
    reason = admin_refusal_reason(Settings(host="0.0.0.0"))
    assert reason and "OPTIOR_ADMIN_TOKEN" in reason and "0.0.0.0" in reason
    assert admin_refusal_reason(Settings(host="0.0.0.0", admin_token=TOKEN)) is None
    assert admin_refusal_reason(Settings(host="::1")) is None


def test_the_token_is_compared_with_hmac_compare_digest(monkeypatch):
    calls, real = [], hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(access.hmac, "compare_digest", spy)
    assert admin_refusal(Settings(admin_token=TOKEN), Caller(token=TOKEN)) is None
    assert calls == [(TOKEN.encode(), TOKEN.encode())]


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("wrong"), {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}, bearer("")],
)
def test_with_a_token_set_admin_calls_without_it_are_401(sample_runtime, headers):
    api_client = api_app(sample_runtime, admin_token=TOKEN).test_client()
    for method, path in ADMIN_CALLS:
        response = getattr(api_client, method)(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["details"]["header"] == "Authorization"
    assert cases_in(api_client) > 0


def test_with_the_right_token_admin_calls_work(sample_runtime):
    api_client = api_app(sample_runtime, admin_token=TOKEN, host="0.0.0.0").test_client()
    response = api_client.delete("/api/clear", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200
    assert cases_in(api_client) == 0
    assert api_client.post("/api/seed", headers=bearer()).status_code == 200


def test_read_endpoints_need_no_token(sample_runtime):
    api_client = api_app(sample_runtime, admin_token=TOKEN, host="0.0.0.0").test_client()
    for path in ("/api/health", "/api/schedule", "/api/analytics", "/api/metrics", "/api/models"):
        assert api_client.get(path).status_code == 200


def test_off_loopback_without_a_token_admin_calls_are_403_saying_how_to_enable(sample_runtime):
    api_client = api_app(sample_runtime, host="0.0.0.0").test_client()
    for method, path in ADMIN_CALLS:
        response = getattr(api_client, method)(path, headers=bearer("anything"))
        assert response.status_code == 403
        assert "OPTIOR_ADMIN_TOKEN" in response.get_json()["error"]
    assert cases_in(api_client) > 0


def test_on_loopback_without_a_token_admin_calls_are_allowed(api_client):
    assert api_client.post("/api/seed").status_code == 200
    assert api_client.delete("/api/clear").status_code == 200


def test_the_admin_check_comes_before_the_body_is_read(runtime):
    api_client = api_app(runtime, admin_token=TOKEN).test_client()
    response = api_client.post("/api/seed", data=b"\x00" * 10, content_type="application/json")
    assert response.status_code == 401


def test_the_startup_log_says_how_to_enable_refused_admin_actions(runtime, caplog):
    with caplog.at_level(logging.WARNING, logger="optior.api"):
        api_app(runtime, host="0.0.0.0")
    assert "OPTIOR_ADMIN_TOKEN" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="optior.api"):
        api_app(runtime, host="0.0.0.0", admin_token=TOKEN)
        api_app(runtime)
    assert "OPTIOR_ADMIN_TOKEN" not in caplog.text
