"""Fixtures shared by the API tests: the API alone on a plain Flask app with a test runtime."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from optior.api import register_api
from optior.config import SAMPLE_CSV, Settings
from optior.services.importing import import_cases
from optior.services.runtime import Runtime, build_runtime
from optior.services.training import retrain
from optior.web.context import attach_runtime
from tests.conftest import SAMPLE_TODAY, TEST_DATABASE_URL, _reset_database

TOKEN = "s3cret-token=="


def api_app(runtime: Runtime, **setting_changes) -> Flask:
    """A Flask app serving only the API, on runtime's database, with some settings changed."""
    if setting_changes:
        runtime = Runtime(settings=runtime.settings.with_changes(**setting_changes), db=runtime.db)
    app = Flask(__name__)
    attach_runtime(app, runtime)
    register_api(app)
    return app


def bearer(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}


def trained(runtime: Runtime) -> Runtime:
    """Import the sample quarter and train a first model (about 5 s)."""
    import_cases(runtime, source=SAMPLE_CSV, source_name=SAMPLE_CSV.name, today=SAMPLE_TODAY)
    assert retrain(runtime)["status"] == "activated"
    return runtime


@pytest.fixture
def api_client(runtime: Runtime) -> FlaskClient:
    """The API on an empty database, listening on loopback with no admin token."""
    return api_app(runtime).test_client()


@pytest.fixture
def sample_api_client(sample_runtime: Runtime) -> FlaskClient:
    """The API on the bundled sample quarter."""
    return api_app(sample_runtime).test_client()


@pytest.fixture(scope="module")
def trained_runtime(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    """The sample quarter with a trained model in a database and model folder shared by a module's tests.

    A test may change it only if it leaves a usable active model behind. On PostgreSQL the database is shared:
    a module using this must not also use the function-scoped `runtime` fixtures, which empty it.
    """
    folder: Path = tmp_path_factory.mktemp("trained")
    url = TEST_DATABASE_URL or f"sqlite:///{folder / 'optior.db'}"
    if TEST_DATABASE_URL:
        _reset_database(url)
    runtime = build_runtime(Settings(database_url=url, model_dir=folder / "models", auto_seed=False))
    yield trained(runtime)
    runtime.db.dispose()


@pytest.fixture(scope="module")
def trained_api_client(trained_runtime: Runtime) -> FlaskClient:
    return api_app(trained_runtime).test_client()
