"""Background retrain jobs as the Retrain button uses them: start, poll, refuse a second, survive a crash."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import insert, update

from optior.db.job_store import create_job, read_job
from optior.db.locks import current_holder, job_lock, process_identity
from optior.db.schema import job_locks
from optior.db.schema import jobs as jobs_table
from optior.errors import JobAlreadyRunning
from optior.services import jobs
from optior.services.training import active_model_card


def wait_for(runtime, job_id: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = jobs.job_state(runtime, job_id)
        if state["status"] != "running":
            return state
        time.sleep(0.2)
    raise AssertionError("the retrain job did not finish")


def test_a_started_retrain_finishes_and_reports_the_active_version(sample_runtime):
    job_id = jobs.start_retrain(sample_runtime)
    state = wait_for(sample_runtime, job_id)
    assert state["status"] == "done"
    assert state["result"]["active_version"] in state["message"]


def test_a_second_retrain_is_refused_while_one_runs(sample_runtime):
    with job_lock(sample_runtime.db, jobs.RETRAIN_LOCK, "model retrain"):
        with pytest.raises(JobAlreadyRunning) as refused:
            jobs.start_retrain(sample_runtime)
    assert "already running" in refused.value.message


def test_a_job_whose_process_died_reads_as_interrupted(runtime):
    with runtime.db.transaction() as connection:
        job_id = create_job(connection, "retrain")
        connection.execute(update(jobs_table).where(jobs_table.c.id == job_id).values(holder="nohost-x:1"))
    assert jobs.job_state(runtime, job_id)["status"] == "running"  # another host: cannot tell, keep waiting
    with runtime.db.transaction() as connection:
        connection.execute(update(jobs_table).where(jobs_table.c.id == job_id)
                           .values(holder=f"{socket.gethostname()}:999999999"))
    state = jobs.job_state(runtime, job_id)
    assert state["status"] == "interrupted" and "previous model is still active" in state["message"]


def test_an_unknown_job_is_reported_not_raised(runtime):
    assert jobs.job_state(runtime, 12345)["status"] == "failed"


def running_holder(runtime, job_id: int, timeout: float = 60) -> str:
    """The holder of a job once a process other than this one has taken it over."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.db.read() as connection:
            holder = read_job(connection, job_id)["holder"]
        if not holder.endswith(f":{os.getpid()}"):
            return holder
        time.sleep(0.05)
    raise AssertionError("no retrain process took the job over")


def test_a_retrain_runs_in_its_own_process_and_a_killed_one_fails_cleanly(sample_runtime):
    before = active_model_card(sample_runtime)
    job_id = jobs.start_retrain(sample_runtime)
    holder = running_holder(sample_runtime, job_id)
    os.kill(int(holder.rpartition(":")[2]), signal.SIGKILL)
    state = wait_for(sample_runtime, job_id)
    assert state["status"] == "failed" and "previous model is still active" in state["message"]
    assert active_model_card(sample_runtime) == before
    assert wait_for(sample_runtime, jobs.start_retrain(sample_runtime))["status"] == "done"  # nothing to repair


def test_a_waiting_caller_gets_the_error_that_stopped_the_retrain(sample_runtime, monkeypatch):
    """POST /api/retrain waits for the job: a retrain refused inside the job must still read as 'already running'."""
    with sample_runtime.db.transaction() as connection:
        job_id = create_job(connection, "retrain")
    with job_lock(sample_runtime.db, "retrain", "model retrain"):  # taken between the check and the child's start
        assert jobs.run_retrain_job(sample_runtime, job_id) == "failed"
    monkeypatch.setattr(jobs, "_spawn", lambda runtime, force: (job_id, None))  # the job above, already ended
    with pytest.raises(JobAlreadyRunning, match="already running"):
        jobs.retrain_and_wait(sample_runtime)
    assert active_model_card(sample_runtime) is None


def a_finished_process_id() -> int:
    """The id of a process that has ended on this machine (as a killed job's process looks here)."""
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


def _recorded_as_held_by(runtime, holder: str) -> int:
    """A retrain job and the retrain lock, both recorded as held by `holder` (instance:pid); returns the job id."""
    with runtime.db.transaction() as connection:
        job_id = create_job(connection, "retrain")
        connection.execute(update(jobs_table).where(jobs_table.c.id == job_id).values(holder=holder))
        connection.execute(insert(job_locks).values(name=jobs.RETRAIN_LOCK, holder=holder,
                                                    acquired_at=datetime.now(), note="model retrain"))
    return job_id


@pytest.mark.parametrize("other", ["ward-a", socket.gethostname()], ids=["named", "same host name"])
def test_another_servers_job_is_never_judged_dead_from_this_servers_process_table(sample_runtime, monkeypatch,
                                                                                  other):
    """Two servers on one database: server ward-b cannot see ward-a's processes, so an id that does not exist
    here says nothing about ward-a's retrain; the lock holds and the job keeps running. The instance name, not
    the host name, decides (two containers may share a host name)."""
    monkeypatch.setenv("OPTIOR_INSTANCE_NAME", "ward-b")
    assert process_identity() == f"ward-b:{os.getpid()}"
    job_id = _recorded_as_held_by(sample_runtime, f"{other}:{a_finished_process_id()}")

    assert jobs.job_state(sample_runtime, job_id)["status"] == "running"
    with pytest.raises(JobAlreadyRunning, match="already running"):
        jobs.start_retrain(sample_runtime)
    assert current_holder(sample_runtime.db, jobs.RETRAIN_LOCK) is not None


def test_a_servers_own_dead_job_is_recognised_after_it_restarts_under_the_same_name(sample_runtime, monkeypatch):
    monkeypatch.setenv("OPTIOR_INSTANCE_NAME", "ward-b")
    job_id = _recorded_as_held_by(sample_runtime, f"ward-b:{a_finished_process_id()}")

    assert jobs.job_state(sample_runtime, job_id)["status"] == "interrupted"
    assert current_holder(sample_runtime.db, jobs.RETRAIN_LOCK) is None
    assert wait_for(sample_runtime, jobs.start_retrain(sample_runtime))["status"] == "done"


def test_a_killed_retrain_frees_the_lock_for_the_other_servers_at_once(sample_runtime, monkeypatch):
    """Only the server that started the retrain can tell its process died: its watcher frees the lock, so a retrain
    from another server is accepted without waiting for the lock to go stale."""
    monkeypatch.setenv("OPTIOR_INSTANCE_NAME", "ward-a")
    job_id = jobs.start_retrain(sample_runtime)
    holder = running_holder(sample_runtime, job_id)
    deadline = time.monotonic() + 60
    while (current_holder(sample_runtime.db, jobs.RETRAIN_LOCK) or {}).get("holder") != holder:
        assert time.monotonic() < deadline, "the retrain process never took the lock"
        time.sleep(0.05)
    os.kill(int(holder.rpartition(":")[2]), signal.SIGKILL)
    (watcher,) = [t for t in threading.enumerate() if t.name == f"{jobs.WATCH_THREAD_PREFIX}{job_id}"]
    watcher.join(60)

    monkeypatch.setenv("OPTIOR_INSTANCE_NAME", "ward-b")
    assert jobs.job_state(sample_runtime, job_id)["status"] == "failed"
    assert current_holder(sample_runtime.db, jobs.RETRAIN_LOCK) is None
    assert wait_for(sample_runtime, jobs.start_retrain(sample_runtime))["status"] == "done"
