"""Shared fixtures: settings on a throw-away database (SQLite, or PostgreSQL when configured)."""

from __future__ import annotations

import csv
import os
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from optior.config import SAMPLE_CSV, Settings
from optior.db.schema import metadata
from optior.ml.registry import load_model
from optior.services.importing import import_cases
from optior.services.jobs import WATCH_THREAD_PREFIX
from optior.services.runtime import Runtime, build_runtime
from optior.services.training import retrain
from tests.fixtures.sites import two_site_csv


def pytest_setup_options():
    """Headless Chromium for dash[testing], with a laptop-sized window and no background traffic."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for argument in (
        "--headless=new", "--window-size=1280,1024", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--no-sandbox",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(argument)
    return options


# Set to a SQLAlchemy URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run on it.
TEST_DATABASE_URL = os.environ.get("OPTIOR_TEST_DATABASE_URL")
SAMPLE_TODAY = date(2026, 11, 29)
# The bundled sample's completed cases (rows with actual times); its other rows are scheduled cases.
SAMPLE_COMPLETED_CASES = sum(1 for row in csv.DictReader(SAMPLE_CSV.open(encoding="utf-8")) if row["Wheels Out"])


def _reset_database(url: str) -> None:
    """Drop every OptiOR table and the schema revision so a test starts empty (PostgreSQL is shared between tests)."""
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(4242)"))
        metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


RETRAIN_WATCH_TIMEOUT_S = 180


def wait_for_background_retrains() -> None:
    """Join the app's retrain watcher threads (each waits for its job's process to end)."""
    for thread in threading.enumerate():
        if thread.name.startswith(WATCH_THREAD_PREFIX):
            thread.join(RETRAIN_WATCH_TIMEOUT_S)


@pytest.fixture(autouse=True)
def _retrains_finish_within_their_test():
    """Wait for retrain jobs a test started in the background (the app's watcher threads) before the next test.

    Otherwise a job still running would record its end in the next test's freshly reset database.
    """
    yield
    wait_for_background_retrains()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        _reset_database(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path / 'optior.db'}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    return Settings(database_url=database_url, model_dir=model_dir, auto_seed=False)


@pytest.fixture
def runtime(settings: Settings) -> Runtime:
    built = build_runtime(settings)
    yield built
    built.db.dispose()


@pytest.fixture
def sample_runtime(runtime: Runtime) -> Runtime:
    """A runtime whose database holds the bundled sample quarter (about 2,500 cases)."""
    import_cases(runtime, source=SAMPLE_CSV, source_name=SAMPLE_CSV.name, today=SAMPLE_TODAY)
    return runtime


@pytest.fixture
def two_site_runtime(runtime: Runtime) -> Runtime:
    """A runtime whose database holds tests/fixtures/sites.py's two hospitals, both with rooms "1" and "2"."""
    import_cases(runtime, source=two_site_csv(), source_name="two-sites.csv", today=SAMPLE_TODAY)
    return runtime


# A knee replacement as the Predict form sends it (text values; no surgeon).
KNEE_CASE = {"service": "Orthopedics", "cpt_code": "27447", "or_suite": "1", "case_date": "2026-12-01",
             "scheduled_start": "07:30", "booked_minutes": "150"}


def _with_fresh_model(runtime: Runtime) -> Iterator[Runtime]:
    """The runtime with an active model trained on its cases and, as in a new process, nothing loaded yet."""
    load_model.cache_clear()
    retrain(runtime)
    yield runtime
    load_model.cache_clear()


@pytest.fixture
def trained(sample_runtime: Runtime) -> Iterator[Runtime]:
    """The sample runtime with an active model."""
    yield from _with_fresh_model(sample_runtime)


@pytest.fixture
def two_site_trained(two_site_runtime: Runtime) -> Iterator[Runtime]:
    """Two sites' history and scheduled day (tests/fixtures/sites.py), with a model trained on them."""
    yield from _with_fresh_model(two_site_runtime)


@pytest.fixture(scope="session")
def optior_app(tmp_path_factory):
    """The one Dash app of the test session (Dash binds @callback to the first app built).

    It runs on its own SQLite file, seeded with the bundled sample and a first trained model; browser
    tests and direct callback tests share it.
    """
    from optior.app import create_app

    root = tmp_path_factory.mktemp("app")
    (root / "models").mkdir()
    app_settings = Settings(database_url=f"sqlite:///{root / 'optior.db'}", model_dir=root / "models", auto_seed=True)
    return create_app(app_settings)
