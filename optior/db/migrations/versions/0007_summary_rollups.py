"""Metric summary rollups: per room and month the month's sums and turnover counts per minute value, and a table
of the rooms of each site summed per month, so a long range reads rows per site and month for its overall,
per-week and per-service figures.

The summary is derived data: its rows are deleted with its fingerprint, and the next start (or the first figure
asked for) rebuilds it from the cases with the new arrays.

Revision ID: 0007_summary_rollups
Revises: 0006_sites
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_summary_rollups"
down_revision = "0006_sites"
branch_labels = None
depends_on = None

# Frozen here: a revision must build the same schema whatever the vocabulary later says.
_SITE_LENGTH = 128
_ARRAYS = ("month_sums", "turnover_counts")


def _forget_summary() -> None:
    op.execute("DELETE FROM metric_room_months")
    op.execute("DELETE FROM metric_summary_state")


def upgrade() -> None:
    _forget_summary()
    with op.batch_alter_table("metric_room_months") as batch:
        for name in _ARRAYS:
            batch.add_column(sa.Column(name, sa.LargeBinary(), nullable=False))
    op.create_table(
        "metric_site_months",
        sa.Column("site", sa.String(_SITE_LENGTH), primary_key=True),
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("services", sa.Text(), nullable=False),
        sa.Column("site_weeks", sa.LargeBinary(), nullable=False),
        sa.Column("service_totals", sa.LargeBinary(), nullable=False),
        sa.Column("week_turnovers", sa.LargeBinary(), nullable=False),
        sa.Column("service_turnovers", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_metric_site_months_month", "metric_site_months", ["month"])


def downgrade() -> None:
    _forget_summary()
    op.drop_index("ix_metric_site_months_month", table_name="metric_site_months")
    op.drop_table("metric_site_months")
    with op.batch_alter_table("metric_room_months") as batch:
        for name in _ARRAYS:
            batch.drop_column(name)
