"""Model versions on several app servers: the database holds every version's file, each server's folder caches them.

A retrain records the version and stores its file in one transaction, so no server ever sees a version it cannot
fetch. Loading uses this server's copy when it matches the recorded SHA-256, and otherwise fetches the database's
copy, checks the same SHA-256, writes it into the folder and loads that.
"""

from __future__ import annotations

import logging
from datetime import datetime

from optior.db.model_files import insert_model_file, stored_pieces, stored_size
from optior.db.model_store import activate_version, insert_version
from optior.errors import ModelUnavailable
from optior.ml.model import TrainedModel
from optior.ml.registry import (
    CachedFileUnusable,
    CopyMismatch,
    cache_model_file,
    load_model,
    save_model,
    serialise_model,
    version_path,
)
from optior.services.runtime import Runtime

log = logging.getLogger(__name__)


def record_version(runtime: Runtime, *, model: TrainedModel, version: str, trained_at: datetime, card: dict,
                   rows_used: int, report: dict, activate: bool) -> dict:
    """Save a new version: its file into this server's folder, then the version row and the file's bytes in one
    transaction (activated if asked). Returns the card with the file name and SHA-256."""
    content = serialise_model(model)
    card = save_model(runtime.settings.model_dir, version=version, content=content, card=card)
    with runtime.db.transaction() as connection:
        insert_version(connection, version=version, trained_at=trained_at, file_name=card["file_name"],
                       sha256=card["sha256"], rows_used=rows_used, card=card, report=report)
        insert_model_file(connection, version=version, content=content)
        if activate:
            activate_version(connection, version, at=datetime.now())
    return card


def load_version(runtime: Runtime, row: dict) -> TrainedModel:
    """The model of a recorded version (a model_versions row: version, file_name, sha256), on any server.

    Raises ModelUnavailable when neither this server's folder nor the database has a copy matching the recorded
    SHA-256, or the file cannot be unpickled by this version of OptiOR and scikit-learn.
    """
    path = version_path(runtime.settings.model_dir, row["file_name"])
    try:
        return load_model(path, row["sha256"])
    except CachedFileUnusable as unusable:
        _copy_from_database(runtime, row, unusable)
    return load_model(path, row["sha256"])


def _copy_from_database(runtime: Runtime, row: dict, unusable: CachedFileUnusable) -> None:
    """Replace this server's missing or altered copy of a version's file by the database's, checked on the way."""
    version, folder = row["version"], runtime.settings.model_dir
    with runtime.db.read() as connection:
        size = stored_size(connection, version)
        if size is None:
            known = unusable.details if isinstance(unusable.details, dict) else {}
            raise ModelUnavailable(
                f"{unusable.message} The database holds no copy of version {version} either: its file was not found "
                "when model files were moved into the database.", {**known, "version": version})
        try:
            cache_model_file(folder, row["file_name"], stored_pieces(connection, version, size), row["sha256"])
        except CopyMismatch:
            raise ModelUnavailable(
                f"The database's copy of model version {version} does not match its recorded SHA-256, so it was "
                "not loaded; retrain.", {"version": version}) from None
        except OSError as error:
            raise ModelUnavailable(
                f"Model version {version} could not be copied from the database into the model folder {folder} "
                f"({error.strerror or error}); give OptiOR write access to that folder (OPTIOR_MODEL_DIR), or "
                "retrain.", {"folder": str(folder), "version": version}) from None
    log.info("model version %s copied from the database into %s", version, folder)
