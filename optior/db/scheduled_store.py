"""Scheduled cases (still to happen) and the predictions made for them in advance: writes and reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select, update

from optior.db.case_store import UpsertCounts
from optior.db.schema import advance_predictions, cases, scheduled_cases

_BATCH = 5_000
_STORED = ("case_date", "site", "or_suite", "service", "cpt_code", "cpt_description", "booked_minutes",
           "scheduled_start", "surgeon")


def _batches(values: Sequence) -> Iterable[Sequence]:
    for first in range(0, len(values), _BATCH):
        yield values[first:first + _BATCH]


def count_scheduled(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(scheduled_cases)).scalar_one())


def completed_ids(connection: Connection, encounter_ids: Sequence[str]) -> set[str]:
    """Which of these encounter ids are already completed cases."""
    found: set[str] = set()
    for batch in _batches(list(encounter_ids)):
        found.update(connection.execute(
            select(cases.c.encounter_id).where(cases.c.encounter_id.in_(batch))
        ).scalars())
    return found


def remove_scheduled(connection: Connection, encounter_ids: Sequence[str]) -> int:
    """Delete the scheduled rows of these encounters (they arrived with actual times); return how many."""
    removed = 0
    for batch in _batches(list(encounter_ids)):
        removed += connection.execute(delete(scheduled_cases).where(scheduled_cases.c.encounter_id.in_(batch))).rowcount
    return removed


def delete_all_scheduled(connection: Connection) -> int:
    return connection.execute(delete(scheduled_cases)).rowcount


def _record(row: dict) -> dict:
    record = {column: row[column] for column in ("encounter_id", *_STORED)}
    record["scheduled_start"] = pd.Timestamp(record["scheduled_start"]).to_pydatetime()
    record["cpt_description"] = record["cpt_description"] or ""
    return record


def upsert_scheduled(connection: Connection, frame: pd.DataFrame, batch_id: int | None) -> UpsertCounts:
    """Insert new scheduled cases and update changed ones, keyed on encounter id."""
    counts = UpsertCounts()
    records = [_record(row) for row in frame.to_dict("records")]
    for batch in _batches(records):
        ids = [record["encounter_id"] for record in batch]
        existing = {
            row.encounter_id: row._mapping
            for row in connection.execute(select(scheduled_cases).where(scheduled_cases.c.encounter_id.in_(ids)))
        }
        new = [dict(record, batch_id=batch_id) for record in batch if record["encounter_id"] not in existing]
        if new:
            connection.execute(insert(scheduled_cases), new)
        counts.inserted += len(new)
        for record in batch:
            stored = existing.get(record["encounter_id"])
            if stored is None:
                continue
            if all(stored[column] == record[column] for column in _STORED):
                counts.unchanged += 1
                continue
            connection.execute(
                update(scheduled_cases).where(scheduled_cases.c.encounter_id == record["encounter_id"])
                .values({**{column: record[column] for column in _STORED}, "batch_id": batch_id})
            )
            counts.updated += 1
    return counts


def scheduled_days(connection: Connection) -> list[date]:
    """The distinct dates with scheduled cases, earliest first."""
    query = select(scheduled_cases.c.case_date).distinct().order_by(scheduled_cases.c.case_date)
    return list(connection.execute(query).scalars())


def days_without_advance_predictions(connection: Connection) -> list[date]:
    """The dates with a scheduled case that has no advance prediction yet (imported before any model existed)."""
    missing = ~select(advance_predictions.c.encounter_id).where(
        advance_predictions.c.encounter_id == scheduled_cases.c.encounter_id
    ).exists()
    query = select(scheduled_cases.c.case_date).where(missing).distinct().order_by(scheduled_cases.c.case_date)
    return list(connection.execute(query).scalars())


def scheduled_for_day(connection: Connection, day: date) -> list[dict]:
    """A day's scheduled cases by site, room and scheduled start (the index's order)."""
    query = (
        select(scheduled_cases.c.encounter_id, *(scheduled_cases.c[column] for column in _STORED))
        .where(scheduled_cases.c.case_date == day)
        .order_by(scheduled_cases.c.site, scheduled_cases.c.or_suite, scheduled_cases.c.scheduled_start,
                  scheduled_cases.c.encounter_id)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def save_advance_predictions(connection: Connection, rows: list[dict], predicted_at: datetime) -> None:
    """Store (replace) each encounter's advance prediction: model_version, p10/p50/p90 and the quantile grid."""
    if not rows:
        return
    ids = [row["encounter_id"] for row in rows]
    for batch in _batches(ids):
        connection.execute(delete(advance_predictions).where(advance_predictions.c.encounter_id.in_(batch)))
    connection.execute(insert(advance_predictions), [dict(row, predicted_at=predicted_at) for row in rows])


def advance_prediction_rows(connection: Connection, encounter_ids: Sequence[str]) -> dict[str, dict]:
    """The stored advance predictions of these encounters, by encounter id."""
    found: dict[str, dict] = {}
    for batch in _batches(list(encounter_ids)):
        query = select(advance_predictions).where(advance_predictions.c.encounter_id.in_(batch))
        found.update({row.encounter_id: dict(row._mapping) for row in connection.execute(query)})
    return found
