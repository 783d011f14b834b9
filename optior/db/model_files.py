"""The saved model of each version, stored in the database so that every app server can load it."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from optior.db.engine import Database
from optior.db.schema import model_files, model_versions

FETCH_PIECE_BYTES = 8 << 20


def insert_model_file(connection: Connection, *, version: str, content: bytes) -> None:
    """Store a version's saved model; call it in the transaction that records the version."""
    connection.execute(insert(model_files).values(version=version, size_bytes=len(content), content=content))


def store_file_unless_stored(db: Database, *, version: str, content: bytes) -> bool:
    """Store the file of a version recorded without one, in its own transaction; False when another process
    stored it first."""
    try:
        with db.transaction() as connection:
            insert_model_file(connection, version=version, content=content)
    except IntegrityError:
        return False
    return True


def stored_size(connection: Connection, version: str) -> int | None:
    """How many bytes the stored model of a version has, or None when the database holds no copy of it."""
    return connection.execute(select(model_files.c.size_bytes).where(model_files.c.version == version)).scalar()


def stored_pieces(connection: Connection, version: str, size: int) -> Iterator[bytes]:
    """A stored model's bytes in pieces of at most FETCH_PIECE_BYTES, so memory stays flat for a large model.

    A whole 100 MB value fetched at once from PostgreSQL took about 570 MB of the process's memory.
    """
    for start in range(0, size, FETCH_PIECE_BYTES):
        piece = func.substr(model_files.c.content, start + 1, FETCH_PIECE_BYTES)  # SQL counts from 1
        yield bytes(connection.execute(select(piece).where(model_files.c.version == version)).scalar())


def versions_without_file(connection: Connection) -> list[dict]:
    """Versions recorded without a stored model (their file was missing when the table was added), oldest first:
    version, file name, SHA-256 and whether it is the active one."""
    query = (
        select(model_versions.c.version, model_versions.c.file_name, model_versions.c.sha256,
               model_versions.c.is_active)
        .outerjoin(model_files, model_files.c.version == model_versions.c.version)
        .where(model_files.c.version.is_(None))
        .order_by(model_versions.c.trained_at, model_versions.c.id)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def versions_past_kept(connection: Connection, kept: int) -> list[dict]:
    """Versions older than the `kept` newest, the active one excepted, newest first: version, file name and whether
    the database still holds its file. Their files are never loaded again (OptiOR activates only new versions;
    older reports are stored apart)."""
    query = (select(model_versions.c.version, model_versions.c.file_name, model_versions.c.is_active,
                    model_files.c.version.is_not(None).label("stored"))
             .outerjoin(model_files, model_files.c.version == model_versions.c.version)
             .order_by(model_versions.c.trained_at.desc(), model_versions.c.id.desc()))
    rows = connection.execute(query).all()
    return [{"version": row.version, "file_name": row.file_name, "stored": row.stored}
            for row in rows[kept:] if not row.is_active]


def delete_files(connection: Connection, versions: list[str]) -> int:
    """Delete the stored files of these versions (their version rows stay); return how many there were."""
    if not versions:
        return 0
    return connection.execute(delete(model_files).where(model_files.c.version.in_(versions))).rowcount
