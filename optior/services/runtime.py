"""The per-process runtime: settings plus the database handle, passed to every service call."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from optior.config import Settings
from optior.db.engine import Database
from optior.db.migrate import MigrationResult, migrate
from optior.services.model_file_upkeep import store_files_the_database_lacks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """What a service needs to act: the deployment's settings and its database."""

    settings: Settings
    db: Database


def build_runtime(settings: Settings) -> Runtime:
    """Open the database named by settings, bring its schema to the newest revision and store the model files of
    this server's folder that the database lacks, logging what was done.

    Every process does this at start (each gunicorn worker too); one at a time migrates, the rest find it done.
    """
    db = Database(settings.database_url)
    log.info(migrate(db, settings.model_dir).summary())
    runtime = Runtime(settings=settings, db=db)
    for line in store_files_the_database_lacks(runtime):
        log.info(line)
    return runtime


def migrate_database(settings: Settings) -> MigrationResult:
    """Bring the schema of the settings' database to the newest revision and say what was done."""
    db = Database(settings.database_url)
    try:
        return migrate(db, settings.model_dir)
    finally:
        db.dispose()


@contextmanager
def scratch_runtime(settings: Settings, purpose: str) -> Iterator[Runtime]:
    """A runtime on a throw-away SQLite database and model folder, removed afterwards.

    Evaluations of a user's file run here, so they can never change the app's own data or models.
    """
    with tempfile.TemporaryDirectory(prefix=f"optior-{purpose}-") as folder:
        runtime = build_runtime(settings.with_changes(database_url=f"sqlite:///{Path(folder) / f'{purpose}.db'}",
                                                      model_dir=Path(folder) / "models", auto_seed=False))
        try:
            yield runtime
        finally:
            runtime.db.dispose()
