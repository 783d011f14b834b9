"""The per-process runtime: settings plus the database handle, passed to every service call."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from optior.config import Settings
from optior.db.engine import Database
from optior.db.migrate import MigrationResult, migrate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """What a service needs to act: the deployment's settings and its database."""

    settings: Settings
    db: Database


def build_runtime(settings: Settings) -> Runtime:
    """Open the database named by settings and bring its schema to the newest revision, logging what was done.

    Every process does this at start (each gunicorn worker too); one at a time migrates, the rest find it done.
    """
    db = Database(settings.database_url)
    log.info(migrate(db).summary())
    return Runtime(settings=settings, db=db)


def migrate_database(settings: Settings) -> MigrationResult:
    """Bring the schema of the settings' database to the newest revision and say what was done."""
    db = Database(settings.database_url)
    try:
        return migrate(db)
    finally:
        db.dispose()
