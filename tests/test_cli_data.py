"""The data commands as a user runs them: python -m optior seed/generate/clear, with exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_ingest_parser import PUBLIC_ROWS, public_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli(settings):
    env = dict(os.environ, OPTIOR_DATABASE_URL=settings.database_url, OPTIOR_MODEL_DIR=str(settings.model_dir))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "optior", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    return run


def test_help_lists_the_commands(cli):
    out = cli("--help").stdout
    for command in ("init", "seed", "generate", "clear"):
        assert command in out


def test_generate_then_seed_then_clear(cli, tmp_path):
    target = tmp_path / "gen.csv"
    generated = cli("generate", "--cases", "300", "--seed", "4", "--start", "2025-01-06", "--out", str(target))
    assert generated.returncode == 0 and target.exists()
    seeded = cli("seed", "--csv", str(target), "--json")
    assert seeded.returncode == 0, seeded.stderr
    assert json.loads(seeded.stdout)["inserted"] == 300
    assert cli("clear").returncode == 2  # refuses without --yes
    cleared = cli("clear", "--yes")
    assert cleared.returncode == 0 and "300" in cleared.stdout


def test_exit_code_1_when_some_rows_are_rejected_and_2_for_unusable_input(cli, tmp_path):
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(public_file(PUBLIC_ROWS[0], PUBLIC_ROWS[1].replace(",60,", ",?,")))
    result = cli("seed", "--csv", str(mixed))
    assert result.returncode == 1
    assert "1 new" in result.stdout and "line 3" in result.stdout
    strict = cli("seed", "--csv", str(mixed), "--strict", "--replace")
    assert strict.returncode == 2 and "Nothing was imported" in strict.stdout
    missing = cli("seed", "--csv", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "No file" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_generate_spreads_the_rooms_over_named_sites(cli, tmp_path):
    target = tmp_path / "sites.csv"
    generated = cli("generate", "--cases", "400", "--rooms", "5", "--sites", "2", "--start", "2025-01-06",
                    "--out", str(target))
    assert generated.returncode == 0, generated.stderr
    header, first = target.read_text().splitlines()[:2]
    assert header.split(",")[2:5] == ["Date", "Site", "OR Suite"] and ",North Campus,1," in first
    too_many = cli("generate", "--rooms", "3", "--sites", "4", "--out", str(tmp_path / "x.csv"))
    assert too_many.returncode == 2 and "3 rooms cannot be spread over 4 sites" in too_many.stderr


def test_generate_rejects_a_bad_date_with_a_message(cli, tmp_path):
    result = cli("generate", "--start", "2025-13-01", "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2 and "not a date" in result.stderr


def test_the_data_commands_start_without_loading_the_model_libraries():
    probe = "import sys; from optior.cli import build_parser; build_parser(); print('sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr
