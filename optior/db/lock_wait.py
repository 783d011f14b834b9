"""Bound how long one transaction waits for another's write lock (SQLite's busy timeout, PostgreSQL's
lock_timeout), for writes that have somewhere better to go than waiting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection


@contextmanager
def short_lock_wait(connection: Connection, milliseconds: int) -> Iterator[Connection]:
    """Within the block, a lock held elsewhere fails the statement after `milliseconds` (DatabaseBusy).

    SQLite's setting belongs to the pooled connection, so it is put back afterwards; PostgreSQL's ends with
    the transaction.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite":
        before = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(milliseconds)}")
        try:
            yield connection
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(before)}")
    else:
        if dialect == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(milliseconds)}ms'")
        yield connection
