"""The per-process runtime: settings plus the database handle, passed to every service call."""

from __future__ import annotations

from dataclasses import dataclass

from optior.config import Settings
from optior.db.engine import Database


@dataclass(frozen=True)
class Runtime:
    """What a service needs to act: the deployment's settings and its database."""

    settings: Settings
    db: Database


def build_runtime(settings: Settings) -> Runtime:
    """Open the database named by settings and make sure its schema exists."""
    db = Database(settings.database_url)
    db.create_schema()
    return Runtime(settings=settings, db=db)
