"""Writing cases: bulk upsert on encounter id, counting inserted, updated and unchanged rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import ARRAY, Connection, any_, bindparam, delete, exists, func, insert, select, text, update

from optior.db.pg_copy import copy_frame, python_values
from optior.db.schema import cases, scheduled_cases

CASE_COLUMNS = (
    "encounter_id", "case_date", "site", "or_suite", "service", "cpt_code", "cpt_description",
    "booked_minutes", "scheduled_start", "wheels_in", "procedure_start", "procedure_end",
    "wheels_out", "in_room_minutes", "procedure_minutes", "surgeon",
)
_COMPARED = tuple(c for c in CASE_COLUMNS if c != "encounter_id")
_TIMESTAMPS = ("scheduled_start", "wheels_in", "procedure_start", "procedure_end", "wheels_out")
# How SQLAlchemy's SQLite DateTime type stores values, so rows inserted here read back the same way.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
_LOOKUP_BATCH = 5_000


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


def _records(frame: pd.DataFrame) -> list[dict]:
    """Turn a frame into DB-API parameter dicts with Python datetimes and None for missing values."""
    frame = frame.astype(object).where(frame.notna(), None)
    for column in _TIMESTAMPS:
        if column in frame:
            frame[column] = [value.to_pydatetime() if value is not None else None for value in frame[column]]
    return frame.to_dict("records")


def _insert_new(connection: Connection, frame: pd.DataFrame, batch_id: int) -> None:
    """Bulk-insert new cases: PostgreSQL (psycopg) by binary COPY; on SQLite the values go to the driver already
    in SQLAlchemy's storage format (a third of the cost of a large import is otherwise per-value type conversion)."""
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        copy_frame(connection, cases, frame.loc[:, list(CASE_COLUMNS)].assign(batch_id=batch_id))
        return
    if connection.dialect.name != "sqlite":
        connection.execute(insert(cases), [dict(r, batch_id=batch_id) for r in _records(frame)])
        return
    statement = insert(cases).compile(dialect=connection.dialect, column_keys=[*CASE_COLUMNS, "batch_id"])
    connection.exec_driver_sql(str(statement), _sqlite_rows(frame, batch_id))


def _as_text(values: pd.Series, fmt: str) -> list:
    """Dates or timestamps as text in fmt, each distinct value formatted once; None where missing."""
    codes, distinct = pd.factorize(values)  # a missing value gets code -1: the None appended last
    text = np.append(pd.DatetimeIndex(distinct).strftime(fmt).to_numpy(dtype=object), None)
    return text[codes].tolist()


def _sqlite_rows(frame: pd.DataFrame, batch_id: int) -> list[tuple]:
    """The cases as parameter tuples (CASE_COLUMNS, then batch_id) with dates and times as SQLite text."""
    columns = []
    for name in CASE_COLUMNS:
        if name in _TIMESTAMPS:
            columns.append(_as_text(frame[name], _SQLITE_DATETIME))
        elif name == "case_date":
            columns.append(_as_text(frame[name], "%Y-%m-%d"))
        else:
            columns.append(python_values(frame[name]))
    return list(zip(*columns, [batch_id] * len(frame), strict=True))


def _existing(connection: Connection, encounter_ids: list[str]) -> pd.DataFrame:
    """The stored cases with these encounter ids. The ids go as one parameter (PostgreSQL: an array; SQLite: a
    JSON array): an IN list of thousands of parameters costs the client more to render and parse than the
    database takes to answer."""
    if connection.dialect.name == "postgresql":
        matches = cases.c.encounter_id == any_(bindparam("ids", encounter_ids, type_=ARRAY(cases.c.encounter_id.type)))
    elif connection.dialect.name == "sqlite":
        ids = func.json_each(bindparam("ids", json.dumps(encounter_ids))).table_valued("value")
        matches = cases.c.encounter_id.in_(select(ids.c.value))
    else:
        matches = cases.c.encounter_id.in_(encounter_ids)
    query = select(*(cases.c[c] for c in CASE_COLUMNS)).where(matches)
    return pd.DataFrame(connection.execute(query).all(), columns=list(CASE_COLUMNS))


def _differs(new: pd.DataFrame, old: pd.DataFrame) -> np.ndarray:
    """Row-wise: does any stored value differ from the incoming one?"""
    changed = np.zeros(len(new), dtype=bool)
    for column in _COMPARED:
        a, b = new[column].reset_index(drop=True), old[column].reset_index(drop=True)
        if column in ("booked_minutes", "in_room_minutes", "procedure_minutes"):
            same = np.isclose(a.astype(float), b.astype(float))
        elif column in _TIMESTAMPS:
            same = (pd.to_datetime(a) == pd.to_datetime(b)).to_numpy()
        else:
            same = ((a == b) | (a.isna() & b.isna())).to_numpy()
        changed |= ~same
    return changed


def _update(connection: Connection, changed: pd.DataFrame, batch_id: int) -> None:
    """Overwrite the stored cases with these encounter ids with the frame's values."""
    statement = (
        update(cases)
        .where(cases.c.encounter_id == bindparam("match_encounter_id"))
        .values({c: bindparam(c) for c in _COMPARED} | {"batch_id": bindparam("batch_id")})
    )
    rows = [
        {**{k: v for k, v in r.items() if k != "encounter_id"}, "match_encounter_id": r["encounter_id"],
         "batch_id": batch_id}
        for r in _records(changed)
    ]
    connection.execute(statement, rows)


def _upsert_part(connection: Connection, part: pd.DataFrame, batch_id: int) -> UpsertCounts:
    """Upsert one lookup batch: insert the encounters not stored yet, update the stored ones that changed."""
    stored = _existing(connection, part["encounter_id"].tolist())
    is_new = ~part["encounter_id"].isin(stored["encounter_id"])
    fresh = part[is_new]
    if len(fresh):
        _insert_new(connection, fresh, batch_id)
    known = part[~is_new].merge(stored, on="encounter_id", suffixes=("", "_old"), sort=False)
    old = known[[f"{c}_old" for c in _COMPARED]].set_axis(list(_COMPARED), axis=1)
    changed = known.loc[_differs(known[list(_COMPARED)], old), list(CASE_COLUMNS)]
    if len(changed):
        _update(connection, changed, batch_id)
    return UpsertCounts(inserted=len(fresh), updated=len(changed), unchanged=len(known) - len(changed))


def upsert_cases(connection: Connection, frame: pd.DataFrame, batch_id: int, *, all_new: bool = False) -> UpsertCounts:
    """Insert new encounters and update changed ones; identical re-imports change nothing.

    all_new says no stored case shares an encounter id with the frame (say the table was empty when the file's
    import began, and the parser rejects repeated ids): the cases are inserted without looking them up.
    """
    counts = UpsertCounts()
    frame = frame.loc[:, list(CASE_COLUMNS)]
    for start in range(0, len(frame), _LOOKUP_BATCH):
        part = frame.iloc[start : start + _LOOKUP_BATCH]
        if all_new:
            _insert_new(connection, part, batch_id)
            counts.inserted += len(part)
        else:
            counts.add(_upsert_part(connection, part, batch_id))
    return counts


@contextmanager
def indexes_deferred(connection: Connection) -> Iterator[None]:
    """Fill the cases table without its secondary indexes and build them once at the end (SQLite only).

    Building an index from the full table costs less than updating it row by row, so this pays when the table
    starts empty. The drop and the re-creation run in the caller's open transaction (SQLite DDL is transactional):
    an error or a crash leaves the indexes as they were. PostgreSQL keeps its indexes, as dropping one would lock
    the table against readers until the import commits.
    """
    if connection.dialect.name != "sqlite" or not connection.connection.driver_connection.in_transaction:
        yield
        return
    for index in cases.indexes:
        index.drop(connection)
    yield
    for index in cases.indexes:
        index.create(connection)


def delete_all_cases(connection: Connection) -> int:
    """Remove every case (predictions and model versions are kept); return how many were removed (the delete
    says so itself: counting first would read the whole table once more)."""
    return connection.execute(delete(cases)).rowcount


def has_cases(connection: Connection) -> bool:
    """Whether any completed case is stored: one index probe, where a count reads every row (2 s at 10 million on
    PostgreSQL)."""
    return connection.execute(select(exists().select_from(cases))).scalar_one()


def count_cases(connection: Connection) -> int:
    """How many completed cases are stored (scheduled cases are in their own table)."""
    return int(connection.execute(select(func.count()).select_from(cases)).scalar_one())


def refresh_statistics(connection: Connection) -> None:
    """Refresh PostgreSQL's planner statistics of the case tables after an import, as autovacuum would later:
    without them a one-day query on ten million rows is planned for thousands of rows (parallel workers, 10 ms
    where the index needs 1). Samples a fixed number of rows (0.5 s at ten million). SQLite plans without them.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"ANALYZE {cases.name}, {scheduled_cases.name}"))
