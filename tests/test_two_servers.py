"""Two app servers on one database, as two machines would run them: each has its own model folder and instance
name (OPTIOR_INSTANCE_NAME, standing in for two host names). A retrain through one is served by the other; a
retrain running on one refuses a second from the other; only its own server can tell its process died.

Each server is gunicorn on loopback in a child process, against the test database (a temporary SQLite file, or
PostgreSQL when OPTIOR_TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from benchmarks.harness.app_process import AppProcess, app_environment, gunicorn_command
from optior.db.schema import job_locks
from optior.services.jobs import RETRAIN_LOCK
from optior.services.runtime import Runtime
from tests.conftest import SAMPLE_COMPLETED_CASES
from tests.ports import free_port

pytestmark = pytest.mark.slow

TOKEN = "two-servers-test-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
JOB_TIMEOUT_S = 180
PREDICTION = {"service": "Orthopedics", "cpt_code": "27447", "or_suite": "1", "date": "2026-12-07",
              "scheduled_start": "08:30", "booked_minutes": 150}


@dataclass
class Server:
    """One app server: where it answers, its instance name and its model folder."""

    name: str
    base: str
    model_dir: Path

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 300)
        return requests.request(method, self.base + path, **kwargs)

    def active_version(self) -> str | None:
        return self.call("GET", "/api/models").json()["active_version"]

    def predicted_version(self) -> str:
        answer = self.call("POST", "/api/predict", json=PREDICTION)
        assert answer.status_code == 200, answer.text
        return answer.json()["model_version"]

    def finished_job(self, job_id: int) -> dict:
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            state = self.call("GET", f"/api/jobs?id={job_id}").json()
            if state["status"] != "running":
                return state
            time.sleep(0.5)
        raise AssertionError(f"job {job_id} still running on {self.name} after {JOB_TIMEOUT_S} s")


@pytest.fixture
def servers(runtime: Runtime, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Servers ward-a and ward-b (one gunicorn worker each) on the test database, which holds the sample."""
    with ExitStack() as stack:
        started = []
        for name in ("ward-a", "ward-b"):
            port, model_dir = free_port(), tmp_path / f"{name}-models"
            env = {**app_environment(runtime.settings.database_url, model_dir, port),
                   "OPTIOR_INSTANCE_NAME": name, "OPTIOR_ADMIN_TOKEN": TOKEN, "OPTIOR_AUTO_SEED": "false"}
            app = stack.enter_context(AppProcess(env, port, tmp_path / f"{name}.log", gunicorn_command(port, 1)))
            started.append(Server(name, app.base, model_dir))
        first, second = started
        seeded = first.call("POST", "/api/seed", headers=ADMIN)
        assert seeded.status_code == 200, seeded.text
        assert second.call("GET", "/api/health").json()["cases"] == SAMPLE_COMPLETED_CASES
        yield first, second


def _lock_holder(runtime: Runtime) -> str | None:
    with runtime.db.read() as connection:
        return connection.execute(select(job_locks.c.holder).where(job_locks.c.name == RETRAIN_LOCK)).scalar()


def _retrain_process(runtime: Runtime, server: Server) -> int:
    """The pid of the retrain process holding the lock, once it holds it (recorded as instance:pid)."""
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        holder = _lock_holder(runtime)
        if holder:
            instance, _, pid = holder.rpartition(":")
            assert instance == server.name, holder
            return int(pid)
        time.sleep(0.02)
    raise AssertionError("no retrain process took the lock")


def test_a_retrain_through_one_server_is_served_by_the_other(servers):
    ward_a, ward_b = servers
    started = ward_a.call("POST", "/api/retrain?background=true", headers=ADMIN)
    assert started.status_code == 202, started.text

    job = ward_b.finished_job(started.json()["job_id"])  # the job's state, read through the other server
    assert job["status"] == "done", job
    first = job["result"]["version"]
    assert ward_b.active_version() == first
    assert ward_b.predicted_version() == first
    file_name = f"model-{first}.joblib"
    assert (ward_b.model_dir / file_name).read_bytes() == (ward_a.model_dir / file_name).read_bytes()

    retrained = ward_b.call("POST", "/api/retrain?force=true", headers=ADMIN)
    assert retrained.status_code == 200, retrained.text
    second = retrained.json()["version"]
    assert retrained.json()["active_version"] == second != first
    assert ward_a.active_version() == second
    assert ward_a.predicted_version() == second


def test_a_retrain_running_on_one_server_refuses_another_and_its_death_frees_the_other(servers, runtime):
    ward_a, ward_b = servers
    started = ward_a.call("POST", "/api/retrain?background=true", headers=ADMIN)
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    trainer = _retrain_process(runtime, ward_a)
    os.kill(trainer, signal.SIGSTOP)  # it stays mid-retrain for as long as the test needs
    try:
        assert ward_b.call("GET", f"/api/jobs?id={job_id}").json()["status"] == "running"
        for way in ("?background=true", ""):
            refused = ward_b.call("POST", f"/api/retrain{way}", headers=ADMIN)
            assert refused.status_code == 409, refused.text
            assert "already running" in refused.json()["error"]
        assert ward_b.call("GET", f"/api/jobs?id={job_id}").json()["status"] == "running"
        assert _lock_holder(runtime) == f"ward-a:{trainer}"
    finally:
        os.kill(trainer, signal.SIGKILL)

    job = ward_b.finished_job(job_id)
    assert job["status"] == "failed" and "previous model is still active" in job["message"], job
    assert ward_b.active_version() is None

    retrained = ward_b.call("POST", "/api/retrain", headers=ADMIN)  # accepted at once: ward-a freed the lock
    assert retrained.status_code == 200, retrained.text
    assert ward_a.predicted_version() == retrained.json()["version"]
