"""Alembic's environment: runs the revisions on the connection optior.db.migrate hands over, which holds the
schema lock. Run by the `alembic` command (a developer's tool), it opens OPTIOR_DATABASE_URL under the same lock."""

from __future__ import annotations

import logging

from alembic import context
from sqlalchemy import Connection

from optior.db.schema import metadata


def _run(connection: Connection) -> None:
    # render_as_batch: autogenerate writes SQLite-safe batch_alter_table blocks (SQLite cannot ALTER most things).
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_from_command_line() -> None:
    from optior.config import settings_from_env
    from optior.db.engine import Database
    from optior.db.migrate import schema_lock

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = settings_from_env()
    url = settings.database_url
    if context.config.attributes.get("model_dir") is None:  # where the revision moving model files looks
        context.config.attributes["model_dir"] = settings.model_dir
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    db = Database(url)
    try:
        with schema_lock(db) as connection:
            _run(connection)
    finally:
        db.dispose()


handed_over = context.config.attributes.get("connection")
if handed_over is not None:
    _run(handed_over)
else:
    _run_from_command_line()
