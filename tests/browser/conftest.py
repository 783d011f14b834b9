"""Browser-test fixtures: one OptiOR app per session (Dash binds @callback to the first app built)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optior.config import Settings
from optior.web.app_factory import create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def optior_app(tmp_path_factory):
    """The app on its own SQLite file, seeded with the bundled sample and a first trained model."""
    root = tmp_path_factory.mktemp("browser-app")
    (root / "models").mkdir()
    settings = Settings(database_url=f"sqlite:///{root / 'optior.db'}", model_dir=root / "models", auto_seed=True)
    return create_app(settings)


@pytest.fixture
def open_app(dash_duo, optior_app):
    """Start the app in a thread and return a function that opens a path and waits for the page."""
    dash_duo.start_server(optior_app)

    def visit(path: str, ready_selector: str) -> None:
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element(ready_selector, timeout=20)

    return visit


def save_screenshot(dash_duo, name: str) -> Path:
    """Save a full-width screenshot of the current page under test-artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver = dash_duo.driver
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, max(1024, min(int(height) + 40, 6000)))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1024)
    return path


def console_errors(dash_duo) -> list[dict]:
    """Browser console entries at SEVERE level (errors), excluding none."""
    return [entry for entry in dash_duo.get_logs() or [] if entry.get("level") == "SEVERE"]
