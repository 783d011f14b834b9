"""Model versions shared through the database: a server whose model folder lacks a version fetches it, checks its
SHA-256 and caches it; damaged copies are refused with a clear message; start-up stores files the database lacks.

Every test runs on SQLite, and on PostgreSQL when OPTIOR_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import delete, select, update

from optior.db import model_files as model_files_store
from optior.db.schema import model_files
from optior.errors import ModelUnavailable
from optior.ml.model_file import content_sha256
from optior.ml.registry import load_model
from optior.services.prediction import predict_duration
from optior.services.runtime import Runtime, build_runtime
from optior.services.training import active_model_card, retrain
from tests.conftest import KNEE_CASE


@pytest.fixture
def other_server(trained, tmp_path):
    """A second server: the same database, its own (empty) model folder."""
    runtime = build_runtime(trained.settings.with_changes(model_dir=tmp_path / "other-server-models"))
    yield runtime
    runtime.db.dispose()


def _stored(runtime: Runtime, version: str) -> bytes | None:
    with runtime.db.read() as connection:
        return connection.execute(select(model_files.c.content).where(model_files.c.version == version)).scalar()


def _damage_stored_copy(runtime: Runtime, version: str) -> None:
    with runtime.db.transaction() as connection:
        connection.execute(update(model_files).where(model_files.c.version == version)
                           .values(content=b"not the saved model"))


def test_a_retrain_stores_the_model_file_in_the_database_with_its_version(trained):
    card = active_model_card(trained)
    stored = _stored(trained, card["version"])
    assert stored is not None and content_sha256(bytes(stored)) == card["sha256"]
    assert bytes(stored) == (trained.settings.model_dir / card["file_name"]).read_bytes()


def test_a_server_with_an_empty_model_folder_serves_the_active_version_from_the_database(trained, other_server,
                                                                                           monkeypatch):
    monkeypatch.setattr(model_files_store, "FETCH_PIECE_BYTES", 4096)  # fetched in many pieces, as a large model is
    card = active_model_card(trained)
    here = predict_duration(trained, **KNEE_CASE)
    load_model.cache_clear()  # the other server is another process: nothing loaded

    there = predict_duration(other_server, **KNEE_CASE)

    assert there.model_version == here.model_version == card["version"]
    assert there.predicted_minutes == here.predicted_minutes
    cached = other_server.settings.model_dir / card["file_name"]
    assert cached.stat().st_size > 3 * 4096
    assert cached.read_bytes() == (trained.settings.model_dir / card["file_name"]).read_bytes()


def test_a_retrain_on_one_server_is_served_by_the_other_on_its_next_prediction(trained, other_server):
    before = predict_duration(other_server, **KNEE_CASE).model_version
    newer = retrain(trained, force=True)["version"]
    assert predict_duration(other_server, **KNEE_CASE).model_version == newer != before


def test_a_damaged_database_copy_without_a_good_local_file_is_refused_and_a_retrain_recovers(trained, other_server):
    version = active_model_card(trained)["version"]
    _damage_stored_copy(trained, version)
    load_model.cache_clear()
    with pytest.raises(ModelUnavailable, match=f"database's copy of model version {version} does not match its "
                                               "recorded SHA-256.*retrain"):
        predict_duration(other_server, **KNEE_CASE)
    assert not list(other_server.settings.model_dir.glob("*.joblib")), "nothing unchecked was cached"
    assert predict_duration(trained, **KNEE_CASE).model_version == version  # its own copy still matches

    newer = retrain(trained, force=True)["version"]
    assert predict_duration(other_server, **KNEE_CASE).model_version == newer


def test_a_version_with_no_copy_anywhere_says_what_is_missing_and_what_to_do(trained, other_server):
    card = active_model_card(trained)
    with trained.db.transaction() as connection:
        connection.execute(delete(model_files))
    load_model.cache_clear()
    with pytest.raises(ModelUnavailable) as refused:
        predict_duration(other_server, **KNEE_CASE)
    message = refused.value.message
    assert f"{card['file_name']} is missing from {other_server.settings.model_dir}" in message
    assert f"The database holds no copy of version {card['version']} either" in message and "retrain" in message


def test_a_model_folder_that_cannot_be_written_is_named_in_the_refusal(trained, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    server = build_runtime(trained.settings.with_changes(model_dir=blocked / "models"))
    try:
        load_model.cache_clear()
        with pytest.raises(ModelUnavailable, match=f"could not be copied from the database into the model folder "
                                                   f"{blocked / 'models'}.*write access"):
            predict_duration(server, **KNEE_CASE)
    finally:
        server.db.dispose()


def test_a_start_stores_the_files_of_this_server_that_the_database_lacks(trained, caplog):
    card = active_model_card(trained)
    with trained.db.transaction() as connection:
        connection.execute(delete(model_files))

    with caplog.at_level(logging.INFO, logger="optior.services.runtime"):
        restarted = build_runtime(trained.settings)
    restarted.db.dispose()

    assert f"Stored model version {card['version']} from " in caplog.text
    assert content_sha256(bytes(_stored(trained, card["version"]))) == card["sha256"]


def test_a_start_stores_no_altered_file_and_warns_when_the_active_version_has_no_copy(trained, caplog):
    card = active_model_card(trained)
    with trained.db.transaction() as connection:
        connection.execute(delete(model_files))
    path = trained.settings.model_dir / card["file_name"]
    path.write_bytes(path.read_bytes() + b"\0")

    with caplog.at_level(logging.INFO, logger="optior.services.runtime"):
        restarted = build_runtime(trained.settings)
    restarted.db.dispose()

    assert _stored(trained, card["version"]) is None
    assert f"The active model version {card['version']} has no file in the database" in caplog.text
