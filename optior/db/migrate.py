"""Bring a database's schema to the newest Alembic revision, one process at a time, and say what was done.

A new database gets every table from optior.db.schema and is stamped with the newest revision (Alembic's recipe
for new databases: one create_all instead of replaying each revision). A database made before the schema had
revisions (the tables, no alembic_version) is stamped with the baseline and then upgraded, never recreated.
tests/test_migrations.py checks that replaying every revision gives the same schema as create_all.
Revisions that move data read Alembic attributes: "model_dir" (the folder holding this server's model files) and
append what the user should know to "notes".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from optior.db.engine import Database
from optior.db.schema import metadata
from optior.errors import OptiORError

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001_baseline"
# The tables of the baseline: a database holding them and no alembic_version was made by a release before it.
BASELINE_TABLES = frozenset({"cases", "import_batches", "metric_room_months", "metric_summary_state",
                             "model_versions", "predictions", "jobs", "job_locks"})
SCHEMA_LOCK_KEY = 724_467  # any fixed number: the PostgreSQL advisory lock held while checking and migrating

Action = Literal["current", "created", "stamped", "upgraded"]


class SchemaNotRecognised(OptiORError):
    """The database's schema is not one this release can upgrade (unknown revision, or a partial old schema)."""


@dataclass(frozen=True)
class MigrationResult:
    """What migrate() did to which database: the revision before (None: no alembic_version) and after."""

    database: str  # the URL without its password
    action: Action
    before: str | None
    after: str
    notes: tuple[str, ...] = ()  # what the revisions found in the data (e.g. model files they could not carry)

    def summary(self) -> str:
        return " ".join((self._what_was_done(), *self.notes))

    def _what_was_done(self) -> str:
        if self.action == "current":
            return f"Database schema already at {self.after}; nothing to do."
        if self.action == "created":
            return f"Created the database schema and stamped it {self.after}."
        if self.action == "stamped":
            upgraded = f", then upgraded from {BASELINE} to {self.after}" if self.after != BASELINE else ""
            return f"Found tables made before schema revisions: stamped {BASELINE}{upgraded}."
        return f"Upgraded the database schema from {self.before} to {self.after}."


def alembic_config(connection: Connection | None = None, model_dir: Path | None = None) -> Config:
    """Alembic's settings in code (no alembic.ini needed); env.py runs on `connection` when one is given.

    model_dir: where the revision that moves model files into the database looks for them (None: nowhere).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes.update(connection=connection, model_dir=model_dir, notes=[])
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision this code knows."""
    return _scripts().get_current_head()


@contextmanager
def schema_lock(db: Database) -> Iterator[Connection]:
    """A connection in a transaction that no other process can hold at the same time (PostgreSQL: an advisory
    lock; SQLite: its write lock), so workers starting together migrate once and the others then find it done."""
    with db.transaction() as connection:
        if db.is_sqlite:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        yield connection


def _stamp_release_database(connection: Connection, config: Config) -> None:
    missing = BASELINE_TABLES - set(inspect(connection).get_table_names())
    if missing:
        raise SchemaNotRecognised(
            f"The database has some OptiOR tables but not {', '.join(sorted(missing))}; it was not made by a "
            "release this version can upgrade. Restore a backup or start from an empty database.")
    command.stamp(config, BASELINE)
    command.upgrade(config, "head")


def _known(revision: str) -> bool:
    return any(script.revision == revision for script in _scripts().walk_revisions())


def migrate(db: Database, model_dir: Path | None = None) -> MigrationResult:
    """Create, stamp or upgrade the schema to the newest revision (a no-op when it is current).

    model_dir: this server's model folder, whose files an upgrade stores in the database.
    """
    head = head_revision()
    where = db.url.render_as_string(hide_password=True)
    with schema_lock(db) as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        if before == head:
            return MigrationResult(where, "current", before, head)
        config = alembic_config(connection, model_dir)
        notes = config.attributes["notes"]
        if before is None:
            if BASELINE_TABLES & set(inspect(connection).get_table_names()):
                _stamp_release_database(connection, config)
                return MigrationResult(where, "stamped", None, head, tuple(notes))
            metadata.create_all(connection)
            command.stamp(config, "head")
            return MigrationResult(where, "created", None, head)
        if not _known(before):
            raise SchemaNotRecognised(
                f"The database is at schema revision {before}, which this version of OptiOR does not know: a newer "
                "release upgraded it. Run that release, or restore a backup made before the upgrade.")
        command.upgrade(config, "head")
        return MigrationResult(where, "upgraded", before, head, tuple(notes))
