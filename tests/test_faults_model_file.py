"""A broken model file (missing, unreadable, wrong checksum, from another version) in the model folder and in the
database: the app still starts, the dashboard and the schedule work, predictions say the model is unavailable, and
a retrain recovers. (A folder copy alone broken is replaced from the database: tests/test_model_files.py.)"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import requests
from sqlalchemy import delete, update

from benchmarks.harness.app_process import AppProcess, app_command, app_environment
from benchmarks.load_test import Browser, Http, Recorder
from optior.db.model_store import active_version
from optior.db.schema import model_files, model_versions
from optior.ml.registry import file_sha256, version_path
from optior.services.runtime import Runtime
from tests.ports import free_port

pytest_plugins = ("tests.test_api_support",)
pytestmark = pytest.mark.slow

PORT = free_port()
# A pickle naming a module no installed version has: what a model saved by another scikit-learn looks like.
FOREIGN_PICKLE = b"\x80\x04cretired_sklearn_module\nForestOfOldTimes\n)\x81."
PREDICT_BODY = {"service": "Orthopedics", "cpt_code": "27447", "or_suite": "1", "date": "2026-10-05"}


def can_refuse_reading_as_this_user() -> list[str] | None:
    """A command prefix under which chmod 000 stops this process's children reading a file, or None."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"] if setpriv else None


def forget_stored_copy(runtime: Runtime) -> None:
    """Remove the database's copy of the active version (as for a version whose file an upgrade did not find)."""
    with runtime.db.transaction() as connection:
        connection.execute(delete(model_files).where(model_files.c.version == active(runtime)["version"]))


def make_missing(runtime: Runtime, path: Path) -> list[str]:
    forget_stored_copy(runtime)
    path.unlink()
    return []


def make_unreadable(runtime: Runtime, path: Path) -> list[str]:
    prefix = can_refuse_reading_as_this_user()
    if prefix is None:
        pytest.skip("running as root without setpriv: a chmod 000 file stays readable")
    forget_stored_copy(runtime)
    path.chmod(0)
    return prefix


def make_tampered(runtime: Runtime, path: Path) -> list[str]:
    with path.open("ab") as handle:
        handle.write(b"\0")
    with runtime.db.transaction() as connection:
        connection.execute(update(model_files).where(model_files.c.version == active(runtime)["version"])
                           .values(content=path.read_bytes()))
    return []


def make_foreign(runtime: Runtime, path: Path) -> list[str]:
    """Replace the file by one another version saved, with its checksum recorded (so only loading fails)."""
    path.write_bytes(FOREIGN_PICKLE)
    with runtime.db.transaction() as connection:
        connection.execute(update(model_versions).where(model_versions.c.is_active.is_(True))
                           .values(sha256=file_sha256(path)))
    return []


FAULTS = {  # name: (how to break the active model file, what the refusal says)
    "missing": (make_missing, "is missing"),
    "unreadable": (make_unreadable, "could not be read"),
    "wrong checksum": (make_tampered, "does not match its recorded SHA-256"),
    "saved by another version": (make_foreign, "could not be loaded"),
}


def active(runtime: Runtime) -> dict:
    with runtime.db.read() as connection:
        return active_version(connection)


@pytest.mark.parametrize("fault", FAULTS, ids=FAULTS)
def test_the_app_works_without_a_usable_model_and_a_retrain_recovers(trained_runtime, tmp_path, fault):
    break_file, refusal = FAULTS[fault]
    broken = active(trained_runtime)
    path = version_path(trained_runtime.settings.model_dir, broken["file_name"])
    prefix = break_file(trained_runtime, path)
    env = app_environment(trained_runtime.settings.database_url, trained_runtime.settings.model_dir, PORT)
    with AppProcess(env, PORT, tmp_path / "app.log", app_command(prefix)) as app:
        health = requests.get(app.base + "/api/health", timeout=60)
        assert health.status_code == 200 and health.json()["model_version"] == broken["version"]

        recorder = Recorder()
        browser = Browser(Http(app.base, recorder))
        browser.open("/")
        assert recorder.errors == [] and len(recorder.samples) >= 5
        assert browser.get("dashboard-schedule-table", "rowData"), "the dashboard shows the day's cases"
        schedule = requests.get(app.base + "/api/schedule", timeout=60)
        assert schedule.status_code == 200 and schedule.json()["cases"]

        refused = requests.post(app.base + "/api/predict", json=PREDICT_BODY, timeout=60)
        assert refused.status_code in (409, 503)
        assert refusal in refused.json()["error"] and "retrain" in refused.json()["error"]

        browser.open("/predict")
        browser.set("predict-service", "value", "Orthopedics")
        browser.set("predict-procedure", "value", "27447")
        browser.set("predict-room", "value", browser.get("predict-room", "options")[0]["value"])
        browser.set("predict-submit", "n_clicks", 1)
        shown = str(browser.get("predict-result", "children"))
        assert "The model is unavailable" in shown and "Retrain" in shown
        assert recorder.errors == []

        retrained = requests.post(app.base + "/api/retrain", timeout=600)
        assert retrained.status_code == 200, retrained.text
        assert retrained.json()["status"] == "activated"
        assert "could not be loaded" in retrained.json()["decision"]["reason"]
        predicted = requests.post(app.base + "/api/predict", json=PREDICT_BODY, timeout=60)
        assert predicted.status_code == 200
        assert predicted.json()["model_version"] == retrained.json()["version"] != broken["version"]
    assert "Traceback" not in app.log()
