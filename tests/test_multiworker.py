"""Several gunicorn workers on one database: a retrain reaches every worker; one retrain and one import at a time.

Each test starts `gunicorn -w 3 app:server` on loopback in a child process, against the test database (a
temporary SQLite file, or PostgreSQL when OPTIOR_TEST_DATABASE_URL is set). The access log records the pid
of the worker that answered each request (matched by an X-Probe header), so a test can tell the workers apart.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from benchmarks.harness.app_process import AppProcess, gunicorn_command
from optior.ingest.generator import generate_cases
from optior.services.data_admin import import_history
from optior.services.runtime import build_runtime
from tests.conftest import SAMPLE_COMPLETED_CASES, SAMPLE_TODAY
from tests.ports import free_port

pytestmark = pytest.mark.slow

PORT = free_port()
PAIR_ATTEMPTS = 5
WORKERS = 3
TOKEN = "multiworker-test-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
START_TIMEOUT_S = 120
MAX_PROBES = 300
LOG_LINE = re.compile(r"<(\d+)> (\S+) (\d{3})")


class Gunicorn(AppProcess):
    """gunicorn with WORKERS sync workers on 127.0.0.1:PORT; the access log maps each probe to a worker pid."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.access_log = folder / "access.log"
        access = ("--access-logfile", str(self.access_log), "--access-logformat", "%(p)s %({x-probe}i)s %(s)s")
        super().__init__(env, PORT, folder / "gunicorn.log", gunicorn_command(PORT, WORKERS, *access))
        self.numbers = itertools.count(1)  # next() on a count is atomic: threads may send at once

    def send(self, method: str, path: str, **kwargs) -> tuple[requests.Response, str]:
        """One request on a fresh connection, tagged with a unique probe; returns the answer and the probe."""
        probe = f"probe-{next(self.numbers)}"
        headers = {"X-Probe": probe, "Connection": "close", **kwargs.get("headers", {})}
        rest = {key: value for key, value in kwargs.items() if key != "headers"}
        rest.setdefault("timeout", 300)
        return requests.request(method, self.base + path, headers=headers, **rest), probe

    def worker_of(self, probe: str) -> int:
        """The pid of the worker that answered the probe (its access-log line is written just after the answer)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for line in self.access_log.read_text().splitlines():
                match = LOG_LINE.search(line)
                if match and match[2] == probe:
                    return int(match[1])
            time.sleep(0.05)
        raise AssertionError(f"{probe} is not in the access log")


@pytest.fixture
def server_env(settings) -> dict[str, str]:
    return {
        **os.environ, "OPTIOR_DATABASE_URL": settings.database_url, "OPTIOR_MODEL_DIR": str(settings.model_dir),
        "OPTIOR_ADMIN_TOKEN": TOKEN, "OPTIOR_AUTO_SEED": "false", "OPTIOR_HOST": "127.0.0.1",
        "OPTIOR_PORT": str(PORT), "OPTIOR_USERS_FILE": "", "OPTIOR_DEBUG": "false",
    }


@pytest.fixture
def gunicorn(runtime, server_env, tmp_path):
    """Workers over a database whose tables exist (the runtime fixture created them) and holds no cases."""
    with Gunicorn(server_env, tmp_path) as server:
        yield server


@pytest.fixture
def trained(gunicorn):
    """The workers after the bundled sample was imported and a first model trained through the API."""
    seeded, _ = gunicorn.send("POST", "/api/seed", headers=ADMIN)
    assert seeded.status_code == 200, seeded.text
    first, _ = gunicorn.send("POST", "/api/retrain", headers=ADMIN)
    assert first.status_code == 200 and first.json()["status"] == "activated", first.text
    return gunicorn


def _prediction() -> dict:
    return {"service": "Orthopedics", "cpt_code": "27447", "or_suite": "3", "date": "2026-12-07",
            "scheduled_start": "08:30", "booked_minutes": 150}


def _predict_on_every_worker(server: Gunicorn) -> dict[int, set[str]]:
    """Predict in batches of concurrent requests until every worker has answered; versions seen per worker."""
    versions: dict[int, set[str]] = {}
    with ThreadPoolExecutor(WORKERS) as pool:
        for _ in range(MAX_PROBES // WORKERS):
            if len(versions) == WORKERS:
                break
            batch = list(pool.map(lambda _: server.send("POST", "/api/predict", json=_prediction()), range(WORKERS)))
            for answer, probe in batch:
                assert answer.status_code == 200, answer.text
                versions.setdefault(server.worker_of(probe), set()).add(answer.json()["model_version"])
    assert len(versions) == WORKERS, f"only {len(versions)} of {WORKERS} workers answered {MAX_PROBES} predictions"
    return versions


def _at_once(server: Gunicorn, *calls: tuple[str, str, dict]) -> list[tuple[requests.Response, int]]:
    """Send the requests together (released by one barrier); each answer with the pid of the worker that gave it."""
    barrier = threading.Barrier(len(calls))

    def send(call: tuple[str, str, dict]) -> tuple[requests.Response, str]:
        barrier.wait()
        method, path, kwargs = call
        return server.send(method, path, **kwargs)

    with ThreadPoolExecutor(len(calls)) as pool:
        answers = list(pool.map(send, calls))
    return [(answer, server.worker_of(probe)) for answer, probe in answers]


def _versions(server: Gunicorn) -> list[str]:
    answer, _ = server.send("GET", "/api/models")
    return [row["version"] for row in answer.json()["versions"]]


def _case_count(server: Gunicorn) -> int:
    answer, _ = server.send("GET", "/api/health")
    return answer.json()["cases"]


def test_a_retrain_in_one_worker_is_used_by_every_worker_on_its_next_prediction(trained):
    before = _predict_on_every_worker(trained)
    (old,) = set.union(*before.values())

    retrained, probe = trained.send("POST", "/api/retrain?force=true", headers=ADMIN)
    assert retrained.status_code == 200, retrained.text
    new = retrained.json()["version"]
    assert retrained.json()["active_version"] == new != old

    after = _predict_on_every_worker(trained)
    assert set(after) == set(before)  # the same workers, each of which had answered with the old version
    assert all(seen == {new} for seen in after.values()), after
    assert trained.worker_of(probe) in after


def test_two_retrains_started_at_once_in_two_workers_give_one_retrain(trained):
    versions = _versions(trained)
    answers = _at_once(trained, *[("POST", "/api/retrain?force=true", {"headers": ADMIN})] * 2)

    assert sorted(answer.status_code for answer, _ in answers) == [200, 409], [a.text for a, _ in answers]
    assert answers[0][1] != answers[1][1], "both requests went to the same worker"
    refused = next(answer for answer, _ in answers if answer.status_code == 409)
    assert "already running" in refused.json()["error"]
    done = next(answer for answer, _ in answers if answer.status_code == 200)
    assert _versions(trained) == [done.json()["version"], *versions]


def _finished_job(server: Gunicorn, job_id: int) -> dict:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        state = server.send("GET", f"/api/jobs?id={job_id}")[0].json()
        if state["status"] != "running":
            return state
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} still running after {START_TIMEOUT_S} s")


def test_two_background_retrains_started_at_once_give_one_retrain(trained):
    """The Retrain button's way (202 and a job to poll): however the two requests interleave, one model is trained."""
    versions = _versions(trained)
    answers = _at_once(trained, *[("POST", "/api/retrain?force=true&background=true", {"headers": ADMIN})] * 2)

    assert answers[0][1] != answers[1][1], "both requests went to the same worker"
    statuses = sorted(answer.status_code for answer, _ in answers)
    assert statuses in ([202, 202], [202, 409]), [a.text for a, _ in answers]
    jobs = [_finished_job(trained, answer.json()["job_id"]) for answer, _ in answers if answer.status_code == 202]
    assert sorted(job["status"] for job in jobs) in (["done"], ["done", "failed"]), jobs
    assert all("already running" in job["message"] for job in jobs if job["status"] == "failed"), jobs
    (done,) = [job for job in jobs if job["status"] == "done"]
    assert _versions(trained) == [done["result"]["version"], *versions]


def _case_file(path: Path, cases: int, first_id: int, seed: int) -> Path:
    """A generated case CSV (dates before the test's today) whose encounter ids start at first_id."""
    frame = generate_cases(cases, seed=seed, start=SAMPLE_TODAY.replace(year=SAMPLE_TODAY.year - 1))
    frame["Encounter ID"] = first_id + frame.index
    frame.to_csv(path, index=False)
    return path


def _upload(path: Path) -> tuple[str, str, dict]:
    return "POST", "/api/seed", {"headers": ADMIN, "files": {"file": (path.name, path.read_bytes(), "text/csv")}}


def test_two_imports_at_once_from_two_workers_keep_every_row_exactly_once(gunicorn, tmp_path):
    """The kernel gives each connection to whichever worker accepts first, so one worker may take both uploads in
    turn; such a pair is sent again, with new encounter ids, until two workers take it at the same time."""
    stored = _case_count(gunicorn)
    for attempt in range(PAIR_ATTEMPTS):
        first = _case_file(tmp_path / f"first-{attempt}.csv", 4000, first_id=1_000_000 + 10_000 * attempt, seed=1)
        second = _case_file(tmp_path / f"second-{attempt}.csv", 3000, first_id=2_000_000 + 10_000 * attempt, seed=2)
        answers = _at_once(gunicorn, _upload(first), _upload(second))
        for (answer, _), path in zip(answers, (first, second), strict=True):
            assert answer.status_code in (200, 409), answer.text
            if answer.status_code == 409:  # the other import held the lock: nothing of this file was written
                assert "already running" in answer.json()["error"]
                method, url, options = _upload(path)
                retried, _ = gunicorn.send(method, url, **options)
                assert retried.status_code == 200, retried.text
                answer = retried
            assert answer.json()["report"]["rejected"] == 0
        stored += 7000
        assert _case_count(gunicorn) == stored
        if answers[0][1] != answers[1][1]:
            break
    assert answers[0][1] != answers[1][1], f"one worker took both imports in all {PAIR_ATTEMPTS} tries"

    again = _at_once(gunicorn, _upload(first), _upload(first))  # the same file twice at once: no duplicates
    assert sorted(answer.status_code for answer, _ in again) in ([200, 200], [200, 409]), [a.text for a, _ in again]
    assert all(a.json()["report"]["unchanged"] == 4000 for a, _ in again if a.status_code == 200)
    assert _case_count(gunicorn) == stored


def test_workers_starting_together_on_a_new_database_set_it_up_once(settings, server_env, tmp_path):
    """The production command on an empty database: the schema, the bundled sample and a first model, each once."""
    with Gunicorn({**server_env, "OPTIOR_AUTO_SEED": "true"}, tmp_path) as server:
        deadline = time.monotonic() + START_TIMEOUT_S  # the worker that seeds also trains; others serve meanwhile
        while server.send("GET", "/api/health")[0].json()["model_version"] is None and time.monotonic() < deadline:
            time.sleep(0.5)
        answered = _predict_on_every_worker(server)
        assert _case_count(server) == SAMPLE_COMPLETED_CASES
        assert len(_versions(server)) == 1
        assert len(set.union(*answered.values())) == 1
        log = server.log()
    assert log.count("Created the database schema") == 1, log
    assert log.count("imported the bundled sample") == 1, log
    runtime = build_runtime(settings)
    try:
        assert len(import_history(runtime)) == 1  # one worker imported; the others waited, then found the cases
    finally:
        runtime.db.dispose()
