"""Sites: a health system's hospitals in one installation. Every case and scheduled case gets a site, and a room
is identified by (site, room); the metric summary is keyed the same way.

Rows stored before this revision belong to the default site (vocabulary.DEFAULT_SITE), so an installation with
one hospital answers exactly as before, and its metric summary stays valid (every stored row moves to that site).

Revision ID: 0006_sites
Revises: 0005_cases_batch_index
Create Date: 2026-12-06
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0006_sites"
down_revision = "0005_cases_batch_index"
branch_labels = None
depends_on = None

# Frozen here: a revision must build the same schema whatever the vocabulary later says.
_SITE_LENGTH = 128
_DEFAULT_SITE = "Main"


def _site_column() -> sa.Column:
    return sa.Column("site", sa.String(_SITE_LENGTH), nullable=False, server_default=_DEFAULT_SITE)


def _summary_key(columns: list[str]) -> None:
    """Make `columns` the metric summary's primary key (SQLite cannot alter a key in place: batch copies the table)."""
    if op.get_bind().dialect.name == "sqlite":
        # The copy batch mode builds is declared with the old key; SQLAlchemy warns that the new one replaces it,
        # which is the point of the operation.
        with warnings.catch_warnings(), op.batch_alter_table("metric_room_months", recreate="always") as batch:
            warnings.filterwarnings("ignore", "Table '_alembic_tmp_metric_room_months' specifies columns")
            if "site" in columns:
                batch.add_column(_site_column())
            else:
                batch.drop_column("site")
            batch.create_primary_key("pk_metric_room_months", columns)
        return
    op.drop_constraint("metric_room_months_pkey", "metric_room_months", type_="primary")
    if "site" in columns:
        op.add_column("metric_room_months", _site_column())
    else:
        op.drop_column("metric_room_months", "site")
    op.create_primary_key("metric_room_months_pkey", "metric_room_months", columns)


def upgrade() -> None:
    op.add_column("cases", _site_column())
    op.drop_index("ix_cases_suite_date_start", table_name="cases")
    op.create_index("ix_cases_site_suite_date_start", "cases", ["site", "or_suite", "case_date", "scheduled_start"])
    op.create_index("ix_cases_site_date", "cases", ["site", "case_date"])
    op.add_column("scheduled_cases", _site_column())
    op.drop_index("ix_scheduled_cases_date_suite", table_name="scheduled_cases")
    op.create_index("ix_scheduled_cases_date_site_suite", "scheduled_cases",
                    ["case_date", "site", "or_suite", "scheduled_start"])
    _summary_key(["site", "or_suite", "month"])


def downgrade() -> None:
    _summary_key(["or_suite", "month"])
    op.drop_index("ix_scheduled_cases_date_site_suite", table_name="scheduled_cases")
    op.create_index("ix_scheduled_cases_date_suite", "scheduled_cases", ["case_date", "or_suite", "scheduled_start"])
    op.drop_column("scheduled_cases", "site")
    op.drop_index("ix_cases_site_date", table_name="cases")
    op.drop_index("ix_cases_site_suite_date_start", table_name="cases")
    op.create_index("ix_cases_suite_date_start", "cases", ["or_suite", "case_date", "scheduled_start"])
    op.drop_column("cases", "site")
