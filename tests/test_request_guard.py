"""Another web site cannot change data through a visitor's browser, and DNS rebinding finds no host to answer.

The API runs behind the same guard and sign-in as the app; the Dash callbacks are posted to the session app,
its runtime swapped for a test database holding the sample quarter, as another site's page could send them.
"""

from __future__ import annotations

import io

import pytest
from flask import Flask

from benchmarks.harness.serving import output_spec
from optior.api import register_api
from optior.config import Settings, parse_host_names, settings_from_env
from optior.services import users as accounts
from optior.services.runtime import Runtime
from optior.services.users import save_user
from optior.web.auth import install_authentication
from optior.web.context import attach_runtime, current_runtime
from optior.web.origin import same_origin, split_host
from optior.web.request_guard import CSRF_COOKIE, CSRF_HEADER, install_request_guard
from tests.page_requests import callback_headers
from tests.test_api_auth import cases_in
from tests.test_api_support import TOKEN, bearer
from tests.test_database_unavailable import fire

EVIL = "http://evil.example"
SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
PASSWORD = "correct horse battery"
CLEAR_CONFIRM = "data-clear-confirm"  # the Data page's confirm button (optior/pages/data.py)


def guarded_api(runtime: Runtime, **changes) -> Flask:
    """The API behind the request guard and sign-in, as create_app installs them."""
    settings = runtime.settings.with_changes(**changes)
    server = Flask("guarded")
    attach_runtime(server, Runtime(settings=settings, db=runtime.db))
    install_request_guard(server, settings)
    install_authentication(server, settings)
    register_api(server)
    return server


def cross_site_form(**form) -> dict:
    """What a browser sends for a plain HTML form submitted on another site's page."""
    return {"data": form, "content_type": "application/x-www-form-urlencoded",
            "headers": {"Origin": EVIL, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}}


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("localhost", ("localhost", None)), ("Example.org:8050", ("example.org", 8050)), ("[::1]:80", ("::1", 80)),
     ("[::1]", ("::1", None)), ("a:b", None), ("x:0", None), ("x:99999", None), ("", None), ("a@b", None),
     ("[::1", None), ("[::1]x", None)],
)
def test_host_header_values_are_read_strictly(value, parsed):
    assert split_host(value) == parsed


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        ("http://localhost:8050", "localhost:8050", True),
        ("https://optior.example", "optior.example", True),
        ("https://optior.example", "optior.example:443", True),
        ("http://localhost:3000", "localhost:8050", False),  # same site, another port
        ("http://127.0.0.1:8050", "localhost:8050", False),
        ("http://evil.example:8050", "evil.example:8050", False),  # a name that is not allowed
        ("null", "localhost", False),
        ("ftp://localhost", "localhost", False),
        ("http://user@localhost", "localhost", False),
        ("http://localhost/path", "localhost", False),
    ],
)
def test_an_origin_is_ours_only_with_an_allowed_name_and_the_same_host_and_port(origin, host, same):
    allowed = frozenset({"localhost", "127.0.0.1", "optior.example"})
    assert same_origin(origin, host, allowed) is same


def test_allowed_hosts_widen_the_defaults_and_refuse_ports():
    settings = settings_from_env({"OPTIOR_ALLOWED_HOSTS": "OR.Example.org, [::1],,10.0.0.5", "OPTIOR_HOST": "0.0.0.0"})
    assert settings.allowed_hosts == ("or.example.org", "::1", "10.0.0.5")
    assert settings.host_names == {"0.0.0.0", "localhost", "127.0.0.1", "or.example.org", "::1", "10.0.0.5"}
    assert Settings().host_names == {"127.0.0.1", "localhost"}
    for bad in ("or.example.org:8050", "http://or.example.org", "[::1]:80"):
        with pytest.raises(ValueError, match="OPTIOR_ALLOWED_HOSTS"):
            parse_host_names(bad)


def test_a_cross_site_form_cannot_wipe_the_cases(sample_runtime):
    client = guarded_api(sample_runtime).test_client()
    before = cases_in(client)
    for attack in (
        cross_site_form(replace="true"),
        {"data": {"file": (io.BytesIO(b"x"), "a.csv")}, "content_type": "multipart/form-data",
         "headers": {"Origin": EVIL, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}},
        {"data": "replace=true", "content_type": "text/plain", "headers": {"Origin": "null"}},
        {"headers": {"Sec-Fetch-Site": "cross-site"}},  # a browser that left out Origin
        {"headers": {"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site"}},  # another port, same host
    ):
        response = client.post("/api/seed?replace=true", **attack)
        assert response.status_code == 403, attack
        assert "another web site" in response.get_json()["error"]
    assert client.delete("/api/clear", headers={"Origin": EVIL}).status_code == 403
    assert client.post("/api/retrain", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert cases_in(client) == before


def test_a_forged_host_is_refused_before_anything_else(sample_runtime):
    client = guarded_api(sample_runtime).test_client()
    for path in ("/api/health", "/api/schedule", "/"):
        response = client.get(path, headers={"Host": "rebound.evil.example:8050"})
        assert response.status_code == 400
        assert "OPTIOR_ALLOWED_HOSTS" in response.get_json()["error"]
    response = client.delete("/api/clear", headers={"Host": "evil.example", "Origin": "http://evil.example"})
    assert response.status_code == 400 and cases_in(client) > 0


def test_allowed_hosts_let_a_proxy_name_through(sample_runtime):
    client = guarded_api(sample_runtime, allowed_hosts=("optior.example.org",)).test_client()
    proxy = {"Host": "optior.example.org", "Origin": "https://optior.example.org", "Sec-Fetch-Site": "same-origin"}
    assert client.get("/api/health", headers={"Host": "optior.example.org"}).status_code == 200
    assert client.delete("/api/clear", headers=proxy).status_code == 200
    assert cases_in(client) == 0


def test_scripts_with_the_token_and_pages_of_the_same_origin_keep_working(sample_runtime):
    client = guarded_api(sample_runtime, admin_token=TOKEN, host="0.0.0.0").test_client()
    assert client.post("/api/retrain?background=true&force=false", headers={"Origin": EVIL, **bearer()}).status_code \
        == 403  # the token does not make another site's page trustworthy
    assert client.delete("/api/clear", headers=bearer()).status_code == 200  # curl: no Origin, no Sec-Fetch-*
    assert client.post("/api/seed", headers={**bearer(), **SAME_ORIGIN}).status_code == 200
    assert cases_in(client) > 0


def test_other_sites_pages_cannot_read_through_the_browser_but_links_work(sample_runtime):
    client = guarded_api(sample_runtime).test_client()
    embedded = client.get("/api/schedule", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
    assert embedded.status_code == 403
    link = client.get("/api/health", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})
    assert link.status_code == 200


def test_another_site_cannot_make_the_browser_sign_in(sample_runtime, tmp_path, monkeypatch):
    users_file = tmp_path / "users"
    save_user(users_file, name="ana", password=PASSWORD, role="admin")
    client = guarded_api(sample_runtime, users_file=users_file, host="0.0.0.0").test_client()
    checks = []
    monkeypatch.setattr(accounts, "authenticate", lambda *args: checks.append(args))
    basic = {"Authorization": "Basic YW5hOmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ=="}  # ana's real password, cached
    response = client.post("/api/seed?replace=true", headers={**basic, "Origin": EVIL})
    assert response.status_code == 403 and checks == []


@pytest.fixture
def page_client(optior_app, sample_runtime):
    """A client of the session app that has loaded a page, on a throw-away copy of the sample quarter."""
    server = optior_app.server
    with server.app_context():
        own = current_runtime()
    attach_runtime(server, sample_runtime)
    client = server.test_client()
    assert client.get("/").status_code == 200
    yield client
    attach_runtime(server, own)


def clear_all(client, headers: dict):
    """The Data page's confirm-clear callback, as the page posts it, with these headers instead of the page's."""
    (callback,) = [c for c in client.get("/_dash-dependencies").get_json()
                   if c["inputs"] == [{"id": CLEAR_CONFIRM, "property": "n_clicks"}]]
    body = {"output": callback["output"], "outputs": output_spec(callback["output"]),
            "inputs": [{**callback["inputs"][0], "value": 1}],
            "state": [{**state, "value": None} for state in callback["state"]],
            "changedPropIds": [f"{CLEAR_CONFIRM}.n_clicks"]}
    return client.post("/_dash-update-component", json=body, headers=headers)


def test_pages_get_a_token_cookie_that_scripts_on_the_page_can_read(page_client):
    cookie = page_client.get_cookie(CSRF_COOKIE)
    assert cookie is not None and len(cookie.value) >= 32
    assert cookie.same_site == "Strict" and not cookie.http_only
    assert page_client.get("/predict").headers.get("Set-Cookie") is None  # kept, not replaced per request


def test_page_actions_from_another_site_are_refused_before_they_run(page_client, sample_runtime):
    client = page_client
    token = client.get_cookie(CSRF_COOKIE).value
    before = cases_in(client)
    for headers in (
        {"Origin": EVIL, CSRF_HEADER: token},  # even with the token (it cannot have it, but still)
        {"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site"},
        {"Origin": "http://localhost"},  # no token header: a form or an old browser
        {CSRF_HEADER: "x" * 43},  # a guessed token
    ):
        response = clear_all(client, headers)
        assert response.status_code == 403, headers
        assert response.get_json()["error"]
    no_cors = client.post("/_dash-update-component", data='{"output": "x"}', content_type="text/plain",
                          headers={"Origin": "http://localhost", CSRF_HEADER: token})
    assert no_cors.status_code == 403 and no_cors.get_json()["details"]["header"] == "Content-Type"
    assert cases_in(client) == before


def test_the_page_itself_still_runs_its_callbacks(page_client):
    answer = fire(page_client, "_pages_content.children", {"_pages_location.pathname": "/data",
                                                            "_pages_location.search": ""})
    assert answer.status_code == 200 and "Clear all data" in answer.get_data(as_text=True)
    assert clear_all(page_client, callback_headers(page_client)).status_code == 200


POLL = "..shell-health-poll.disabled...shell-reload.data.."  # the status banner's health poll: one input


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"[]", b"null", b"[" * 100_000, b'{"output": 1}', b'{"output": "nobody.children", "inputs": []}',
     b'{"output": "%s", "inputs": 5}' % POLL.encode(),
     b'{"output": "%s", "inputs": [1]}' % POLL.encode(),
     b'{"output": "%s", "inputs": [], "state": []}' % POLL.encode(),
     b'{"output": "%s", "inputs": [{"id": "shell-health-poll", "property": "n_intervals"}], "changedPropIds": "x"}'
     % POLL.encode(),
     b'{"output": "%s", "inputs": [{"id": "shell-health-poll", "property": "n_intervals"}], "outputs": 3}'
     % POLL.encode(),
     b'{"output": "%s", "inputs": [{"id": "shell-health-poll", "property": "n_intervals"}], "outputs": []}'
     % POLL.encode(),
     b'{"output": "%s", "inputs": [{"id": "shell-health-poll", "property": "n_intervals"}], "outputs": '
     b'[{"id": "a", "property": "b"}, {"id": "shell-reload", "property": "data"}]}' % POLL.encode()],
)
def test_a_malformed_page_update_is_a_400(page_client, body):
    assert POLL in {c["output"] for c in page_client.get("/_dash-dependencies").get_json()}
    response = page_client.post("/_dash-update-component", data=body, content_type="application/json",
                                headers=callback_headers(page_client))
    assert response.status_code == 400 and response.get_json()["details"] == {"field": "body"}


def test_an_unknown_component_file_is_a_404(page_client):
    for path in ("/_dash-component-suites/dash/nope.js", "/_dash-component-suites/nothing/x.js",
                 "/_dash-component-suites/dash/..%2F..%2Fapp.py"):
        assert page_client.get(path).status_code == 404
