"""Sign-in checks a password once and remembers it; a password change or restart forgets; guessing is throttled."""

from __future__ import annotations

import threading

import pytest

from optior.services import sign_in as sign_in_module
from optior.services import users as accounts
from optior.services.sign_in import FAILURES_PER_ADDRESS, FAILURES_PER_NAME, FailureLimiter, SignIn
from optior.services.users import save_user
from tests.test_access import PASSWORD, basic, gated_app


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def checks(monkeypatch) -> list[str]:
    """The user names whose password hash was checked (each check is ~100 ms of scrypt)."""
    names, real = [], accounts.authenticate

    def counted(users, name, password):
        names.append(name)
        return real(users, name, password)

    monkeypatch.setattr(accounts, "authenticate", counted)
    return names


@pytest.fixture
def users_file(tmp_path):
    path = tmp_path / "users.txt"
    save_user(path, name="ana", password=PASSWORD, role="admin")
    save_user(path, name="ben", password=PASSWORD, role="viewer")
    return path


def test_a_signed_in_browser_costs_one_password_check_not_one_per_request(settings, users_file, checks):
    client = gated_app(settings.with_changes(users_file=users_file)).test_client()
    for _ in range(30):
        assert client.get("/", headers=basic("ana", PASSWORD)).status_code == 200
    assert client.get("/", headers=basic("ben", PASSWORD)).status_code == 200
    assert checks == ["ana", "ben"]


def test_a_password_change_in_the_users_file_forgets_the_old_password(settings, users_file, checks):
    client = gated_app(settings.with_changes(users_file=users_file)).test_client()
    assert client.get("/", headers=basic("ana", PASSWORD)).status_code == 200
    save_user(users_file, name="ana", password="a new password 2026", role="viewer")
    assert client.get("/", headers=basic("ana", PASSWORD)).status_code == 401
    assert client.get("/", headers=basic("ana", "a new password 2026")).status_code == 200
    users_file.write_text("# everyone removed\n")
    assert client.get("/", headers=basic("ana", "a new password 2026")).status_code == 401


def test_a_restart_forgets_every_remembered_credential(users_file, checks):
    for _ in range(2):  # two processes' worth: each has its own secret
        sign_in = SignIn(users_file)
        assert sign_in.attempt("ana", PASSWORD, address="10.0.0.1").user.name == "ana"
        assert sign_in.attempt("ana", PASSWORD, address="10.0.0.1").user.name == "ana"
    assert checks == ["ana", "ana"]


def test_a_broken_edit_of_the_users_file_keeps_the_accounts_read_before(users_file, caplog):
    sign_in = SignIn(users_file)
    users_file.write_text("ana:admin:hash\nthis is not an account line\n")
    assert sign_in.attempt("ana", PASSWORD, address="10.0.0.1").user.is_admin
    assert "could not be re-read" in caplog.text


def test_guessing_at_a_name_is_refused_without_a_check_but_its_owner_stays_signed_in(users_file, checks):
    clock = Clock()
    sign_in = SignIn(users_file, clock=clock)
    assert sign_in.attempt("ana", PASSWORD, address="10.0.0.1").user  # ana's browser, signed in
    for attempt in range(FAILURES_PER_NAME):
        outcome = sign_in.attempt("ana", f"guess {attempt}", address=f"192.0.2.{attempt}")
        assert outcome.user is None and outcome.retry_after is None
    checks.clear()
    refused = sign_in.attempt("ana", "guess again", address="192.0.2.200")
    assert refused.user is None and 0 < refused.retry_after <= sign_in_module.FAILURE_WINDOW_SECONDS
    assert sign_in.attempt("ana", PASSWORD, address="10.0.0.1").user  # remembered: not throttled
    assert sign_in.attempt("ben", PASSWORD, address="192.0.2.201").user  # another name is unaffected
    assert checks == ["ben"]
    clock.now += sign_in_module.FAILURE_WINDOW_SECONDS + 1
    assert sign_in.attempt("ana", "guess after the window", address="192.0.2.200").retry_after is None


def test_one_address_guessing_many_names_is_refused(users_file, checks):
    sign_in = SignIn(users_file, clock=Clock())
    for attempt in range(FAILURES_PER_ADDRESS):
        sign_in.attempt(f"user{attempt}", "guess", address="203.0.113.9")
    checks.clear()
    assert sign_in.attempt("ben", PASSWORD, address="203.0.113.9").retry_after > 0
    assert sign_in.attempt("ben", PASSWORD, address="203.0.113.10").user
    assert checks == ["ben"]


def test_over_the_limit_the_browser_gets_429_with_retry_after(settings, users_file, checks):
    client = gated_app(settings.with_changes(users_file=users_file)).test_client()
    for attempt in range(FAILURES_PER_NAME):
        assert client.get("/api/schedule", headers=basic("ben", f"guess {attempt}")).status_code == 401
    refused = client.get("/api/schedule", headers=basic("ben", PASSWORD))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.get_json()["error"]
    assert len(checks) == FAILURES_PER_NAME


def test_remembered_credentials_expire_after_idle_time(users_file, checks):
    clock = Clock()
    sign_in = SignIn(users_file, clock=clock)
    sign_in.attempt("ana", PASSWORD, address="10.0.0.1")
    clock.now += sign_in_module.REMEMBER_SECONDS - 1
    sign_in.attempt("ana", PASSWORD, address="10.0.0.1")  # in use: remembered and the idle time restarts
    clock.now += sign_in_module.REMEMBER_SECONDS - 1
    sign_in.attempt("ana", PASSWORD, address="10.0.0.1")
    assert checks == ["ana"]
    clock.now += sign_in_module.REMEMBER_SECONDS + 1
    sign_in.attempt("ana", PASSWORD, address="10.0.0.1")
    assert checks == ["ana", "ana"]


def test_the_failure_limiter_slides_and_keeps_its_memory_bounded():
    clock = Clock()
    limiter = FailureLimiter(3, 60, clock=clock, max_keys=5)
    assert [limiter.record("a") for _ in range(3)] == [False, False, True]
    assert limiter.retry_after("a") == 60
    clock.now += 30
    assert limiter.retry_after("a") == 30
    clock.now += 31
    assert limiter.retry_after("a") is None
    limiter.record("a")
    assert limiter.retry_after("a") is None  # the two older failures slid out of the window
    for key in range(10):
        limiter.record(f"k{key}")
    assert len(limiter._failures) == 5


def test_concurrent_guessers_get_one_check_at_a_time_and_no_more_than_the_limit(users_file, monkeypatch):
    running, most, checked, lock = [0], [0], [0], threading.Lock()
    real = accounts.authenticate

    def watched(users, name, password):
        with lock:
            running[0] += 1
            checked[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return real(users, name, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(accounts, "authenticate", watched)
    sign_in = SignIn(users_file)
    guessers = [threading.Thread(target=sign_in.attempt, args=(f"user{i}", "guess"), kwargs={"address": "192.0.2.1"})
                for i in range(FAILURES_PER_ADDRESS + 10)]
    for guesser in guessers:
        guesser.start()
    for guesser in guessers:
        guesser.join()
    assert most[0] == 1 and checked[0] == FAILURES_PER_ADDRESS


def test_accounts_added_while_running_can_sign_in_and_an_empty_file_admits_nobody(settings, tmp_path):
    users_file = tmp_path / "users.txt"
    users_file.write_text("# no accounts yet\n")
    client = gated_app(settings.with_changes(users_file=users_file)).test_client()
    assert client.get("/").status_code == 401  # even from this machine: the file says sign-in is required
    save_user(users_file, name="cat", password=PASSWORD, role="viewer")
    assert client.get("/", headers=basic("cat", PASSWORD)).status_code == 200
