"""An index on cases.batch_id: an import refreshes the metric summary for the rooms and dates of its own batch,
and without the index finding them scanned every stored case.

Revision ID: 0005_cases_batch_index
Revises: 0004_model_files
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0005_cases_batch_index"
down_revision = "0004_model_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_batch", "cases", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_batch", table_name="cases")
