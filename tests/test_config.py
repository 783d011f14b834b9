"""Settings travel to child processes (the retrain job) through OPTIOR_* variables unchanged."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from optior.config import MetricSettings, Settings, settings_from_env, settings_to_env


def test_settings_survive_the_trip_through_environment_variables():
    changed = Settings(
        database_url="postgresql+psycopg://optior:secret@db.example/optior", model_dir=Path("/srv/models"),
        host="0.0.0.0", port=9000, debug=True, admin_token="token", users_file=Path("/etc/optior/users"),
        allow_anonymous_network=True, max_upload_mb=0.25, model_files_kept=3, auto_seed=False,
        allowed_hosts=("optior.example.org", "10.0.0.5", "::1"),
        metrics=MetricSettings(staffed_start=time(6, 30), staffed_end=time(18, 45), prime_start=time(7, 5),
                               prime_end=time(16, 0), max_turnover_credit_minutes=45.5, turnover_cutoff_minutes=120,
                               on_time_grace_minutes=0, booking_tolerance_pct=12.5, booking_tolerance_minutes=10),
    )
    for settings in (Settings(), changed):
        assert settings_from_env(settings_to_env(settings)) == settings


@pytest.mark.parametrize("value", ["0", "-2", "ten", "2.5"])
def test_a_number_of_model_files_kept_below_one_or_not_whole_is_refused_with_its_name(value):
    with pytest.raises(ValueError, match=f"OPTIOR_MODEL_FILES_KEPT: '{value}' must be a whole number of at least 1"):
        settings_from_env({"OPTIOR_MODEL_FILES_KEPT": value})
