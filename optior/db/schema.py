"""Table definitions: cases, the metric summary, import batches, model versions and files, predictions, job locks."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    column,
)

from optior.db.sql_time import minutes_after_midnight
from optior.vocabulary import DEFAULT_SITE, TEXT_LIMITS

metadata = MetaData()


def _clock_minutes(timestamp: str) -> Computed:
    """A column the database computes and stores: the timestamp as minutes after the case date's midnight.

    Past midnight it goes over 1440. The OR metrics read these instead of parsing timestamps per request.
    """
    return Computed(minutes_after_midnight(column(timestamp), column("case_date")), persisted=True)


def _booking_columns() -> list[Column]:
    """What is known of a case when it is booked: completed and scheduled cases both have these."""
    return [
        Column("encounter_id", String(TEXT_LIMITS["encounter_id"]), nullable=False, unique=True),
        Column("case_date", Date, nullable=False),
        # With or_suite, a room's identity: "OR 1" at two sites is two rooms.
        Column("site", String(TEXT_LIMITS["site"]), nullable=False, server_default=DEFAULT_SITE),
        Column("or_suite", String(TEXT_LIMITS["or_suite"]), nullable=False),
        Column("service", String(TEXT_LIMITS["service"]), nullable=False),
        Column("cpt_code", String(TEXT_LIMITS["cpt_code"]), nullable=False),
        Column("cpt_description", String(TEXT_LIMITS["cpt_description"]), nullable=False, default=""),
        Column("booked_minutes", Float, nullable=False),
        Column("scheduled_start", DateTime, nullable=False),
    ]


# Times are naive local hospital time (see README, "Time zones"); durations are minutes as floats.
cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_booking_columns(),
    Column("wheels_in", DateTime, nullable=False),
    Column("procedure_start", DateTime, nullable=False),
    Column("procedure_end", DateTime, nullable=False),
    Column("wheels_out", DateTime, nullable=False),
    Column("in_room_minutes", Float, nullable=False),
    Column("procedure_minutes", Float, nullable=False),
    Column("surgeon", String(TEXT_LIMITS["surgeon"]), nullable=True),
    Column("batch_id", Integer, ForeignKey("import_batches.id"), nullable=True),
    Column("scheduled_start_minute", Float, _clock_minutes("scheduled_start")),
    Column("wheels_in_minute", Float, _clock_minutes("wheels_in")),
    Column("wheels_out_minute", Float, _clock_minutes("wheels_out")),
    Index("ix_cases_date", "case_date"),
    Index("ix_cases_suite_date", "or_suite", "case_date"),
    Index("ix_cases_site_date", "site", "case_date"),  # a site filter, and the list of sites
    # Lets the model's position-in-day window (ROW_NUMBER by room and day, ordered by schedule) skip a sort.
    Index("ix_cases_site_suite_date_start", "site", "or_suite", "case_date", "scheduled_start"),
    Index("ix_cases_service_date", "service", "case_date"),
    Index("ix_cases_cpt", "cpt_code"),
    Index("ix_cases_batch", "batch_id"),  # an import's summary refresh finds its own batch's rooms and dates
)

# The OR metric summary (optior/services/metric_summary.py): per-room-day sums, per-room-day-service case sums
# (which also answer the dashboard's per-specialty breakdown) and the turnover gaps, kept up to date by every
# import and clear in the same transaction. One row per room and calendar month (`month` is its first day)
# holds that month's data as packed little-endian float64 arrays,
# so an all-data read fetches about 10,000 rows instead of 280,000 room-days; `services` names the services
# the arrays' service indexes refer to, joined by a unit separator (U+001F). Which columns each array holds is in
# metric_summary.py.
metric_room_months = Table(
    "metric_room_months",
    metadata,
    Column("site", String(TEXT_LIMITS["site"]), primary_key=True, server_default=DEFAULT_SITE),
    Column("or_suite", String(TEXT_LIMITS["or_suite"]), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("services", Text, nullable=False),
    # The month summed per week (and staffed or not) and per service: what long ranges read. They come first so
    # that SQLite reads them without walking through the larger per-day arrays stored after them.
    # The month's sums (staffed room-days, the others) and turnover counts per minute value: what the per-room
    # figures of a long range read, when the weeks and services come from metric_site_months.
    Column("month_sums", LargeBinary, nullable=False),
    Column("turnover_counts", LargeBinary, nullable=False),
    Column("room_weeks", LargeBinary, nullable=False),
    Column("service_totals", LargeBinary, nullable=False),
    Column("turnovers", LargeBinary, nullable=False),
    Column("room_days", LargeBinary, nullable=False),
    Column("case_sums", LargeBinary, nullable=False),
    Index("ix_metric_room_months_month", "month"),
)

# The metric summary's rooms of a site summed per month: per week, per service, and turnover counts per week and
# minute value and per service and minute value, so a long range's overall, per-site, per-week and per-service
# figures read one row per site and month instead of one per room and month.
metric_site_months = Table(
    "metric_site_months",
    metadata,
    Column("site", String(TEXT_LIMITS["site"]), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("services", Text, nullable=False),
    Column("site_weeks", LargeBinary, nullable=False),
    Column("service_totals", LargeBinary, nullable=False),
    Column("week_turnovers", LargeBinary, nullable=False),
    Column("service_turnovers", LargeBinary, nullable=False),
    Index("ix_metric_site_months_month", "month"),
)

# Per room, its metric summary's month sums and turnover counts summed from the room's first month through each
# month up to the summary's last (every month, with or without cases), so the per-room figures of a long range
# read two rows per room (the difference of the rows at its ends) and a heatmap by year one row per room and
# year, instead of one per room and month.
metric_room_running = Table(
    "metric_room_running",
    metadata,
    Column("site", String(TEXT_LIMITS["site"]), primary_key=True),
    Column("or_suite", String(TEXT_LIMITS["or_suite"]), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("running_sums", LargeBinary, nullable=False),
    Column("running_turnovers", LargeBinary, nullable=False),
    Index("ix_metric_room_running_month", "month"),
)

# One row: the metric settings (and summary layout) the summary was built with; no row means not built.
metric_summary_state = Table(
    "metric_summary_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("built_at", DateTime, nullable=False),
)

import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(512), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("inserted", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", String(64), nullable=False, unique=True),
    Column("trained_at", DateTime, nullable=False),
    Column("file_name", String(256), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows_used", Integer, nullable=False),
    Column("card", JSON, nullable=False),
    # Holdout charts for the model page (sampled predicted-vs-actual points, residuals by service).
    Column("report", JSON, nullable=True),
    Column("is_active", Boolean, nullable=False, default=False),
    Column("activated_at", DateTime, nullable=True),
)

# Each version's saved model (a joblib pickle), written in the transaction that records the version, so every app
# server can load any version; a server's model folder only caches these. The SHA-256 checked on every load is
# model_versions.sha256. A version recorded before this table existed may lack a row (its file was not found).
model_files = Table(
    "model_files",
    metadata,
    Column("version", String(64), ForeignKey("model_versions.version"), primary_key=True),
    Column("size_bytes", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

predictions = Table(
    "predictions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("predicted_minutes", Float, nullable=False),
    Column("p10_minutes", Float, nullable=False),
    Column("p90_minutes", Float, nullable=False),
    Column("notes", JSON, nullable=False),
    # Optional case label / patient name: stored here only, never logged or exported.
    Column("case_label", String(TEXT_LIMITS["case_label"]), nullable=True),
    # The signed-in user who entered it (NULL without sign-in): only they and admins see its case label.
    Column("entered_by", String(128), nullable=True),
    Index("ix_predictions_created", "created_at"),
)

# Background jobs started from the UI (retrain), so any worker can report their progress and result.
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("holder", String(128), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("message", Text, nullable=True),
    Column("result", JSON, nullable=True),
)

# A row here is a held lock (e.g. "retrain"); shared by every worker process through the database.
job_locks = Table(
    "job_locks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("acquired_at", DateTime, nullable=False),
    Column("note", Text, nullable=True),
)

# Cases still to happen: imported rows without actual times. Kept out of `cases`, so no historical figure, metric
# or training row ever sees them; a later import of the same encounter id with actual times moves it to `cases`.
scheduled_cases = Table(
    "scheduled_cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_booking_columns(),
    Column("surgeon", String(TEXT_LIMITS["surgeon"]), nullable=True),
    Column("batch_id", Integer, ForeignKey("import_batches.id"), nullable=True),
    Index("ix_scheduled_cases_date_site_suite", "case_date", "site", "or_suite", "scheduled_start"),
)

# The model's prediction for a case made when it was imported as scheduled, kept after the case is done, so the
# accuracy of predictions made before a case can be measured. One row per encounter: the latest before the case.
advance_predictions = Table(
    "advance_predictions",
    metadata,
    Column("encounter_id", String(TEXT_LIMITS["encounter_id"]), primary_key=True),
    Column("predicted_at", DateTime, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("p10_minutes", Float, nullable=False),
    Column("p50_minutes", Float, nullable=False),
    Column("p90_minutes", Float, nullable=False),
    # The whole quantile grid: {"levels": [...], "minutes": [...]}.
    Column("quantiles", JSON, nullable=False),
    Index("ix_advance_predictions_predicted_at", "predicted_at"),
)
