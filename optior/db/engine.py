"""The database handle: one SQLAlchemy engine per process, schema creation, transactions."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from optior.db.schema import metadata
from optior.errors import DatabaseBusy, DatabaseUnavailable

log = logging.getLogger(__name__)
SCHEMA_LOCK_KEY = 724_467  # any fixed number: the PostgreSQL advisory lock held while creating the schema
UNAVAILABLE_MESSAGE = "The database cannot be reached right now; OptiOR retries by itself. Try again shortly."
BUSY_MESSAGE = "The database is busy with another change (an import or a retrain); try again in a few seconds."
_LOCK_STATES = frozenset({"55P03", "40P01"})  # PostgreSQL: lock not available (lock_timeout), deadlock


def _is_lock(error: OperationalError | InterfaceError) -> bool:
    """Whether the driver error is another transaction's lock, not a database that is down."""
    return getattr(error.orig, "sqlstate", None) in _LOCK_STATES or "database is locked" in str(error.orig)


@contextmanager
def _unavailable_as_error() -> Iterator[None]:
    """Turn "cannot reach or use the database" driver errors into DatabaseUnavailable.

    Only the driver's own message is logged: SQLAlchemy's text would include the statement's
    parameters, which may hold a case label.
    """
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        log.warning("database unavailable: %s: %s", type(error.orig).__name__, str(error.orig).strip()[:300])
        if _is_lock(error):
            raise DatabaseBusy(BUSY_MESSAGE) from None
        raise DatabaseUnavailable(UNAVAILABLE_MESSAGE) from None


def _prepare_sqlite(engine: Engine) -> None:
    """Create the SQLite file's folder and turn on WAL, foreign keys and a busy timeout."""
    database = engine.url.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


class Database:
    """Owns the engine for one database URL; every query module takes a Connection from it."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = create_engine(url, pool_pre_ping=True, future=True)
        if self.is_sqlite:
            _prepare_sqlite(self.engine)

    def create_schema(self) -> None:
        """Create missing tables and indexes; safe on every start, also from several workers starting at once.

        One process at a time checks and creates (PostgreSQL: an advisory lock; SQLite: its write lock), so a
        second one finds the tables made instead of failing on a half-created schema.
        """
        with self.engine.begin() as connection:
            if self.is_sqlite:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            elif self.engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            metadata.create_all(connection, checkfirst=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Yield a connection inside one transaction: committed on success, rolled back on error."""
        with _unavailable_as_error(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Yield a connection for read-only queries."""
        with _unavailable_as_error(), self.engine.connect() as connection:
            yield connection

    def reachable(self) -> bool:
        """True when a trivial query succeeds now."""
        try:
            with self.read() as connection:
                connection.execute(text("SELECT 1"))
        except DatabaseUnavailable:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()
