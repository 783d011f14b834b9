"""Each retrain deletes the stored model files past the newest OPTIOR_MODEL_FILES_KEPT versions, never the active
one's, and no server's old copy brings them back (a forest is about 100 MB: a nightly retrain kept every one)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from optior.config import SAMPLE_CSV, Settings
from optior.db.schema import model_files
from optior.services.importing import import_cases
from optior.services.prediction import predict_duration
from optior.services.runtime import Runtime, build_runtime
from optior.services.training import model_versions, retrain
from tests.conftest import KNEE_CASE, SAMPLE_TODAY
from tests.test_training_service import _scramble_training_outcomes


def _runtime_keeping(settings: Settings, kept: int, model_dir: Path | None = None) -> Runtime:
    return build_runtime(replace(settings, model_files_kept=kept, model_dir=model_dir or settings.model_dir))


@pytest.fixture
def keeping_two(settings: Settings):
    runtime = _runtime_keeping(settings, 2)
    import_cases(runtime, source=SAMPLE_CSV, source_name=SAMPLE_CSV.name, today=SAMPLE_TODAY)
    yield runtime
    runtime.db.dispose()


def _stored(runtime: Runtime) -> set[str]:
    with runtime.db.read() as connection:
        return set(connection.execute(select(model_files.c.version)).scalars())


def _in_folder(folder: Path) -> set[str]:
    return {path.stem.removeprefix("model-") for path in folder.glob("model-*.joblib")}


def test_a_retrain_keeps_the_newest_versions_files_and_every_version_stays_listed(keeping_two):
    versions = [retrain(keeping_two, force=True)["version"] for _ in range(4)]

    assert _stored(keeping_two) == set(versions[2:])  # the two newest, the active one among them
    assert _in_folder(keeping_two.settings.model_dir) == set(versions[2:])
    assert not list(keeping_two.settings.model_dir.glob(f"model-{versions[0]}.*"))  # its card too
    assert {summary.version for summary in model_versions(keeping_two)} == set(versions)  # the history stays
    assert predict_duration(keeping_two, **KNEE_CASE).model_version == versions[-1]


def test_the_active_versions_file_is_kept_however_many_newer_versions_were_not_activated(settings):
    runtime = _runtime_keeping(settings, 1)
    import_cases(runtime, source=SAMPLE_CSV, source_name=SAMPLE_CSV.name, today=SAMPLE_TODAY)
    first = retrain(runtime)
    _scramble_training_outcomes(runtime, date.fromisoformat(first["card"]["test_dates"]["first"]))
    worse = [retrain(runtime) for _ in range(2)]  # saved, not activated: worse on the holdout

    assert [result["status"] for result in worse] == ["kept", "kept"]
    assert _stored(runtime) == {first["version"], worse[-1]["version"]}
    assert predict_duration(runtime, **KNEE_CASE).model_version == first["version"]
    runtime.db.dispose()


def test_a_server_with_old_copies_neither_stores_them_again_nor_keeps_them(keeping_two, settings, tmp_path):
    first = retrain(keeping_two, force=True)["version"]
    other_folder = tmp_path / "other-server-models"
    shutil.copytree(keeping_two.settings.model_dir, other_folder)  # the other server had loaded the first version
    newer = [retrain(keeping_two, force=True)["version"] for _ in range(2)]
    assert first not in _stored(keeping_two)

    other_server = _runtime_keeping(settings, 2, other_folder)  # starts: its upkeep runs

    assert _stored(other_server) == set(newer)  # the deleted file was not stored again from its copy
    assert first not in _in_folder(other_folder)
    assert predict_duration(other_server, **KNEE_CASE).model_version == newer[-1]  # fetched from the database
    other_server.db.dispose()
