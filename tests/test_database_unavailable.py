"""A database that cannot be reached: a clear 503 and message, never a stack trace, and recovery after."""

from __future__ import annotations

import pytest

from optior.api import register_api
from optior.config import Settings
from optior.db.engine import Database
from optior.errors import DatabaseUnavailable
from optior.services.analytics import data_extent
from optior.services.runtime import Runtime
from optior.web.context import attach_runtime

NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:9/nothing?connect_timeout=2"


@pytest.fixture
def unreachable() -> Runtime:
    return Runtime(settings=Settings(database_url=NOWHERE), db=Database(NOWHERE))


def test_services_raise_a_clear_error_not_a_driver_error(unreachable):
    with pytest.raises(DatabaseUnavailable) as raised:
        data_extent(unreachable)
    assert "cannot be reached" in raised.value.message
    assert unreachable.db.reachable() is False


def test_health_and_read_endpoints_answer_503_json(unreachable):
    from flask import Flask

    server = Flask("down")
    attach_runtime(server, unreachable)
    register_api(server)
    client = server.test_client()
    health = client.get("/api/health")
    assert health.status_code == 503 and health.get_json()["details"] == {"database": "unreachable"}
    schedule = client.get("/api/schedule?date=2026-09-30")
    assert schedule.status_code == 503 and "Traceback" not in schedule.get_data(as_text=True)


def test_a_working_database_is_reachable(runtime):
    assert runtime.db.reachable() is True


def test_the_banner_appears_while_the_database_is_down_and_clears_after(optior_app, unreachable):
    from optior.components import status_banner

    server = optior_app.server
    working = server.extensions["optior"]
    with server.test_request_context("/"):
        server.extensions["optior"] = unreachable
        try:
            banner, down = status_banner.check_database(1, False)
            assert down is True and "cannot be reached" in banner.children
        finally:
            server.extensions["optior"] = working
        assert status_banner.check_database(2, True) == (None, False)
