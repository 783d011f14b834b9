"""Importing into the database: upsert, idempotence, strict rollback, replace, nothing half-written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from optior.db.locks import job_lock
from optior.db.schema import cases, import_batches
from optior.errors import InvalidCaseFile, JobAlreadyRunning
from optior.services.importing import import_cases
from tests.test_ingest_parser import PUBLIC_ROWS, public_file

TODAY = date(2026, 11, 29)


def run_import(runtime, text: str, **kwargs):
    return import_cases(runtime, source=text.encode(), source_name="test.csv", today=TODAY, **kwargs)


def stored(runtime) -> dict[str, dict]:
    with runtime.db.read() as connection:
        rows = connection.execute(select(cases)).mappings().all()
    return {row["encounter_id"]: dict(row) for row in rows}


def test_good_rows_are_stored_and_reported(runtime):
    report = run_import(runtime, public_file(*PUBLIC_ROWS))
    assert (report.rows_read, report.inserted, report.rejected) == (2, 2, 0)
    rows = stored(runtime)
    assert rows["20001"]["in_room_minutes"] == 174
    assert rows["20001"]["batch_id"] == report.batch_id


def test_importing_the_same_file_twice_changes_nothing(runtime):
    first = run_import(runtime, public_file(*PUBLIC_ROWS))
    before = stored(runtime)
    second = run_import(runtime, public_file(*PUBLIC_ROWS))
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    after = stored(runtime)
    assert after == before
    assert after["20001"]["batch_id"] == first.batch_id


def test_a_changed_row_is_updated_in_place(runtime):
    run_import(runtime, public_file(*PUBLIC_ROWS))
    changed = PUBLIC_ROWS[0].replace("01/03/22 09:58 AM", "01/03/22 10:08 AM")
    report = run_import(runtime, public_file(changed, PUBLIC_ROWS[1]))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    assert stored(runtime)["20001"]["in_room_minutes"] == 184
    assert len(stored(runtime)) == 2


def test_bad_rows_are_listed_and_good_rows_kept(runtime):
    bad = PUBLIC_ROWS[1].replace(",60,", ",sixty,")
    report = run_import(runtime, public_file(PUBLIC_ROWS[0], bad))
    assert (report.inserted, report.rejected) == (1, 1)
    assert report.rejections[0].line == 3
    assert list(stored(runtime)) == ["20001"]


def test_strict_mode_writes_nothing_when_a_row_is_rejected(runtime):
    run_import(runtime, public_file(PUBLIC_ROWS[1]))
    bad = PUBLIC_ROWS[1].replace("20002", "20003").replace(",60,", ",-1,")
    report = run_import(runtime, public_file(PUBLIC_ROWS[0], bad), strict=True, replace=True)
    assert not report.written and report.rejected == 1 and report.inserted == 0
    assert list(stored(runtime)) == ["20002"]  # neither the replace nor the good row happened
    with runtime.db.read() as connection:
        assert connection.execute(select(func.count()).select_from(import_batches)).scalar_one() == 1


def test_strict_mode_counts_every_bad_row_in_later_chunks(runtime):
    bad = [r.replace(",150,", ",x,").replace(",60,", ",x,") for r in PUBLIC_ROWS]
    report = run_import(runtime, public_file(*bad), strict=True)
    assert report.rejected == 2 and report.rows_read == 2 and not report.written


def test_replace_removes_earlier_cases_in_the_same_transaction(runtime):
    run_import(runtime, public_file(PUBLIC_ROWS[0]))
    report = run_import(runtime, public_file(PUBLIC_ROWS[1]), replace=True)
    assert report.replaced == 1
    assert list(stored(runtime)) == ["20002"]


def test_an_unusable_file_writes_nothing(runtime):
    run_import(runtime, public_file(*PUBLIC_ROWS))
    with pytest.raises(InvalidCaseFile):
        import_cases(runtime, source=b"\x00\x01binary", source_name="x.bin", replace=True)
    assert len(stored(runtime)) == 2


def test_a_second_import_while_one_runs_is_refused(runtime):
    with job_lock(runtime.db, "import", "data import"):
        with pytest.raises(JobAlreadyRunning):
            run_import(runtime, public_file(*PUBLIC_ROWS))
    assert stored(runtime) == {}


def test_the_bundled_sample_imports_cleanly(sample_runtime):
    rows = stored(sample_runtime)
    assert len(rows) > 2000
    assert all(row["surgeon"] for row in rows.values())
