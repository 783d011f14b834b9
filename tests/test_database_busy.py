"""A write lock held longer than a request waits reads as "busy, try again", not as an unreachable database."""

from __future__ import annotations

import pytest

from optior.db import engine
from optior.db.engine import Database
from optior.services.runtime import Runtime
from tests.test_api_support import api_app


def test_a_held_write_lock_says_busy_and_reads_go_on(sample_runtime, monkeypatch):
    if not sample_runtime.db.is_sqlite:
        pytest.skip("holds SQLite's database-wide write lock")
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 200)  # a request waits 0.2 s here instead of 30 s
    waiting = Database(sample_runtime.settings.database_url)
    client = api_app(Runtime(settings=sample_runtime.settings, db=waiting)).test_client()
    with sample_runtime.db.engine.connect() as holder:
        holder.exec_driver_sql("BEGIN IMMEDIATE")  # as a long import does
        try:
            response = client.delete("/api/clear")
            assert client.get("/api/schedule?date=2026-09-30").get_json()["cases"]
        finally:
            holder.rollback()
    waiting.dispose()
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert "busy" in error and "try again" in error and "cannot be reached" not in error
