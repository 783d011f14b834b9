"""Import batches: recording each import and listing the history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from optior.db.schema import import_batches


def start_batch(connection: Connection, source: str) -> int:
    result = connection.execute(insert(import_batches).values(source=source[:512], started_at=datetime.now()))
    return int(result.inserted_primary_key[0])


def finish_batch(connection: Connection, batch_id: int, counts: dict[str, int]) -> None:
    """Record the batch's row counts (rows_read, inserted, updated, unchanged, rejected)."""
    connection.execute(
        update(import_batches).where(import_batches.c.id == batch_id).values(finished_at=datetime.now(), **counts)
    )


def recent_batches(connection: Connection, limit: int = 10) -> list[dict]:
    query = select(import_batches).order_by(import_batches.c.id.desc()).limit(limit)
    return [dict(row) for row in connection.execute(query).mappings()]
