"""The text of an imported file: its encoding, characters no field may hold, and quotes left open."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from optior.db.schema import cases
from optior.errors import InvalidCaseFile
from optior.ingest.parser import read_case_file
from optior.services.importing import import_cases
from tests.test_ingest_parser import LIMIT, PUBLIC_HEADER, PUBLIC_ROWS, TODAY, parse

HEADER = PUBLIC_HEADER.split(",") + ["Surgeon"]
BASE = next(csv.reader([PUBLIC_ROWS[0]])) + ["Dr. A"]


def rows_text(count: int, *, start: int = 30000, **changes: str) -> list[str]:
    """count copies of the first public row (as CSV lines) under new Encounter IDs, fields changed by name."""
    lines = []
    for number in range(start, start + count):
        fields = dict(zip(HEADER, BASE, strict=True)) | {"Encounter ID": str(number)} | changes
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow([fields[name] for name in HEADER])
        lines.append(buffer.getvalue().removesuffix("\r\n"))
    return lines


def file_text(*lines: str) -> str:
    return "\r\n".join([",".join(HEADER), *lines]) + "\r\n"


def stored(runtime, column: str) -> list[str]:
    with runtime.db.read() as connection:
        return list(connection.execute(select(cases.c[column]).order_by(cases.c.encounter_id)).scalars())


# Encoding ------------------------------------------------------------------------------------------------


def test_a_windows_1252_file_is_read_with_its_letters_and_a_note_in_the_report(runtime):
    data = file_text(*rows_text(2, Service="Orthopädie", Surgeon="Dr. Muñoz – “Chef”")).encode("cp1252")

    report = import_cases(runtime, source=data, source_name="excel.csv", today=TODAY)

    assert report.inserted == 2 and report.rejected == 0
    assert stored(runtime, "service") == ["Orthopädie", "Orthopädie"]
    assert stored(runtime, "surgeon") == ["Dr. Muñoz – “Chef”"] * 2
    assert "not UTF-8" in report.summary() and "Windows-1252" in report.summary()
    assert report.to_dict()["notes"] == report.notes != []


def test_a_utf8_file_with_a_bom_gets_no_note_and_its_letters_unchanged(runtime):
    data = ("\ufeff" + file_text(*rows_text(1, Service="Orthopädie"))).encode()
    report = import_cases(runtime, source=data, source_name="utf8.csv", today=TODAY)
    assert report.notes == [] and "UTF-8" not in report.summary()
    assert stored(runtime, "service") == ["Orthopädie"]


def test_the_encoding_is_decided_for_the_whole_file_not_per_chunk(runtime):
    # The only non-ASCII byte comes after the first chunks and far past the first 64 KB the header is read from.
    lines = rows_text(2_000) + rows_text(1, start=40000, Service="Gynäkologie")
    data = file_text(*lines).encode("cp1252")
    assert len(data) > 256 * 1024

    chunks = list(read_case_file(data, max_bytes=LIMIT, today=TODAY, chunk_rows=500))

    services = [value for chunk in chunks for value in chunk.cases["service"]]
    assert services[-1] == "Gynäkologie"
    assert not any("\ufffd" in value for value in services)
    assert chunks[0].notes and all(not chunk.notes for chunk in chunks[1:])


def test_text_the_file_really_holds_is_kept_even_a_replacement_character(runtime):
    data = file_text(*rows_text(1, Service="Ortho\ufffdpedics")).encode()
    import_cases(runtime, source=data, source_name="odd.csv", today=TODAY)
    assert stored(runtime, "service") == ["Ortho\ufffdpedics"]


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        pytest.param(file_text(*rows_text(3)).encode() + b"30009,M\x81ller\r\n", ("neither UTF-8 nor Windows-1252",
                                                                                 "line 5", "0x81"), id="neither"),
        pytest.param(file_text(*rows_text(1, Service="Orthopädie")).encode() + "Gynäkologie\r\n".encode("cp1252"),
                     ("mixes UTF-8", "line 3"), id="mixed UTF-8 and Windows-1252"),
    ],
)
def test_a_file_in_no_single_known_encoding_is_refused_saying_why_and_nothing_is_stored(runtime, data, needles):
    with pytest.raises(InvalidCaseFile) as refused:
        import_cases(runtime, source=data, source_name="bad.csv", today=TODAY)
    for needle in needles:
        assert needle in refused.value.message
    assert stored(runtime, "service") == []


def test_a_stream_that_cannot_seek_is_read_in_its_one_encoding():
    class Unseekable(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            return self.inner.readinto(buffer)

    data = file_text(*rows_text(1, Service="Orthopädie")).encode("cp1252")
    [chunk] = read_case_file(io.BufferedReader(Unseekable(data)), max_bytes=LIMIT, today=TODAY)
    assert list(chunk.cases["service"]) == ["Orthopädie"] and chunk.notes


# Characters no field may hold ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("Service", "Ortho\x1b[31mpedics", "a control character (U+001B)"),
        ("Surgeon", "Dr. A\x07", "a control character (U+0007)"),
        ("OR Suite", "O\x85R 1", "a control character (U+0085)"),
        ("CPT Description", "knee\u202egpj.exe", "a bidirectional-text control (U+202E)"),
        ("Surgeon", "Dr. \u2066A\u2069", "a bidirectional-text control (U+2066)"),
        ("Encounter ID", "30\x7f1", "a control character (U+007F)"),
        ("Service", "Ortho\npedics", "a line break"),
        ("CPT Code", "274\t47", "a tab"),
    ],
)
def test_a_row_with_a_forbidden_character_is_rejected_naming_its_line_and_field(field, value, named):
    lines = rows_text(1) + rows_text(1, start=31000, **{field: value}) + rows_text(1, start=32000)
    cases_read, rejected, _ = parse(file_text(*lines))
    assert list(cases_read["encounter_id"]) == ["30000", "32000"]
    [problem] = rejected
    assert problem.line == 3
    assert problem.reason.endswith(f"{field} contains {named}")


def test_a_description_may_span_lines_and_hold_tabs():
    cases_read, rejected, _ = parse(file_text(*rows_text(1, **{"CPT Description": "Arthroplasty,\nknee\ttotal"})))
    assert rejected == [] and cases_read.iloc[0]["cpt_description"] == "Arthroplasty,\nknee\ttotal"


# Quotes left open ----------------------------------------------------------------------------------------


def test_an_unclosed_quote_in_an_early_row_names_its_line_and_column_not_the_header():
    text = file_text(*rows_text(2), "0,30009,01/03/22,1,\"Orthopedics,27447\r\n", *rows_text(2, start=31000))
    with pytest.raises(InvalidCaseFile) as refused:
        parse(text.replace('"Arthroplasty, knee, total"', "Arthroplasty"))
    message = refused.value.message
    assert "header" not in message
    assert message.startswith("Line 4:") and "Service" in message and "not closed" in message
    assert refused.value.details == {"line": 4, "field": "Service"}


def test_an_unclosed_quote_far_into_the_file_still_names_its_line(runtime):
    good = [line.replace('"Arthroplasty, knee, total"', "Arthroplasty") for line in rows_text(30_000)]
    text = file_text(*good, "", "0,39999,01/03/22,1,Orthopedics,27447,\"Arthroplasty, knee\r\n", *good[:3])
    with pytest.raises(InvalidCaseFile) as refused:
        import_cases(runtime, source=text.encode(), source_name="long.csv", today=TODAY)
    assert refused.value.message.startswith("Line 30003:")
    assert "CPT Description" in refused.value.message and "not closed" in refused.value.message
    assert stored(runtime, "service") == [], "nothing of the file is kept"


@pytest.mark.parametrize("value", ["Ortho\x1bpedics", "Ortho\x07", "Uro\u202elogy", "Uro\u2067logy", "Uro\x9blogy"])
def test_the_api_and_the_predict_form_refuse_what_the_import_refuses(runtime, value):
    from optior.api.params import parse_text
    from optior.errors import InvalidInput
    from optior.services.prediction import predict_duration

    rejected = parse(file_text(*rows_text(1, Service=value)))[1]
    assert rejected and "Service contains" in rejected[0].reason
    with pytest.raises(InvalidInput) as api_refusal:
        parse_text(value, "service")
    with pytest.raises(InvalidInput) as form_refusal:
        predict_duration(runtime, service=value, cpt_code="27447", or_suite="1", case_date="2026-07-01")
    assert api_refusal.value.details["field"] == form_refusal.value.details["field"] == "service"
    named = rejected[0].reason.removeprefix("Service contains ")
    assert named in api_refusal.value.message and named in form_refusal.value.message


def test_a_quote_closed_only_lines_later_rejects_the_row_saying_where_it_ran_to():
    good = [line.replace('"Arthroplasty, knee, total"', "Arthroplasty") for line in rows_text(3)]
    # The quote opened in Date closes at the quoted description two lines on, swallowing the row between.
    text = file_text(good[0], '0,30009,"01/03/22,1,Orthopedics', good[1], rows_text(1, start=31000)[0], good[2])
    cases_read, rejected, _ = parse(text)
    [problem] = rejected
    assert problem.line == 3
    assert problem.reason.startswith("The row runs on to line 5 inside a quoted value (is a closing quote missing?)")
    assert list(cases_read["encounter_id"]) == ["30000", "30002"]


@pytest.mark.parametrize("block", [43, 86, 57, 64])  # the letter at 171 ends, starts or is inside a block
def test_a_letter_on_the_boundary_of_the_encoding_check_blocks_is_judged_like_any_other(monkeypatch, block):
    from optior.ingest import parser

    monkeypatch.setattr(parser, "_SCAN_BYTES", block)
    text = file_text(*rows_text(1, Service="Orthopädie")) + "x" * 200
    for encoding in ("cp1252", "utf-8"):
        data = text.encode(encoding)
        [chunk] = read_case_file(data, max_bytes=LIMIT, today=TODAY)
        assert list(chunk.cases["service"]) == ["Orthopädie"]
        assert bool(chunk.notes) == (encoding == "cp1252")
