"""Admin commands as run from a shell: add-user writes a hashed account, purge-labels erases labels."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from optior.services.prediction import predict_duration, recent_predictions
from optior.services.prediction_log import Viewer
from optior.services.users import authenticate, load_users

ROOT = Path(__file__).resolve().parent.parent


def run_cli(settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, OPTIOR_DATABASE_URL=settings.database_url, OPTIOR_MODEL_DIR=str(settings.model_dir))
    return subprocess.run([sys.executable, "-m", "optior", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_add_user_stores_a_hash_that_signs_in(settings, tmp_path):
    path = tmp_path / "users.txt"
    result = run_cli(settings, "add-user", "nurse.lee", "--role", "admin", "--file", str(path),
                     "--password-stdin", stdin="long enough pw\n")
    assert result.returncode == 0, result.stderr
    users = load_users(path)
    assert users["nurse.lee"].is_admin and "long enough pw" not in path.read_text()
    assert authenticate(users, "nurse.lee", "long enough pw")
    short = run_cli(settings, "add-user", "x", "--file", str(path), "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least 10" in short.stderr


def test_purge_labels_erases_every_stored_label(settings, sample_runtime):
    from optior.services import training

    training.retrain(sample_runtime)
    predict_duration(sample_runtime, service="Urology", cpt_code="52000", or_suite="2", case_date="2026-10-05",
                     case_label="Jane Doe, MRN 123")
    assert recent_predictions(sample_runtime, viewer=Viewer(name=None))[0]["case_label"] == "Jane Doe, MRN 123"
    result = run_cli(settings, "purge-labels")
    assert result.returncode == 0 and "1 logged prediction" in result.stdout
    assert recent_predictions(sample_runtime, viewer=Viewer(name=None))[0]["case_label"] is None
