"""Predictions while an import holds the database: they answer at once and are logged once the lock is free;
a request that a lock does stop says "busy, try again" (503 with Retry-After), not "unreachable"."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, insert

from optior.config import SAMPLE_CSV
from optior.db.lock_wait import short_lock_wait
from optior.db.schema import predictions
from optior.errors import DatabaseBusy
from optior.services.importing import import_cases
from optior.services.prediction import predict_duration, recent_predictions
from optior.services.prediction_log import Viewer, prediction_log
from tests.conftest import KNEE_CASE, SAMPLE_TODAY
from tests.test_api_support import TOKEN, api_app


@contextmanager
def import_in_progress(runtime) -> Iterator[threading.Thread]:
    """A real import of the sample, stopped inside its transaction after its first chunk is written."""
    holding, release = threading.Event(), threading.Event()

    def progress(_rows: int) -> None:
        holding.set()
        release.wait(120)

    importer = threading.Thread(target=import_cases, args=(runtime,), kwargs={
        "source": SAMPLE_CSV, "source_name": "again.csv", "today": SAMPLE_TODAY, "progress": progress})
    importer.start()
    try:
        assert holding.wait(120), "the import did not start"
        yield importer
    finally:
        release.set()
        importer.join(120)


@contextmanager
def write_lock_held(runtime) -> Iterator[None]:
    """Another connection holding the lock a write to the predictions table needs."""
    engine = create_engine(runtime.db.url)
    with engine.connect() as connection:
        if runtime.db.is_sqlite:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("LOCK TABLE predictions IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            connection.rollback()
    engine.dispose()


def labels_of(runtime, user: str) -> list[str | None]:
    return [row["case_label"] for row in recent_predictions(runtime, viewer=Viewer(user), limit=50)]


def test_a_prediction_during_an_import_answers_and_is_logged_once_the_import_is_done(trained):
    with import_in_progress(trained) as importer:
        result = predict_duration(trained, **KNEE_CASE, case_label="Patient during import", entered_by="alice")
        assert importer.is_alive(), "the import still holds its transaction"
        if trained.db.is_sqlite:
            assert result.prediction_id is None, "SQLite's write lock was held: the log row waits in the queue"
        assert result.predicted_minutes > 0

    deadline = time.monotonic() + 60
    while "Patient during import" not in labels_of(trained, "alice") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Patient during import" in labels_of(trained, "alice")
    assert prediction_log(trained.db).pending() == 0


def test_a_write_that_a_lock_stops_says_busy_not_unreachable(runtime):
    with write_lock_held(runtime), pytest.raises(DatabaseBusy) as stopped:
        with runtime.db.transaction() as connection, short_lock_wait(connection, 50):
            connection.execute(insert(predictions).values(
                created_at=SAMPLE_TODAY, model_version="v", inputs={}, predicted_minutes=1.0, p10_minutes=1.0,
                p90_minutes=1.0, notes=[]))
    assert "busy" in stopped.value.message and "try again" in stopped.value.message
    assert "cannot be reached" not in stopped.value.message


def test_the_api_answers_busy_with_503_and_retry_after(runtime):
    app = api_app(runtime, admin_token=TOKEN)
    with app.test_request_context("/api/predict", method="POST"):
        response = app.handle_user_exception(DatabaseBusy("The database is busy; try again in a few seconds."))
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "busy" in response.get_json()["error"]


def test_an_api_prediction_while_the_lock_is_held_answers_200(trained):
    client = api_app(trained).test_client()
    with write_lock_held(trained):
        response = client.post("/api/predict", json={**{k: v for k, v in KNEE_CASE.items() if k != "case_date"},
                                                     "date": "2026-12-01", "booked_minutes": 150})
    assert response.status_code == 200, response.get_json()
