"""Serve OptiOR (python app.py or gunicorn) from a child process on loopback, for benchmarks and tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from benchmarks.harness.measure import BenchmarkError
from optior.config import PROJECT_ROOT

START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 30.0


def app_command(prefix: Sequence[str] = ()) -> list[str]:
    """`python app.py` (Flask's threaded server), optionally behind a command prefix."""
    return [*prefix, sys.executable, str(PROJECT_ROOT / "app.py")]


def gunicorn_command(port: int, workers: int, *options: str) -> list[str]:
    """The README's production server: gunicorn with several worker processes on loopback, plus options."""
    return [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "300",
            *options, "app:server"]


def app_environment(database_url: str, model_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of an app on loopback:port with this database and model folder (seeding the sample).

    No OPTIOR_* setting of the calling shell leaks in (an admin token or users file there would change the app).
    """
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("OPTIOR_")}
    return dict(inherited, OPTIOR_DATABASE_URL=database_url, OPTIOR_MODEL_DIR=str(model_dir),
                OPTIOR_HOST="127.0.0.1", OPTIOR_PORT=str(port), OPTIOR_AUTO_SEED="true", **extra)


class AppProcess:
    """A command serving OptiOR on 127.0.0.1:port in its own process group, its output appended to a log file.

    The block starts it and waits until GET /api/health answers (any status: the database may be down on
    purpose); leaving the block stops it and every process it started.
    """

    def __init__(self, env: dict[str, str], port: int, log_path: Path, command: Sequence[str] | None = None) -> None:
        self.env, self.port, self.log_path = env, port, log_path
        self.command = list(command or app_command())
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> AppProcess:
        with socket.socket() as probe:  # something already there would answer in the app's place
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise BenchmarkError(f"Port {self.port} is already in use; choose another.")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.command, cwd=PROJECT_ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchmarkError(f"The app exited with {self.process.returncode}: {self.log()[-2000:]}")
            try:  # one request waits for booting workers: one given up on would fail when they answer it
                urllib.request.urlopen(self.base + "/api/health", timeout=max(1.0, deadline - time.monotonic())).close()
                return
            except urllib.error.HTTPError as answer:  # an answer all the same
                answer.close()
                return
            except OSError:  # not listening yet, or its workers still booting
                time.sleep(0.25)
        raise BenchmarkError(f"The app did not answer on port {self.port} within {START_TIMEOUT_S:.0f} s: "
                             f"{self.log()[-2000:]}")

    def stop(self) -> None:
        """Interrupt the process group (gunicorn's quick shutdown), then kill whatever is left of it."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def log(self) -> str:
        """Everything the app has written to its log file so far."""
        return self.log_path.read_text(errors="replace")
