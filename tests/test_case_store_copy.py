"""Bulk insert of new cases (binary COPY on PostgreSQL): values arrive unchanged, one transaction per import."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from optior.db import case_store
from optior.db.schema import cases, import_batches
from optior.services.importing import import_cases

TODAY = date(2026, 11, 29)
HEADER = ["Encounter ID", "Date", "OR Suite", "Service", "CPT Code", "CPT Description", "Booked Time (min)",
          "OR Schedule", "Wheels In", "Start Time", "End Time", "Wheels Out", "Surgeon"]
# Text that a text-format COPY would have to escape, quoting that CSV must undo, and text beyond ASCII
# (tabs and line breaks only in the description: single-line fields refuse them, see optior/text_rules.py).
AWKWARD = [
    ("E 1", "OR 2", "Tab Service", "27\\447", "knee\tleft\nright\r\nboth", "Dr. Tab"),
    ("E\\N", "\\N", "Back\\slash", "\\.", "ends with a backslash\\", "\\N"),
    ('E"3', "'OR' 3", 'Quote "this"', "2,7", 'a "quoted", comma, text; semi', "O'Brien, \"Doc\""),
    ("Ünï-4", "手術室 4", "Ophthalmology 👁", "6698x", "Cataract ✓ façade naïve — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Dr. Zoë Ångström"),
    ("E5", "5", "General", "47562", "", ""),
]


def _file(rows: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for encounter_id, suite, service, cpt, description, surgeon in rows:
        writer.writerow([encounter_id, "2026-01-05", suite, service, cpt, description, "90.5",
                         "2026-01-05T07:30:00", "2026-01-05T07:04:30", "2026-01-05T07:31:15.250",
                         "2026-01-05T09:40:00", "2026-01-06T00:15:00", surgeon])
    return out.getvalue().encode()


def _import(runtime, data: bytes):
    return import_cases(runtime, source=data, source_name="awkward.csv", today=TODAY)


def _stored(runtime) -> dict[str, dict]:
    with runtime.db.read() as connection:
        return {row["encounter_id"]: dict(row) for row in connection.execute(select(cases)).mappings()}


def test_awkward_text_is_stored_exactly_and_a_reimport_finds_it_unchanged(runtime):
    report = _import(runtime, _file(AWKWARD))
    assert (report.inserted, report.rejected) == (len(AWKWARD), 0)
    rows = _stored(runtime)
    for encounter_id, suite, service, cpt, description, surgeon in AWKWARD:
        row = rows[encounter_id]
        assert (row["or_suite"], row["service"], row["cpt_code"]) == (suite, service, cpt)
        assert row["cpt_description"] == description
        assert row["surgeon"] == (surgeon or None)
    again = _import(runtime, _file(AWKWARD))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(AWKWARD))


def test_times_fractions_and_computed_minutes_are_stored(runtime):
    report = _import(runtime, _file(AWKWARD[-1:]))
    row = _stored(runtime)["E5"]
    assert row["case_date"] == date(2026, 1, 5)
    assert row["procedure_start"] == datetime(2026, 1, 5, 7, 31, 15, 250_000)
    assert row["wheels_out"] == datetime(2026, 1, 6, 0, 15)
    assert (row["booked_minutes"], row["in_room_minutes"]) == (90.5, 1030.5)
    assert (row["scheduled_start_minute"], row["wheels_in_minute"], row["wheels_out_minute"]) == (450, 424.5, 1455)
    assert row["batch_id"] == report.batch_id


def test_a_failing_insert_after_earlier_batches_leaves_nothing_behind(runtime, monkeypatch):
    """Batches written before a database error are rolled back with it: the import is all-or-nothing."""
    insert_new, calls = case_store._insert_new, []

    def clash_on_third_batch(connection, frame, batch_id):
        calls.append(len(frame))
        if len(calls) == 3:  # an encounter id the first batch stored: the database refuses it
            frame = frame.assign(encounter_id=AWKWARD[0][0])
        insert_new(connection, frame, batch_id)

    monkeypatch.setattr(case_store, "_LOOKUP_BATCH", 1)
    monkeypatch.setattr(case_store, "_insert_new", clash_on_third_batch)
    with pytest.raises(IntegrityError):
        _import(runtime, _file(AWKWARD))
    with runtime.db.read() as connection:
        assert connection.execute(select(func.count()).select_from(cases)).scalar_one() == 0
        assert connection.execute(select(func.count()).select_from(import_batches)).scalar_one() == 0


def _index_names(runtime) -> set[str]:
    with runtime.db.read() as connection:
        return {index["name"] for index in inspect(connection).get_indexes("cases")}


def test_an_import_into_an_empty_table_leaves_every_index_in_place(runtime):
    """On SQLite the indexes are dropped during such a load and re-created before the commit."""
    expected = {index.name for index in cases.indexes}
    _import(runtime, _file(AWKWARD[:2]))
    assert _index_names(runtime) >= expected
    report = _import(runtime, _file(AWKWARD))  # into a filled table: looked up, not assumed new
    assert (report.inserted, report.unchanged) == (len(AWKWARD) - 2, 2)
    assert _index_names(runtime) >= expected


def test_a_failed_import_into_an_empty_table_keeps_the_indexes(runtime, monkeypatch):
    def refuse(connection, frame, batch_id):
        raise IntegrityError("insert", {}, Exception("refused"))

    monkeypatch.setattr(case_store, "_insert_new", refuse)
    with pytest.raises(IntegrityError):
        _import(runtime, _file(AWKWARD))
    assert _index_names(runtime) >= {index.name for index in cases.indexes}
