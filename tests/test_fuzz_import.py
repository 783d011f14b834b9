"""Fuzz the CSV reader: whatever the bytes, it raises InvalidCaseFile or returns rows fit to store, and the
database takes exactly the rows the import report counts."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optior.db.case_store import count_cases
from optior.errors import InvalidCaseFile
from optior.ingest.columns import DISPLAY_NAMES, MULTILINE_COLUMNS, REQUIRED_COLUMNS, TEXT_LIMITS
from optior.ingest.parser import read_case_file
from optior.services.importing import import_cases
from optior.text_rules import forbidden_character
from optior.vocabulary import MAX_MINUTES
from tests.test_ingest_parser import PUBLIC_HEADER, PUBLIC_ROWS

TODAY = date(2026, 11, 29)
LIMIT = 1024 * 1024
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values that are valid somewhere in the format, so generated rows reach the deeper checks.
PLAUSIBLE = [
    "20001", "01/03/22", "2022-01-03", "1", "OR 3", "Orthopedics", "27447", "150", "0", "-5", "1e400", "nan",
    "01/03/22 07:04 AM", "01/03/22 09:58 AM", "2022-01-03T07:04", "2022-01-03 07:04:00", "2022-01-03T07:04+01",
    "2022-01-03T07:04:00Z", "9999-12-31", "0001-01-01T00:00", "12/31/99 11:59 PM", "13/45/22", "24:00",
    '"quoted, with comma"', '"open quote', 'a""b', "", " ", "\x00", "\x0c", "é", "\u2028", "\ufeff",
]
HEADER_NAMES = [*DISPLAY_NAMES.values(), "index", "encounter_id", "Wheels In", "Surgeon", "Ward", ""]


def fields(min_size: int, max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.one_of(st.sampled_from(PLAUSIBLE), st.text(max_size=12)), min_size=min_size,
                    max_size=max_size)


@st.composite
def csv_files(draw) -> bytes:
    """A file shaped like a case CSV: some header, a separator, line endings, rows of odd values."""
    separator = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if draw(st.booleans()):
        header = PUBLIC_HEADER.split(",")
    else:
        header = draw(st.lists(st.sampled_from(HEADER_NAMES), min_size=1, max_size=16))
    rows = draw(st.lists(fields(0, len(header) + 2), max_size=8))
    good = draw(st.lists(st.sampled_from(PUBLIC_ROWS), max_size=2)) if header == PUBLIC_HEADER.split(",") else []
    lines = [separator.join(header), *good, *(separator.join(row) for row in rows)]
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    return text.encode(encoding, errors="replace")


@st.composite
def mutated_files(draw) -> bytes:
    """The two good public rows with a few bytes inserted, replaced or deleted."""
    data = bytearray(("\n".join([PUBLIC_HEADER, *PUBLIC_ROWS]) + "\n").encode())
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "replace", "delete"]))
        chunk = draw(st.binary(min_size=1, max_size=4))
        if action == "insert":
            data[position:position] = chunk
        elif action == "replace":
            data[position:position + len(chunk)] = chunk
        else:
            del data[position:position + len(chunk)]
    return bytes(data)


def read_or_refuse(data: bytes) -> list:
    """The parsed chunks, or [] when the file is refused as a whole with InvalidCaseFile."""
    try:
        return list(read_case_file(data, max_bytes=LIMIT, today=TODAY, chunk_rows=3))
    except InvalidCaseFile as error:
        assert error.message.strip()
        return []


def assert_storable(chunks: list) -> None:
    """Every accepted row has its required values, sane times and text the database takes."""
    lines = []
    for chunk in chunks:
        assert chunk.rows_read >= len(chunk.cases)
        assert len(chunk.cases) + len({p.line for p in chunk.rejected}) == chunk.rows_read
        cases = chunk.cases
        lines += list(cases["line"]) + [p.line for p in chunk.rejected]
        if cases.empty:
            continue
        assert cases[list(REQUIRED_COLUMNS)].notna().all().all()
        assert ((cases["in_room_minutes"] > 0) & (cases["in_room_minutes"] <= MAX_MINUTES)).all()
        assert (cases["procedure_minutes"] >= 0).all()
        assert ((cases["booked_minutes"] > 0) & (cases["booked_minutes"] <= MAX_MINUTES)).all()
        assert (cases["case_date"] <= TODAY).all()
        for column, limit in TEXT_LIMITS.items():
            text = cases[column].dropna().astype(str)
            assert (text.str.len() <= limit).all()
            multiline = column in MULTILINE_COLUMNS
            assert not any(forbidden_character(value, multiline=multiline) for value in text), (
                f"{column} holds a character text_rules forbids")
        for column in ("wheels_in", "wheels_out"):
            assert pd.api.types.is_datetime64_dtype(cases[column])
    assert len(lines) == len(set(lines)), "a line was reported twice"


@FUZZ
@given(st.binary(max_size=600))
def test_arbitrary_bytes_are_read_or_refused_cleanly(data):
    assert_storable(read_or_refuse(data))


@FUZZ
@given(csv_files())
def test_csv_shaped_files_with_odd_values_are_read_or_refused_cleanly(data):
    assert_storable(read_or_refuse(data))


@FUZZ
@given(mutated_files())
def test_a_good_file_with_a_few_bytes_changed_is_read_or_refused_cleanly(data):
    assert_storable(read_or_refuse(data))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.one_of(mutated_files(), csv_files()))
def test_the_database_takes_exactly_what_the_report_counts(runtime, data):
    with runtime.db.read() as connection:
        before = count_cases(connection)
    try:
        report = import_cases(runtime, source=data, source_name="fuzz.csv", today=TODAY)
    except InvalidCaseFile:
        report = None
    with runtime.db.read() as connection:
        after = count_cases(connection)
    assert after == before + (report.inserted if report else 0)
