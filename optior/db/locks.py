"""A lock shared by every worker process through the database (one row per held lock)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from optior.config import instance_name
from optior.db.engine import Database
from optior.db.schema import job_locks
from optior.errors import JobAlreadyRunning

STALE_AFTER = timedelta(hours=2)


def process_identity() -> str:
    """This process as "instance:pid" (the instance is the host name unless named), as recorded in lock and job
    rows."""
    return f"{instance_name()}:{os.getpid()}"


def process_is_gone(holder: str) -> bool:
    """True when the holder ran on this server instance and its process no longer exists (killed mid-job).

    Another instance's process ids mean nothing here, so its holders are never judged gone (only stale by age).
    """
    instance, _, pid = holder.rpartition(":")
    if instance != instance_name() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def clear_if_stale(db: Database, name: str) -> None:
    """Delete the lock when its holder is gone or it is older than STALE_AFTER."""
    with db.transaction() as connection:
        row = connection.execute(select(job_locks).where(job_locks.c.name == name)).first()
        if row and (process_is_gone(row.holder) or datetime.now() - row.acquired_at > STALE_AFTER):
            connection.execute(delete(job_locks).where(job_locks.c.name == name))


def current_holder(db: Database, name: str) -> dict | None:
    """Who holds the lock and since when, or None when it is free (stale locks count as free)."""
    clear_if_stale(db, name)
    with db.read() as connection:
        row = connection.execute(select(job_locks).where(job_locks.c.name == name)).first()
    return dict(row._mapping) if row else None


def _try_to_take(db: Database, name: str, what: str) -> bool:
    clear_if_stale(db, name)
    try:
        with db.transaction() as connection:
            connection.execute(
                insert(job_locks).values(name=name, holder=process_identity(), acquired_at=datetime.now(), note=what)
            )
    except IntegrityError:
        return False
    return True


def _release(db: Database, name: str) -> None:
    with db.transaction() as connection:
        connection.execute(delete(job_locks).where(job_locks.c.name == name))


def _busy(what: str) -> JobAlreadyRunning:
    return JobAlreadyRunning(f"A {what} is already running; try again when it has finished.")


@contextmanager
def job_lock(db: Database, name: str, what: str) -> Iterator[None]:
    """Hold the named lock for the block, or raise JobAlreadyRunning if another process has it."""
    if not _try_to_take(db, name, what):
        raise _busy(what)
    try:
        yield
    finally:
        _release(db, name)


@contextmanager
def job_lock_when_free(db: Database, name: str, what: str, *, wait_s: float, poll_s: float = 0.25) -> Iterator[None]:
    """Hold the named lock for the block, first waiting up to wait_s while another process holds it (then
    JobAlreadyRunning): for work that must happen once, where the waiters then find it done."""
    deadline = time.monotonic() + wait_s
    while not _try_to_take(db, name, what):
        if time.monotonic() >= deadline:
            raise _busy(what)
        time.sleep(poll_s)
    try:
        yield
    finally:
        _release(db, name)
