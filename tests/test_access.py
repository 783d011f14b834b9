"""Sign-in and the data-change rule: accounts file, Basic sign-in, roles, loopback-only without accounts."""

from __future__ import annotations

import base64
import logging

import pytest
from flask import Flask

from optior.errors import InvalidInput
from optior.services.access import Caller, admin_refusal
from optior.services.users import authenticate, load_users, save_user
from optior.web.auth import access_summary, install_authentication

PASSWORD = "correct horse battery"


def basic(name: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


@pytest.fixture
def users_file(tmp_path):
    path = tmp_path / "users.txt"
    save_user(path, name="ana", password=PASSWORD, role="admin")
    save_user(path, name="ben", password=PASSWORD, role="viewer")
    return path


def gated_app(settings) -> Flask:
    server = Flask("gate-test")
    install_authentication(server, settings)
    server.add_url_rule("/", "page", lambda: "dashboard")
    server.add_url_rule("/api/health", "health", lambda: {"status": "ok"})
    server.add_url_rule("/api/schedule", "schedule", lambda: {"cases": []})
    return server


def test_saved_users_sign_in_with_their_password_only(users_file):
    users = load_users(users_file)
    assert authenticate(users, "ana", PASSWORD).is_admin
    assert authenticate(users, "ana", "wrong password") is None
    assert authenticate(users, "nobody", PASSWORD) is None
    assert PASSWORD not in users_file.read_text()
    assert oct(users_file.stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize(
    ("name", "password", "role", "field"),
    [("a b", PASSWORD, "admin", "name"), ("cat", "short", "admin", "password"), ("cat", PASSWORD, "root", "role")],
)
def test_bad_account_details_are_refused_by_field(tmp_path, name, password, role, field):
    with pytest.raises(InvalidInput) as refused:
        save_user(tmp_path / "u.txt", name=name, password=password, role=role)
    assert refused.value.details["field"] == field


def test_a_malformed_users_file_names_the_line(tmp_path):
    path = tmp_path / "users.txt"
    path.write_text("# comment\nana:admin:pbkdf2:sha256:1$x$y\nbroken line\n")
    with pytest.raises(InvalidInput) as refused:
        load_users(path)
    assert "Line 3" in refused.value.message


def test_with_accounts_every_page_and_api_needs_sign_in_except_health(settings, users_file):
    client = gated_app(settings.with_changes(users_file=users_file)).test_client()
    page = client.get("/")
    assert page.status_code == 401 and page.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/api/schedule").get_json()["error"] == "Please sign in to OptiOR."
    assert client.get("/", headers=basic("ana", "nope")).status_code == 401
    assert client.get("/", headers={"Authorization": "Basic %%%"}).status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert client.get("/", headers=basic("ben", PASSWORD)).get_data(as_text=True) == "dashboard"
    assert client.get("/api/health").status_code == 200


def test_the_admin_token_also_opens_the_api_when_accounts_are_set(settings, users_file):
    client = gated_app(settings.with_changes(users_file=users_file, admin_token="t0ken")).test_client()
    assert client.get("/api/schedule", headers={"Authorization": "Bearer t0ken"}).status_code == 200


def test_without_accounts_only_this_machine_is_served_unless_anonymous_is_allowed(settings):
    client = gated_app(settings.with_changes(host="0.0.0.0")).test_client()
    assert client.get("/").status_code == 200
    remote = client.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == 403 and "OPTIOR_USERS_FILE" in remote.get_data(as_text=True)
    open_client = gated_app(settings.with_changes(host="0.0.0.0", allow_anonymous_network=True)).test_client()
    assert open_client.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


@pytest.mark.parametrize(
    ("changes", "caller", "status"),
    [
        ({}, Caller(), None),
        ({}, Caller(from_loopback=False), 403),
        ({"host": "0.0.0.0"}, Caller(), 403),
        ({"users_file": "x"}, Caller(role="viewer"), 403),
        ({"users_file": "x"}, Caller(role="admin"), None),
        ({"admin_token": "t"}, Caller(role="viewer"), 403),
        ({"admin_token": "t"}, Caller(), 401),
        ({"admin_token": "t"}, Caller(token="t", from_loopback=False), None),
        ({"admin_token": "t", "host": "0.0.0.0"}, Caller(role="admin", from_loopback=False), None),
    ],
)
def test_who_may_change_data(settings, changes, caller, status):
    refusal = admin_refusal(settings.with_changes(**changes), caller)
    assert (refusal.status if refusal else None) == status


def test_the_startup_log_says_when_the_app_is_open_to_the_network(settings, users_file):
    def said(**changes) -> str:
        return " ".join(message for _, message in access_summary(settings.with_changes(**changes), {}))

    assert "WITHOUT authentication" in said(host="0.0.0.0", allow_anonymous_network=True)
    assert "will be refused" in said(host="0.0.0.0")
    assert "this machine only" in said()
    levels = [level for level, _ in access_summary(settings.with_changes(host="0.0.0.0"), {})]
    assert logging.WARNING in levels
