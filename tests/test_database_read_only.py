"""A database this process may read but not write: changes say so (503 "read-only"), reads work, health reports it.

SQLite is opened with ?mode=ro (file permissions do not stop root); PostgreSQL with default_transaction_read_only.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from optior.components.status_banner import HEALTH_POLL
from optior.db.engine import Database
from optior.services.runtime import Runtime
from tests.test_api_support import api_app
from tests.test_database_unavailable import fire, serving

READ_ONLY = "The database is read-only"
CLEAR_CONFIRM = "data-clear-confirm"  # the Data page's confirm button (optior/pages/data.py)


def read_only_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///file:{parsed.database}?mode=ro&uri=true"
    return parsed.update_query_dict({"options": "-c default_transaction_read_only=on"}).render_as_string(
        hide_password=False)


@pytest.fixture
def read_only(sample_runtime) -> Runtime:
    """The sample quarter, opened read-only by this process."""
    database = Database(read_only_url(sample_runtime.settings.database_url))
    yield Runtime(settings=sample_runtime.settings, db=database)
    database.dispose()


def test_changes_to_a_read_only_database_say_read_only_and_reads_still_work(read_only):
    client = api_app(read_only).test_client()
    for response in (client.post("/api/seed"), client.delete("/api/clear")):
        assert response.status_code == 503
        error = response.get_json()["error"]
        assert error.startswith(READ_ONLY) and "cannot be reached" not in error and "write access" in error
    assert client.get("/api/schedule?date=2026-09-30").get_json()["cases"]
    assert client.get("/api/models").status_code == 200


def test_health_reports_a_read_only_database(read_only, sample_runtime):
    health = api_app(read_only).test_client().get("/api/health")
    assert health.status_code == 503
    assert health.get_json()["details"] == {"database": "read-only"}
    assert health.get_json()["error"].startswith(READ_ONLY)
    assert api_app(sample_runtime).test_client().get("/api/health").get_json()["status"] == "ok"


def test_health_stays_ok_while_another_writer_holds_the_lock(sample_runtime):
    if not sample_runtime.db.is_sqlite:
        pytest.skip("the write probe is SQLite's")
    with sample_runtime.db.transaction() as connection:
        connection.exec_driver_sql("DELETE FROM cases WHERE 1 = 0")
        connection.exec_driver_sql("CREATE TABLE writer_holds_the_lock (x INTEGER)")
        other = Database(sample_runtime.settings.database_url)
        try:
            assert other.read_only_reason() is None
        finally:
            other.dispose()


def test_a_page_action_on_a_read_only_database_says_what_it_is(optior_app, read_only):
    client = optior_app.server.test_client()
    assert client.get("/").status_code == 200
    with serving(optior_app, read_only):
        answer = fire(client, "data-clear-result.children", {f"{CLEAR_CONFIRM}.n_clicks": 1})
    body = answer.get_json()
    assert READ_ONLY in str(body["response"]["data-clear-result"]["children"])
    assert HEALTH_POLL not in body.get("sideUpdate", {})  # waiting would not help: someone must grant write access
