"""The database handle: one SQLAlchemy engine per process, transactions (schema: optior.db.migrate)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from optior.errors import DatabaseBusy, DatabaseReadOnly, DatabaseUnavailable

log = logging.getLogger(__name__)
SQLITE_BUSY_TIMEOUT_MS = 30_000
UNAVAILABLE_MESSAGE = "The database cannot be reached right now; OptiOR retries by itself. Try again shortly."
READ_ONLY_SQLSTATE = "25006"  # PostgreSQL: read_only_sql_transaction (a standby, default_transaction_read_only)
BUSY_SQLSTATES = frozenset({"55P03", "40P01"})  # PostgreSQL: lock_timeout reached, deadlock detected
BUSY_MESSAGE = ("The database is busy with another change (an import or retrain holds its write lock); "
                "try again in a moment.")


def read_only_message(detail: str) -> str:
    return (f"The database is read-only: OptiOR can show data but cannot save changes ({detail}). Give the OptiOR "
            "process write access to the database (for SQLite, the file and its folder), then try again.")


def _driver_text(error: DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0][:300] if str(error.orig).strip() else type(error.orig).__name__


def _is_busy(error: DBAPIError) -> bool:
    """Whether another transaction's lock stopped the statement (the database is there, just occupied)."""
    return (str(getattr(error.orig, "sqlite_errorname", "")).startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
            or "database is locked" in str(error.orig)
            or getattr(error.orig, "sqlstate", None) in BUSY_SQLSTATES)


def _is_read_only(error: DBAPIError) -> bool:
    return (str(getattr(error.orig, "sqlite_errorname", "")).startswith("SQLITE_READONLY")
            or getattr(error.orig, "sqlstate", None) == READ_ONLY_SQLSTATE)


@contextmanager
def _unavailable_as_error() -> Iterator[None]:
    """Turn "cannot reach or write the database" driver errors into DatabaseUnavailable, DatabaseReadOnly or
    DatabaseBusy (a write lock held longer than the busy timeout: the database is there, just occupied).

    Only the driver's own message is logged (the engine hides statement parameters too: they may hold a case label).
    """
    try:
        yield
    except DBAPIError as error:
        if _is_read_only(error):
            log.warning("database is read-only: %s", _driver_text(error))
            raise DatabaseReadOnly(read_only_message(_driver_text(error))) from None
        if _is_busy(error):
            log.warning("database busy: %s", _driver_text(error))
            raise DatabaseBusy(BUSY_MESSAGE) from None
        if not isinstance(error, (OperationalError, InterfaceError)):
            raise
        log.warning("database unavailable: %s: %s", type(error.orig).__name__, _driver_text(error))
        raise DatabaseUnavailable(UNAVAILABLE_MESSAGE) from None


def _try_a_sqlite_write(connection: Connection) -> None:
    """Start a write that is rolled back; a read-only file raises, a writer holding the lock counts as writable."""
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        connection.exec_driver_sql("CREATE TABLE optior_write_probe (x INTEGER)")
    except OperationalError as error:
        if not _is_busy(error):
            raise
    finally:
        connection.rollback()
        connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _prepare_sqlite(engine: Engine) -> None:
    """Create the SQLite file's folder and turn on WAL, foreign keys and a busy timeout."""
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):  # file: is an URI (?mode=ro)
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


class Database:
    """Owns the engine for one database URL; every query module takes a Connection from it."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        # hide_parameters: an error's text (logged, shown in tracebacks) never carries the values, e.g. a case label.
        self.engine = create_engine(url, pool_pre_ping=True, future=True, hide_parameters=True)
        if self.is_sqlite:
            _prepare_sqlite(self.engine)

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

    def read_only_reason(self) -> str | None:
        """Why this process cannot write to the database (the message to show), or None when it can.

        SQLite: a write is started and rolled back (a read-only file, mount or ?mode=ro fails it); PostgreSQL:
        the server says whether transactions are read-only. Raises DatabaseUnavailable when it cannot be reached.
        """
        try:
            with self.read() as connection:
                if self.is_sqlite:
                    _try_a_sqlite_write(connection)
                elif self.engine.dialect.name == "postgresql":
                    if connection.execute(text("SHOW transaction_read_only")).scalar() == "on":
                        return read_only_message("the server accepts only read-only transactions")
        except DatabaseReadOnly as error:
            return error.message
        return None

    def dispose(self) -> None:
        self.engine.dispose()
