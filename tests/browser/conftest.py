"""Browser-test fixtures: start the session's app (see tests/conftest.py) and save screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash.testing.wait import until

from tests.ports import free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def open_app(dash_duo, optior_app):
    """Start the app in a thread and return a function that opens a path and waits for the page."""
    dash_duo.start_server(optior_app, port=free_port())

    def visit(path: str, ready_selector: str) -> None:
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element(ready_selector, timeout=20)
        until(lambda: dash_duo.redux_state_rqs == [], timeout=20)  # every callback the page fired has answered

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
