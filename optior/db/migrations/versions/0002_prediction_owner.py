"""Who entered each logged prediction, so its case label is shown to that user (and admins) only.

Revision ID: 0002_prediction_owner
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_prediction_owner"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Predictions logged before this revision have no owner (NULL), like those made without signing in.
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("entered_by", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("entered_by")
