"""The prediction log: written without waiting on an import, and read with the case labels a viewer may see.

A prediction's log row is written at once when the database's write lock is free within LOCK_WAIT_MS. When
another transaction holds it (on SQLite, an import holds it for its whole run), the row goes to a bounded
in-process queue that a background thread writes as soon as the lock is free, so the prediction answers in
milliseconds either way. What that costs: the queued prediction has no id yet (prediction_id None), and if
the process ends (crash, kill, restart) before the lock is free, its queued rows are lost — the log is a
record for review, not the prediction itself. When the queue is full, further rows are dropped with a warning
(no label in it). PostgreSQL's inserts do not wait for an import's row locks, so there the queue stays empty.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import weakref
from dataclasses import asdict, dataclass, field
from datetime import datetime

from optior.db.engine import Database
from optior.db.lock_wait import short_lock_wait
from optior.db.model_store import LabelAccess, insert_prediction
from optior.errors import DatabaseBusy, DatabaseUnavailable

log = logging.getLogger(__name__)
LOCK_WAIT_MS = 100
QUEUE_CAPACITY = 10_000  # about 2 KB each: at most ~20 MB while an import holds the lock
RETRY_AFTER_S = 1.0  # the background writer's pause after the database refused a batch
BATCH_ROWS = 500


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the signed-in user's name (None without sign-in) and whether they are an admin.

    A case label may name a patient, so it is shown only to the user who entered it, and to admins.
    """

    name: str | None
    is_admin: bool = False

    @property
    def label_access(self) -> LabelAccess:
        return LabelAccess(owner=self.name, every_owner=self.is_admin)


@dataclass(frozen=True)
class LoggedPrediction:
    """One row of the prediction log (the case label and who entered it stay in the database only)."""

    created_at: datetime
    model_version: str
    inputs: dict
    predicted_minutes: float
    p10_minutes: float
    p90_minutes: float
    notes: list[str]
    case_label: str | None = field(default=None, repr=False)
    entered_by: str | None = None


class PredictionLog:
    """Writes one database's logged predictions: at once if the lock is free, else through the queue."""

    def __init__(self, db: Database, capacity: int = QUEUE_CAPACITY) -> None:
        self._db = db
        self._waiting: queue.Queue[LoggedPrediction] = queue.Queue(maxsize=capacity)
        self._writer: threading.Thread | None = None
        self._start = threading.Lock()

    def record(self, entry: LoggedPrediction) -> int | None:
        """Log the prediction and return its id, or None when it waits in the queue (or was dropped)."""
        try:
            with self._db.transaction() as connection, short_lock_wait(connection, LOCK_WAIT_MS):
                return insert_prediction(connection, **asdict(entry))
        except DatabaseBusy:
            self._enqueue(entry)
            return None

    def pending(self) -> int:
        """How many predictions wait to be written."""
        return self._waiting.unfinished_tasks

    def _enqueue(self, entry: LoggedPrediction) -> None:
        try:
            self._waiting.put_nowait(entry)
        except queue.Full:
            log.warning("prediction log queue full (%d waiting): one prediction was not logged",
                        self._waiting.qsize())
            return
        with self._start:
            if self._writer is None or not self._writer.is_alive():  # first use, or stopped by an unexpected error
                self._writer = threading.Thread(target=self._write_forever, name="prediction-log", daemon=True)
                self._writer.start()

    def _write_forever(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while len(batch) < BATCH_ROWS and not self._waiting.empty():
                batch.append(self._waiting.get_nowait())
            self._write(batch)
            for _ in batch:
                self._waiting.task_done()

    def _write(self, batch: list[LoggedPrediction]) -> None:
        """Write the batch in one transaction, waiting the database's own busy timeout; retried until it is."""
        while True:
            try:
                with self._db.transaction() as connection:
                    for entry in batch:
                        insert_prediction(connection, **asdict(entry))
                return
            except DatabaseUnavailable as error:
                log.warning("%d queued predictions not written yet: %s", len(batch), error.message)
                time.sleep(RETRY_AFTER_S)


_logs: weakref.WeakKeyDictionary[Database, PredictionLog] = weakref.WeakKeyDictionary()
_logs_lock = threading.Lock()


def prediction_log(db: Database) -> PredictionLog:
    """The process's one PredictionLog for this database handle (its queue and writer live with the process)."""
    with _logs_lock:
        if db not in _logs:
            _logs[db] = PredictionLog(db)
        return _logs[db]
