"""Start-up on an empty database: of several processes starting together, exactly one imports the bundled sample.

tests/test_multiworker.py checks the same with real gunicorn workers; these check the waiting lock under it.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from optior.db.locks import job_lock, job_lock_when_free
from optior.errors import JobAlreadyRunning
from optior.services.data_admin import case_count, import_history
from optior.services.runtime import build_runtime
from optior.services.startup import seed_first_run
from tests.conftest import SAMPLE_COMPLETED_CASES


def test_a_waiting_lock_waits_for_its_holder_then_takes_it(runtime):
    steps: list[str] = []

    def hold() -> None:
        with job_lock(runtime.db, "first-run-seed", "first-run sample import"):
            steps.append("held")
            time.sleep(0.5)
            steps.append("released")

    holder = threading.Thread(target=hold)
    holder.start()
    while not steps:
        time.sleep(0.01)
    with pytest.raises(JobAlreadyRunning, match="already running"):
        with job_lock_when_free(runtime.db, "first-run-seed", "first-run sample import", wait_s=0.1):
            steps.append("taken too early")
    with job_lock_when_free(runtime.db, "first-run-seed", "first-run sample import", wait_s=10):
        steps.append("taken")
    holder.join()
    assert steps == ["held", "released", "taken"]


def test_starts_on_an_empty_database_import_the_sample_once(settings):
    runtimes = [build_runtime(settings.with_changes(auto_seed=True)) for _ in range(3)]
    barrier = threading.Barrier(len(runtimes))

    def start(runtime) -> str | None:
        barrier.wait()
        return seed_first_run(runtime)

    try:
        with ThreadPoolExecutor(len(runtimes)) as pool:
            lines = list(pool.map(start, runtimes))
        imported = [line for line in lines if line and "imported the bundled sample" in line]
        assert len(imported) == 1, lines
        assert case_count(runtimes[0]) == SAMPLE_COMPLETED_CASES
        assert len(import_history(runtimes[0])) == 1
    finally:
        for runtime in runtimes:
            runtime.db.dispose()
