"""Planning: scheduled cases (imported rows without actual times) and the predictions made for them in advance.

Revision ID: 0003_planning
Revises: 0002_prediction_owner
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_planning"
down_revision = "0002_prediction_owner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("encounter_id", sa.String(64), nullable=False, unique=True),
        sa.Column("case_date", sa.Date(), nullable=False),
        sa.Column("or_suite", sa.String(64), nullable=False),
        sa.Column("service", sa.String(128), nullable=False),
        sa.Column("cpt_code", sa.String(32), nullable=False),
        sa.Column("cpt_description", sa.String(512), nullable=False),
        sa.Column("booked_minutes", sa.Float(), nullable=False),
        sa.Column("scheduled_start", sa.DateTime(), nullable=False),
        sa.Column("surgeon", sa.String(128), nullable=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("import_batches.id"), nullable=True),
    )
    op.create_index("ix_scheduled_cases_date_suite", "scheduled_cases", ["case_date", "or_suite", "scheduled_start"])
    op.create_table(
        "advance_predictions",
        sa.Column("encounter_id", sa.String(64), primary_key=True),
        sa.Column("predicted_at", sa.DateTime(), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("p10_minutes", sa.Float(), nullable=False),
        sa.Column("p50_minutes", sa.Float(), nullable=False),
        sa.Column("p90_minutes", sa.Float(), nullable=False),
        sa.Column("quantiles", sa.JSON(), nullable=False),
    )
    op.create_index("ix_advance_predictions_predicted_at", "advance_predictions", ["predicted_at"])


def downgrade() -> None:
    op.drop_index("ix_advance_predictions_predicted_at", table_name="advance_predictions")
    op.drop_table("advance_predictions")
    op.drop_index("ix_scheduled_cases_date_suite", table_name="scheduled_cases")
    op.drop_table("scheduled_cases")
