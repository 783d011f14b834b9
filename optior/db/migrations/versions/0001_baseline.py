"""Baseline: the schema as the releases before Alembic created it (cases, metric summary, imports, models, jobs).

Written out table by table, not from optior.db.schema, so that it stays what those releases made while the
schema moves on. A database they made has these tables and no alembic_version; optior.db.migrate stamps it
with this revision instead of running it.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

# Minutes from the case date's midnight to a timestamp, as each database computes and stores them.
_CLOCK_MINUTES = {
    "sqlite": "round((julianday({timestamp}) - julianday(case_date)) * 1440.0, 4)",
    "postgresql": "CAST(EXTRACT(EPOCH FROM ({timestamp} - CAST(case_date AS TIMESTAMP))) / 60.0 AS DOUBLE PRECISION)",
}


def _clock_minutes(timestamp: str) -> sa.Column:
    expression = _CLOCK_MINUTES[op.get_context().dialect.name].format(timestamp=timestamp)
    return sa.Column(f"{timestamp}_minute", sa.Float(), sa.Computed(expression, persisted=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(512), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("encounter_id", sa.String(64), nullable=False, unique=True),
        sa.Column("case_date", sa.Date(), nullable=False),
        sa.Column("or_suite", sa.String(64), nullable=False),
        sa.Column("service", sa.String(128), nullable=False),
        sa.Column("cpt_code", sa.String(32), nullable=False),
        sa.Column("cpt_description", sa.String(512), nullable=False),
        sa.Column("booked_minutes", sa.Float(), nullable=False),
        sa.Column("scheduled_start", sa.DateTime(), nullable=False),
        sa.Column("wheels_in", sa.DateTime(), nullable=False),
        sa.Column("procedure_start", sa.DateTime(), nullable=False),
        sa.Column("procedure_end", sa.DateTime(), nullable=False),
        sa.Column("wheels_out", sa.DateTime(), nullable=False),
        sa.Column("in_room_minutes", sa.Float(), nullable=False),
        sa.Column("procedure_minutes", sa.Float(), nullable=False),
        sa.Column("surgeon", sa.String(128), nullable=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("import_batches.id"), nullable=True),
        _clock_minutes("scheduled_start"),
        _clock_minutes("wheels_in"),
        _clock_minutes("wheels_out"),
    )
    op.create_index("ix_cases_date", "cases", ["case_date"])
    op.create_index("ix_cases_suite_date", "cases", ["or_suite", "case_date"])
    op.create_index("ix_cases_suite_date_start", "cases", ["or_suite", "case_date", "scheduled_start"])
    op.create_index("ix_cases_service_date", "cases", ["service", "case_date"])
    op.create_index("ix_cases_cpt", "cases", ["cpt_code"])
    op.create_table(
        "metric_room_months",
        sa.Column("or_suite", sa.String(64), primary_key=True),
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("services", sa.Text(), nullable=False),
        sa.Column("room_weeks", sa.LargeBinary(), nullable=False),
        sa.Column("service_totals", sa.LargeBinary(), nullable=False),
        sa.Column("turnovers", sa.LargeBinary(), nullable=False),
        sa.Column("room_days", sa.LargeBinary(), nullable=False),
        sa.Column("case_sums", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_metric_room_months_month", "metric_room_months", ["month"])
    op.create_table(
        "metric_summary_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(64), nullable=False, unique=True),
        sa.Column("trained_at", sa.DateTime(), nullable=False),
        sa.Column("file_name", sa.String(256), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows_used", sa.Integer(), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("activated_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("predicted_minutes", sa.Float(), nullable=False),
        sa.Column("p10_minutes", sa.Float(), nullable=False),
        sa.Column("p90_minutes", sa.Float(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("case_label", sa.String(200), nullable=True),
    )
    op.create_index("ix_predictions_created", "predictions", ["created_at"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
    )
    op.create_table(
        "job_locks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    for table in ("job_locks", "jobs", "predictions", "model_versions", "metric_summary_state",
                  "metric_room_months", "cases", "import_batches"):
        op.drop_table(table)
