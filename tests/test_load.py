"""A small run of the load script (benchmarks/load_test.py): users on the dashboard and the predict page while
a retrain and an import happen, with no errors and every imported row there exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.ports import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PORT = free_port()
IMPORT_ROWS = 60


def test_a_short_load_run_has_no_errors_and_loses_or_doubles_no_row(tmp_path):
    result_file = tmp_path / "result.json"
    database = ["--database-url", TEST_DATABASE_URL] if TEST_DATABASE_URL else []
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.load_test", "--users", "3", "--duration", "12", "--think", "0.5",
         "--max-requests", "300", "--import-rows", str(IMPORT_ROWS), "--port", str(PORT), "--json", str(result_file),
         *database],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result_file.exists(), finished.stdout + finished.stderr
    result = json.loads(result_file.read_text())

    assert result["errors"] == 0, result["error_samples"]
    kinds = result["by_kind"]
    for kind in ("GET page /dashboard", "callback dashboard-day-kpis", "callback dashboard-cases-by-service",
                 "GET page /predict", "callback predict-result"):
        assert kinds[kind]["count"] >= 1 and kinds[kind]["errors"] == 0, kind
    assert result["retrain"]["http_status"] == 200 and result["retrain"]["status"] in ("activated", "kept")
    assert (result["import"]["http_status"], result["import"]["inserted"], result["import"]["rejected"]) == (
        200, IMPORT_ROWS, 0)
    rows = result["rows"]
    assert rows["imported"] == IMPORT_ROWS
    assert rows["after"] == rows["before"] + IMPORT_ROWS
    assert rows["days_checked"] >= 1 and rows["wrong_days"] == []
