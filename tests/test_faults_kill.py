"""SIGKILL in the middle of an import or a retrain: all of the import or none of it, the old or the new model
whole, no stale lock in the way, and the next command runs without any repair."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from benchmarks.harness.dataset import past_start
from optior.db.model_store import active_version, list_versions
from optior.db.schema import job_locks
from optior.ingest.generator import write_cases_csv
from optior.ml.registry import load_model, version_path
from optior.services.importing import import_cases
from optior.services.runtime import Runtime
from optior.services.training import retrain
from tests.test_import_edge_cases import GOOD_ROWS, csv_file, row, snapshot

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BIG_ROWS = 250_000
STARTED_WRITING = b"100,000 rows read"  # the seed command's progress after the first chunk is written


class Command:
    """`python -m optior ...` on the test's database in a child process, its output collected as it comes."""

    def __init__(self, runtime: Runtime, *args: str, prefix: tuple[str, ...] = ()) -> None:
        env = dict(os.environ, OPTIOR_DATABASE_URL=runtime.settings.database_url,
                   OPTIOR_MODEL_DIR=str(runtime.settings.model_dir), PYTHONDONTWRITEBYTECODE="1")
        self.process = subprocess.Popen([*prefix, sys.executable, "-m", "optior", *args], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.output = bytearray()
        self.reader = threading.Thread(target=self._collect, daemon=True)
        self.reader.start()

    def _collect(self) -> None:
        for stream in (self.process.stderr, self.process.stdout):
            while chunk := stream.read1(4096):
                self.output += chunk

    def wait_for(self, condition: Callable[[], bool], timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.process.poll() is None, f"the command ended first: {bytes(self.output)[-1500:]!r}"
            assert time.monotonic() < deadline, "timed out waiting for the command"
            time.sleep(0.02)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.finish()
        assert self.process.returncode == -signal.SIGKILL

    def finish(self, timeout: float = 600) -> int:
        self.process.wait(timeout=timeout)
        self.reader.join(timeout=30)
        return self.process.returncode


def run(runtime: Runtime, *args: str) -> tuple[int, str]:
    command = Command(runtime, *args)
    return command.finish(), bytes(command.output).decode(errors="replace")


def lock_holder(runtime: Runtime, name: str) -> str | None:
    with runtime.db.read() as connection:
        return connection.execute(select(job_locks.c.holder).where(job_locks.c.name == name)).scalar()


def this_host(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}"


def test_an_import_killed_after_it_started_writing_leaves_none_of_it(runtime, tmp_path):
    import_cases(runtime, source=csv_file(GOOD_ROWS), source_name="before.csv")
    before = snapshot(runtime)
    big = tmp_path / "big.csv"
    write_cases_csv(big, BIG_ROWS, seed=8, start=past_start(BIG_ROWS, 30, date.today()), rooms=30)

    command = Command(runtime, "seed", "--csv", str(big))
    command.wait_for(lambda: STARTED_WRITING in command.output)
    assert lock_holder(runtime, "import") == this_host(command.process.pid)
    command.kill()

    assert snapshot(runtime) == before  # not one of the 100,000 written rows, no batch record
    assert lock_holder(runtime, "import") == this_host(command.process.pid)  # left behind by the dead process
    small = tmp_path / "small.csv"
    small.write_bytes(csv_file([row("9001"), row("9002")]))
    code, output = run(runtime, "seed", "--csv", str(small))
    assert code == 0, output
    assert "2 new" in output
    assert lock_holder(runtime, "import") is None
    assert len(snapshot(runtime)["cases"]) == len(before["cases"]) + 2


def strace_prefix(inject: str) -> tuple[str, ...]:
    """strace delivering SIGKILL at a chosen system call of the retrain (skips when it cannot trace here)."""
    strace = shutil.which("strace")
    if strace is None or subprocess.run([strace, "-qq", "-o", os.devnull, "true"]).returncode != 0:
        pytest.skip("needs strace (allowed to trace) to kill at an exact point of the save")
    syscall = inject.split(":")[0]
    return strace, "-f", "-qq", "-o", os.devnull, "-e", f"trace={syscall}", "-e", f"inject={inject}"


KILL_POINTS = {  # name: strace injection killing the retrain there, or None to kill it while it fits
    "while fitting": None,
    "model file written, not yet in place": "fsync:signal=KILL:when=1",
    "model file in place, not yet recorded": "rename:signal=KILL:when=2",
}


@pytest.mark.parametrize("point", KILL_POINTS, ids=KILL_POINTS)
def test_a_retrain_killed_part_way_keeps_the_old_model_whole_and_the_next_retrain_works(sample_runtime, point):
    runtime = sample_runtime
    old = retrain(runtime)["version"]
    model_dir = runtime.settings.model_dir
    files_before = {p.name for p in model_dir.iterdir()}
    injection = KILL_POINTS[point]

    command = Command(runtime, "train", prefix=strace_prefix(injection) if injection else ())
    if injection is None:
        command.wait_for(lambda: lock_holder(runtime, "retrain") is not None)
        time.sleep(0.3)
        command.kill()
    else:
        command.finish()
    assert b"Activated" not in command.output and b"Saved" not in command.output
    holder = lock_holder(runtime, "retrain")
    assert holder is not None and holder.startswith(socket.gethostname() + ":")  # the killed process's lock

    with runtime.db.read() as connection:
        assert [v["version"] for v in list_versions(connection)] == [old]
        active = active_version(connection)
    assert active["version"] == old
    load_model.cache_clear()
    assert load_model(version_path(model_dir, active["file_name"]), active["sha256"]) is not None
    leftovers = {p.name for p in model_dir.iterdir()} - files_before
    if point == "model file written, not yet in place":
        assert leftovers and all(name.endswith(".tmp") for name in leftovers)
        for name in leftovers:  # as if the crash had happened an hour ago
            os.utime(model_dir / name, (time.time() - 7200,) * 2)

    code, output = run(runtime, "train")
    assert code == 0, output
    assert "Activated" in output or "Saved but did not activate" in output
    assert lock_holder(runtime, "retrain") is None
    with runtime.db.read() as connection:
        versions = [v["version"] for v in list_versions(connection)]
        active = active_version(connection)
    assert len(versions) == 2 and old in versions
    load_model.cache_clear()
    assert load_model(version_path(model_dir, active["file_name"]), active["sha256"]) is not None
    assert not [p for p in model_dir.glob(".model-*.tmp") if p.stat().st_mtime < time.time() - 3600]
