"""Background job records: create, finish, read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from optior.db.locks import process_identity
from optior.db.schema import jobs


def create_job(connection: Connection, kind: str) -> int:
    """Record a job run by this process, as running."""
    result = connection.execute(
        insert(jobs).values(kind=kind, status="running", holder=process_identity(), started_at=datetime.now())
    )
    return int(result.inserted_primary_key[0])


def claim_job(connection: Connection, job_id: int) -> None:
    """Record this process as the one running the job (the process that created it handed it over)."""
    connection.execute(update(jobs).where(jobs.c.id == job_id).values(holder=process_identity()))


def finish_job(connection: Connection, job_id: int, *, status: str, message: str, result: dict | None) -> None:
    connection.execute(
        update(jobs)
        .where(jobs.c.id == job_id)
        .values(status=status, message=message, result=result, finished_at=datetime.now())
    )


def read_job(connection: Connection, job_id: int) -> dict | None:
    row = connection.execute(select(jobs).where(jobs.c.id == job_id)).first()
    return dict(row._mapping) if row else None
