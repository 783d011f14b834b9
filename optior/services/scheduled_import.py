"""The scheduled side of an import: rows without actual times are stored apart, completed ones leave the schedule."""

from __future__ import annotations

import logging
from datetime import date, datetime

import pandas as pd

from optior.db.case_store import UpsertCounts
from optior.db.scheduled_store import (
    completed_ids,
    count_scheduled,
    days_without_advance_predictions,
    remove_scheduled,
    save_advance_predictions,
    scheduled_for_day,
    upsert_scheduled,
)
from optior.errors import ModelUnavailable
from optior.ingest.parser import RowProblem
from optior.services.runtime import Runtime

log = logging.getLogger(__name__)


class ScheduledImport:
    """Within an import's transaction: upsert the scheduled rows, and take arriving completed cases off the schedule."""

    def __init__(self, connection, batch_id: int | None) -> None:
        self.connection = connection
        self.batch_id = batch_id
        self.counts = UpsertCounts()
        self.completed_from_schedule = 0
        self.days: set[date] = set()
        self._any_scheduled = count_scheduled(connection) > 0

    def completed(self, frame: pd.DataFrame) -> None:
        """Completed cases of this chunk that were scheduled are removed from the schedule."""
        if self._any_scheduled and len(frame):
            self.completed_from_schedule += remove_scheduled(self.connection, frame["encounter_id"].tolist())

    def scheduled(self, frame: pd.DataFrame) -> list[RowProblem]:
        """Store the chunk's scheduled rows; a row for an already completed case is rejected (listed)."""
        if not len(frame):
            return []
        done = completed_ids(self.connection, frame["encounter_id"].tolist())
        refused = frame["encounter_id"].isin(done)
        problems = [
            RowProblem(int(line), "Encounter ID is already a completed case; a row without actual times cannot "
                                  "replace its actual times")
            for line in frame.loc[refused, "line"]
        ]
        kept = frame[~refused]
        if len(kept):
            self.counts.add(upsert_scheduled(self.connection, kept, self.batch_id))
            self.days.update(kept["case_date"])
            self._any_scheduled = True
        return problems


def record_advance_predictions(runtime: Runtime, days: set[date]) -> int:
    """Predict the scheduled cases of these days with the active model and store the predictions; return how many.

    Every case of a day is predicted (a case's position in its room's day is a feature), with its site. Without a
    usable model nothing is recorded: the import itself stands, and the planner predicts when asked.
    """
    if not days:
        return 0
    # The model libraries take seconds to load: only an import with scheduled cases loads them here.
    from optior.services.case_distribution import case_distributions, quantile_minutes
    from optior.services.day_plan import case_queries, in_room_order
    from optior.services.planning import scheduled_inputs

    cases, queries = [], []
    with runtime.db.read() as connection:
        for day in sorted(days):
            # Positions count within one room (site and name) on one day: "OR 1" at two sites are two rooms.
            in_order = in_room_order(scheduled_inputs(scheduled_for_day(connection, day)))
            cases += in_order
            queries += case_queries(in_order)
    try:
        distributions = case_distributions(runtime, queries)
    except ModelUnavailable:
        return 0
    p10, p50, p90 = (quantile_minutes(distributions, q) for q in (0.1, 0.5, 0.9))
    levels = [float(level) for level in distributions.levels]
    stored = [
        {
            "encounter_id": case.encounter_id, "model_version": distributions.model_version,
            "p10_minutes": float(p10[i]), "p50_minutes": float(p50[i]), "p90_minutes": float(p90[i]),
            "quantiles": {"levels": levels, "minutes": [round(float(m), 2) for m in distributions.minutes[i]]},
        }
        for i, case in enumerate(cases)
    ]
    with runtime.db.transaction() as connection:
        save_advance_predictions(connection, stored, datetime.now())
    log.info("Recorded advance predictions for %d scheduled cases", len(stored))
    return len(stored)


def record_missing_advance_predictions(runtime: Runtime) -> int:
    """Predict the scheduled cases that have no advance prediction yet, e.g. those imported before the first model
    was trained (the bundled sample on a first start); return how many were recorded."""
    with runtime.db.read() as connection:
        days = set(days_without_advance_predictions(connection))
    return record_advance_predictions(runtime, days)


def scheduled_summary(scheduled: int, completed: int) -> str:
    """The import report's sentence about scheduled cases ('' when there were none)."""
    text = ""
    if scheduled:
        text += (f" {scheduled} scheduled {'case' if scheduled == 1 else 'cases'} (no actual times yet) "
                 "stored for planning, apart from the completed cases.")
    if completed:
        text += f" {completed} scheduled {'case' if completed == 1 else 'cases'} now completed."
    return text
