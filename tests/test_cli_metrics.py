"""python -m optior metrics as a user runs it: a readable table by default, JSON on request, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.metrics_cases import THREE_ROOMS, load

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def metrics_cli(runtime, settings):
    load(runtime, THREE_ROOMS)
    env = dict(os.environ, OPTIOR_DATABASE_URL=settings.database_url, OPTIOR_MODEL_DIR=str(settings.model_dir))

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "optior", "metrics", *args], cwd=ROOT, env=env | extra_env,
            capture_output=True, text=True, timeout=120,
        )

    return run


def test_table_shows_the_figures_and_the_parameters(metrics_cli):
    done = metrics_cli("--start", "2026-07-01", "--end", "2026-07-01")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Staffed 07:00-17:00" in lines[1]
    raw = next(line for line in lines if line.startswith("Raw utilization"))
    assert raw.split()[-2] == "37.8"  # 680 of 1800 staffed minutes
    cases = next(line for line in lines if line.startswith("Cases"))
    assert cases.split()[-2] == "8"
    room_b = next(line for line in lines if line.startswith("B "))
    assert room_b.split()[1:4] == ["4", "63.3", "75.0"]  # cases, raw and adjusted utilization of room B


def test_definitions_flag_prints_each_definition(metrics_cli):
    done = metrics_cli("--start", "2026-07-01", "--end", "2026-07-01", "--definitions")
    assert "gaps over 90 min are idle time" in done.stdout


def test_json_with_room_and_service_filters(metrics_cli):
    done = metrics_cli(
        "--start", "2026-07-01", "--end", "2026-07-01",
        "--room", "B", "--room", "C", "--service", "Orthopedics", "--json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["filters"] == {
        "start": "2026-07-01", "end": "2026-07-01", "rooms": ["B", "C"], "services": ["Orthopedics"], "sites": None,
    }
    assert result["overall"]["cases"] == 4
    assert [row["room"] for row in result["by_room"]] == ["B", "C"]
    assert "raw_utilization_pct" in result["definitions"]


def test_settings_come_from_the_environment(metrics_cli):
    done = metrics_cli("--start", "2026-07-01", "--end", "2026-07-01", "--json", OPTIOR_TURNOVER_CUTOFF_MIN="120")
    result = json.loads(done.stdout)
    assert result["parameters"]["turnover_cutoff_minutes"] == 120
    assert result["overall"]["turnover_count"] == 5  # room B's 105 min gap is now a turnover


def test_a_range_without_cases_says_so(metrics_cli):
    done = metrics_cli("--start", "2026-07-04", "--end", "2026-07-05")
    assert done.returncode == 0
    assert "No cases match" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--start", "2026-07-02", "--end", "2026-07-01"), "end (2026-07-01) is before start"),
        (("--start", "01/07/2026", "--end", "2026-07-01"), "start must be a date"),
    ],
)
def test_bad_dates_exit_with_a_message(metrics_cli, args, message):
    done = metrics_cli(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
