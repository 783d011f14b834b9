"""Running totals per room: the metric summary's month sums and turnover counts summed from each room's first
month, so a long range's per-room figures read two rows per room.

The summary is derived data: its rows are deleted with its fingerprint, and the next start (or the first figure
asked for) rebuilds it from the cases with the running totals.

Revision ID: 0008_room_running_totals
Revises: 0007_summary_rollups
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_room_running_totals"
down_revision = "0007_summary_rollups"
branch_labels = None
depends_on = None

# Frozen here: a revision must build the same schema whatever the vocabulary later says.
_SITE_LENGTH = 128
_ROOM_LENGTH = 64


def _forget_summary() -> None:
    op.execute("DELETE FROM metric_room_months")
    op.execute("DELETE FROM metric_site_months")
    op.execute("DELETE FROM metric_summary_state")


def upgrade() -> None:
    _forget_summary()
    op.create_table(
        "metric_room_running",
        sa.Column("site", sa.String(_SITE_LENGTH), primary_key=True),
        sa.Column("or_suite", sa.String(_ROOM_LENGTH), primary_key=True),
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("running_sums", sa.LargeBinary(), nullable=False),
        sa.Column("running_turnovers", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_metric_room_running_month", "metric_room_running", ["month"])


def downgrade() -> None:
    _forget_summary()
    op.drop_index("ix_metric_room_running_month", table_name="metric_room_running")
    op.drop_table("metric_room_running")
