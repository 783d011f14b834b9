"""Import OR case files: one transaction per file, an import report, strict mode and replace."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date
from itertools import chain
from pathlib import Path
from typing import IO

from optior.db.case_store import (
    UpsertCounts,
    delete_all_cases,
    has_cases,
    indexes_deferred,
    refresh_statistics,
    upsert_cases,
)
from optior.db.import_history import finish_batch, start_batch
from optior.db.locks import job_lock
from optior.db.scheduled_store import delete_all_scheduled
from optior.ingest.columns import DISPLAY_NAMES, OPTIONAL_COLUMNS
from optior.ingest.parser import RowProblem, read_case_file
from optior.services.metric_summary import SummaryUpdate
from optior.services.read_ahead import read_ahead
from optior.services.runtime import Runtime
from optior.services.scheduled_import import ScheduledImport, record_advance_predictions, scheduled_summary

MAX_LISTED_PROBLEMS = 1_000


class _StrictAbort(Exception):
    """Raised inside the transaction so a strict import with rejected rows writes nothing."""


@dataclass
class ImportReport:
    """What an import did; `written` is False when nothing was committed (strict mode)."""

    source: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warned: int = 0
    replaced: int = 0
    scheduled: int = 0  # rows without actual times, stored as scheduled cases (new, updated or unchanged)
    scheduled_completed: int = 0  # scheduled cases that arrived with actual times and left the schedule
    advance_predictions: int = 0
    written: bool = True
    strict: bool = False
    batch_id: int | None = None
    rejections: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the file as a whole, e.g. that it was not UTF-8

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """One sentence a user can read after the import."""
        if not self.written:
            return " ".join([
                f"Nothing was imported: {self.rejected} of {self.rows_read} rows were rejected "
                "and strict mode was on.", *self.notes,
            ])
        text = (
            f"Read {self.rows_read} rows: {self.inserted} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected} rejected."
        )
        if self.replaced:
            text += f" {self.replaced} earlier cases were removed first."
        return " ".join([text + scheduled_summary(self.scheduled, self.scheduled_completed), *self.notes])


@dataclass(frozen=True)
class ImportColumns:
    """The header names of an import file, in file order: the ones it must have and the ones it may have."""

    required: tuple[str, ...]
    optional: tuple[str, ...]


def import_columns() -> ImportColumns:
    """The columns an import file is read by, named as the public export's header spells them."""
    return ImportColumns(
        required=tuple(name for column, name in DISPLAY_NAMES.items() if column not in OPTIONAL_COLUMNS),
        optional=tuple(DISPLAY_NAMES[column] for column in OPTIONAL_COLUMNS),
    )


def _keep(listed: list[RowProblem], problems: list[RowProblem]) -> None:
    listed.extend(problems[: MAX_LISTED_PROBLEMS - len(listed)])


def import_cases(
    runtime: Runtime,
    *,
    source: Path | bytes | IO[bytes],
    source_name: str,
    strict: bool = False,
    replace: bool = False,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    size_limit: bool = True,
) -> ImportReport:
    """Validate and upsert a case file in one transaction; an unusable file raises InvalidCaseFile.

    Good rows are kept and bad rows listed in the report, unless strict is set, in which case any
    rejected row rolls back the whole import. replace removes all existing cases first (same transaction).
    The metric summary is brought up to date in the same transaction. size_limit holds the file to
    OPTIOR_MAX_UPLOAD_MB (uploads); the command line turns it off for a file already on the server.
    """
    report = ImportReport(source=source_name, strict=strict)
    max_bytes = runtime.settings.max_upload_bytes if size_limit else None
    parsed = read_case_file(source, max_bytes=max_bytes, today=today)
    first = next(parsed, None)  # an unusable file raises here, before anything is written
    # PostgreSQL's COPY waits for the server without holding Python's lock, so the next chunk is parsed meanwhile;
    # SQLite's inserts take the lock for every row, and a parsing thread would only slow them down.
    with job_lock(runtime.db, "import", "data import"), (
        nullcontext(parsed) if runtime.db.is_sqlite else read_ahead(parsed)
    ) as chunks:
        try:
            with runtime.db.transaction() as connection:
                if replace:
                    report.replaced = delete_all_cases(connection)
                    delete_all_scheduled(connection)
                report.batch_id = start_batch(connection, source_name)
                scheduled = ScheduledImport(connection, report.batch_id)
                empty = not has_cases(connection)
                summary = SummaryUpdate(connection, runtime.settings.metrics, rebuild=empty)
                counts = UpsertCounts()
                with indexes_deferred(connection) if empty else nullcontext():
                    for chunk in chain([first] if first else [], chunks):
                        chunk.rejected.extend(scheduled.scheduled(chunk.scheduled))
                        scheduled.completed(chunk.cases)
                        report.rows_read += chunk.rows_read
                        report.rejected += len(chunk.rejected)
                        report.warned += len(chunk.warnings)
                        report.notes.extend(chunk.notes)
                        _keep(report.rejections, chunk.rejected)
                        _keep(report.warnings, chunk.warnings)
                        if strict and report.rejected:
                            raise _StrictAbort
                        summary.before_upsert(chunk.cases)
                        # Into an empty table every case is new: the parser rejects an encounter id seen before.
                        counts.add(upsert_cases(connection, chunk.cases, report.batch_id, all_new=empty))
                        if progress:
                            progress(report.rows_read)
                summary.finish(report.batch_id)
                report.inserted, report.updated, report.unchanged = counts.inserted, counts.updated, counts.unchanged
                report.scheduled = scheduled.counts.inserted + scheduled.counts.updated + scheduled.counts.unchanged
                report.scheduled_completed = scheduled.completed_from_schedule
                finish_batch(connection, report.batch_id, {
                    "rows_read": report.rows_read, "inserted": report.inserted, "updated": report.updated,
                    "unchanged": report.unchanged, "rejected": report.rejected,
                })
            with runtime.db.transaction() as connection:
                refresh_statistics(connection)
        except _StrictAbort:
            for chunk in chunks:  # finish reading so the report counts every bad row
                report.rows_read += chunk.rows_read
                report.rejected += len(chunk.rejected)
                _keep(report.rejections, chunk.rejected)
            report.written, report.batch_id, report.replaced = False, None, 0
            report.scheduled = report.scheduled_completed = 0
            return report
    report.advance_predictions = record_advance_predictions(runtime, scheduled.days)
    return report
