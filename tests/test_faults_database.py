"""Database faults: PostgreSQL out of reach while the app runs (/api/health says 503, the pages answer with a
banner instead of crashing, the app recovers by itself when it is back), and several workers starting at once
on an empty database."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from sqlalchemy.engine import make_url

from benchmarks.harness.app_process import AppProcess, app_environment, gunicorn_command
from benchmarks.load_test import Browser, Http, Recorder
from optior.components.status_banner import BANNER, HEALTH_POLL, PAGE_CONTENT, RELOAD
from optior.config import Settings
from optior.db.model_store import list_versions
from optior.services.data_admin import case_count
from optior.services.runtime import build_runtime
from tests.conftest import SAMPLE_COMPLETED_CASES, TEST_DATABASE_URL
from tests.ports import free_port
from tests.test_faults_model_file import PREDICT_BODY

pytestmark = pytest.mark.slow

PROXY_PORT, APP_PORT, WORKERS_PORT = free_port(), free_port(), free_port()
RECOVERY_S = 60


class TcpProxy:
    """Forward 127.0.0.1:port to the database server; stop() cuts every connection and stops listening."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port, self.target = port, target
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self) -> None:
        with self.lock:
            sockets, self.connections = [self.listener, *self.connections], []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                server = socket.create_connection(self.target, timeout=10)
            except OSError:
                return
            server.settimeout(None)
            with self.lock:
                self.connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def health(app: AppProcess) -> requests.Response:
    return requests.get(app.base + "/api/health", timeout=60)


def open_dashboard(app: AppProcess) -> tuple[Browser, Recorder]:
    recorder = Recorder()
    browser = Browser(Http(app.base, recorder))
    browser.open("/")
    return browser, recorder


def banner_text(browser: Browser) -> str:
    return str(browser.get(BANNER, "children") or "")


@pytest.fixture
def proxied(database_url: str):
    """The test database reached through a proxy this test can cut and restore, and the proxy."""
    real = make_url(database_url)
    proxy = TcpProxy(PROXY_PORT, (real.host or "127.0.0.1", real.port or 5432))
    proxy.start()
    yield real.set(host="127.0.0.1", port=PROXY_PORT).render_as_string(hide_password=False), proxy
    proxy.stop()


@pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql"),
                    reason="needs PostgreSQL (OPTIOR_TEST_DATABASE_URL)")
def test_an_unreachable_database_gives_503_and_a_banner_and_the_app_recovers_by_itself(proxied, tmp_path):
    url, proxy = proxied
    env = app_environment(url, tmp_path / "models", APP_PORT)
    with AppProcess(env, APP_PORT, tmp_path / "app.log") as app:
        assert health(app).status_code == 200
        cases = health(app).json()["cases"]
        browser, recorder = open_dashboard(app)
        assert recorder.errors == [] and browser.get("dashboard-schedule-table", "rowData")
        assert banner_text(browser) in ("", "None")

        proxy.stop()
        down = health(app)
        assert down.status_code == 503
        assert down.headers["Content-Type"].startswith("application/json")
        assert down.json()["details"]["database"] == "unreachable"
        assert "database" in down.json()["error"].lower()
        browser, recorder = open_dashboard(app)
        assert recorder.errors == [], "every page request is answered, none with a server error"
        assert "database cannot be reached" in banner_text(browser)
        assert "The database is not reachable" in str(browser.get(PAGE_CONTENT, "children"))
        assert browser.get(HEALTH_POLL, "disabled") is False
        browser.set(HEALTH_POLL, "n_intervals", 1)
        assert not browser.get(RELOAD, "data"), "no reload while the database is still down"
        assert app.process.poll() is None

        proxy.start()
        deadline = time.monotonic() + RECOVERY_S
        while health(app).status_code != 200:
            assert time.monotonic() < deadline, "the app did not reconnect by itself"
            time.sleep(0.5)
        assert health(app).json()["cases"] == cases
        browser.set(HEALTH_POLL, "n_intervals", 2)
        assert browser.get(RELOAD, "data") is True and browser.get(HEALTH_POLL, "disabled") is True
        browser, recorder = open_dashboard(app)
        assert recorder.errors == [] and browser.get("dashboard-schedule-table", "rowData")
        assert "database cannot be reached" not in banner_text(browser)
        assert requests.post(app.base + "/api/predict", json=PREDICT_BODY, timeout=60).status_code == 200


def test_several_workers_starting_on_an_empty_database_all_come_up_and_seed_it_once(database_url, tmp_path):
    env = app_environment(database_url, tmp_path / "models", WORKERS_PORT)
    with AppProcess(env, WORKERS_PORT, tmp_path / "app.log", gunicorn_command(WORKERS_PORT, 3)) as app:
        deadline = time.monotonic() + 300
        while not (health(app).status_code == 200 and health(app).json()["model_version"]):
            assert app.process.poll() is None, app.log()[-3000:]
            assert time.monotonic() < deadline, "the workers did not seed and train"
            time.sleep(0.5)
        time.sleep(3)
        assert app.process.poll() is None, "a worker failed to boot and gunicorn stopped: " + app.log()[-3000:]
        assert all(health(app).json()["cases"] == SAMPLE_COMPLETED_CASES for _ in range(6))
        # Read while running: stopping gunicorn can interrupt a worker still closing its last answer, which it logs.
        started_log = app.log()
    assert "Traceback" not in started_log and "failed to boot" not in started_log, started_log[-3000:]
    runtime = build_runtime(Settings(database_url=database_url, model_dir=tmp_path / "models", auto_seed=False))
    try:
        assert case_count(runtime) == SAMPLE_COMPLETED_CASES
        with runtime.db.read() as connection:
            assert sum(v["is_active"] for v in list_versions(connection)) == 1
    finally:
        runtime.db.dispose()
