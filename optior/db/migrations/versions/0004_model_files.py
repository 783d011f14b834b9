"""Model files in the database, so every app server can load every version; carries the existing files over.

Each recorded version's file is read from the model folder handed over in the Alembic attribute "model_dir"
(OPTIOR_MODEL_DIR of the process that migrates) and stored only when its SHA-256 matches the recorded one. A version
whose file is missing or altered stays recorded without a stored copy; what was found is appended, one line each,
to the attribute "notes" (optior.db.migrate shows them).

Revision ID: 0004_model_files
Revises: 0003_planning
Create Date: 2026-12-06
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision = "0004_model_files"
down_revision = "0003_planning"
branch_labels = None
depends_on = None

_versions = sa.table("model_versions", sa.column("version", sa.String), sa.column("file_name", sa.String),
                     sa.column("sha256", sa.String), sa.column("trained_at", sa.DateTime))
_files = sa.table("model_files", sa.column("version", sa.String), sa.column("size_bytes", sa.Integer),
                  sa.column("content", sa.LargeBinary))


def _carry_files(model_dir: Path | None, notes: list[str]) -> None:
    """Store each recorded version's file whose SHA-256 matches; say which versions were left without one."""
    connection = op.get_bind()
    stored, missing, altered = [], [], []
    for version, file_name, sha256 in connection.execute(
            sa.select(_versions.c.version, _versions.c.file_name, _versions.c.sha256)
            .order_by(_versions.c.trained_at)):
        path = model_dir / Path(file_name).name if model_dir else None
        try:
            content = path.read_bytes() if path else None
        except OSError:  # missing, unreadable, or a folder
            content = None
        if content is None:
            missing.append(version)
        elif hashlib.sha256(content).hexdigest() != sha256:
            altered.append(version)
        else:
            connection.execute(sa.insert(_files).values(version=version, size_bytes=len(content), content=content))
            stored.append(version)
    where = f"the model folder {model_dir}" if model_dir else "no model folder (none was given)"
    if stored:
        notes.append(f"Stored {len(stored)} model file(s) from {where} in the database.")
    if missing:
        notes.append(f"Model version(s) {', '.join(missing)}: no readable file in {where}; they stay listed but cannot "
                     "be loaded until their file is copied into a server's model folder (that server stores it at "
                     "its next start) or a retrain replaces them.")
    if altered:
        notes.append(f"Model version(s) {', '.join(altered)}: the file in {where} does not match its recorded "
                     "SHA-256, so it was not stored; restore the original file or retrain.")


def upgrade() -> None:
    op.create_table(
        "model_files",
        sa.Column("version", sa.String(64), sa.ForeignKey("model_versions.version"), primary_key=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
    )
    attributes = context.config.attributes
    model_dir = attributes.get("model_dir")
    _carry_files(Path(model_dir) if model_dir else None, attributes.setdefault("notes", []))


def downgrade() -> None:
    # The files themselves stay in the model folders that held them; only the database copies go.
    op.drop_table("model_files")
