"""The CSV reader: the public format, ISO dates, header variants, and every kind of bad row or file."""

from __future__ import annotations

import tracemalloc
from datetime import date, datetime

import pytest

from optior.errors import InvalidCaseFile
from optior.ingest.generator import generate_cases
from optior.ingest.parser import read_case_file

PUBLIC_HEADER = (
    "index,Encounter ID,Date,OR Suite,Service,CPT Code,CPT Description,Booked Time (min),"
    "OR Schedule,Wheels In,Start Time,End Time,Wheels Out"
)
# Two rows exactly as the public 2022_Q1_OR_Utilization.csv writes them (made-up values).
PUBLIC_ROWS = [
    '0,20001,01/03/22,1,Orthopedics,27447,"Arthroplasty, knee, total",150,01/03/22 07:00 AM,'
    "01/03/22 07:04 AM,01/03/22 07:31 AM,01/03/22 09:40 AM,01/03/22 09:58 AM",
    '1,20002,01/03/22,1,Orthopedics,29881,"Arthroscopy, knee, with meniscectomy",60,01/03/22 10:15 AM,'
    "01/03/22 10:22 AM,01/03/22 10:41 AM,01/03/22 11:20 AM,01/03/22 11:31 AM",
]
TODAY = date(2026, 11, 29)
LIMIT = 50 * 1024 * 1024


def parse(text: str | bytes, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    chunks = list(read_case_file(data, max_bytes=kwargs.pop("max_bytes", LIMIT), today=TODAY, **kwargs))
    cases = [c.cases for c in chunks]
    rejected = [p for c in chunks for p in c.rejected]
    warnings = [p for c in chunks for p in c.warnings]
    import pandas as pd

    return (pd.concat(cases, ignore_index=True) if cases else pd.DataFrame()), rejected, warnings


def public_file(*rows: str) -> str:
    return "\n".join([PUBLIC_HEADER, *rows]) + "\n"


def test_public_format_rows_are_read_with_derived_durations():
    cases, rejected, warnings = parse(public_file(*PUBLIC_ROWS))
    assert rejected == [] and warnings == []
    first = cases.iloc[0]
    assert first["encounter_id"] == "20001"
    assert first["case_date"] == date(2022, 1, 3)
    assert first["cpt_description"] == "Arthroplasty, knee, total"
    assert first["wheels_in"] == datetime(2022, 1, 3, 7, 4)
    assert first["in_room_minutes"] == 174  # 07:04 -> 09:58
    assert first["procedure_minutes"] == 129  # 07:31 -> 09:40
    assert cases.iloc[1]["booked_minutes"] == 60.0
    assert cases["surgeon"].isna().all()


def test_iso_dates_header_variants_extra_columns_and_surgeon_are_accepted():
    text = (
        "encounter_id; DATE ;or suite;SERVICE;cpt code;Booked Time (min);or schedule;wheels in;"
        "start time;end time;wheels out;Surgeon;Ward\r\n"
        "A-1;2024-02-05;OR 3;Urology;52000;30;2024-02-05 08:00;2024-02-05T08:05:00;"
        "2024-02-05 08:15;2024-02-05 08:40;2024-02-05 08:50;Dr. Q;5B\r\n"
    )
    cases, rejected, _ = parse(text.encode("utf-8-sig"))
    assert rejected == []
    row = cases.iloc[0]
    assert (row["or_suite"], row["surgeon"], row["cpt_description"]) == ("OR 3", "Dr. Q", "")
    assert row["in_room_minutes"] == 45
    assert "Ward" not in cases.columns


@pytest.mark.parametrize(
    ("replace", "by", "reason"),
    [
        ("01/03/22 09:58 AM", "01/03/22 06:58 AM", "Wheels Out is not after Wheels In"),
        (",150,", ",abc,", "Booked Time (min) is not a number"),
        (",150,", ",-5,", "Booked Time (min) must be positive"),
        (",150,", ",,", "Booked Time (min) is empty"),
        ("01/03/22 07:04 AM", "yesterday", "Wheels In is not a date and time"),
        ("01/03/22,1,", "13/45/22,1,", "Date is not a date"),
        ("01/03/22,1,", "01/03/27,1,", "Date is in the future"),
        ("01/03/22 09:58 AM", "01/04/22 09:58 AM", "in-room time is over 24 hours"),
        ("01/03/22 09:40 AM", "01/03/22 07:10 AM", "End Time is before Start Time"),
        (",Orthopedics,", ",,", "Service is empty"),
        ("01/03/22 07:04 AM", "2022-01-03T07:04:00+01:00", "time-zone offset"),
    ],
)
def test_each_kind_of_bad_row_is_rejected_with_its_line_and_reason(replace, by, reason):
    bad = PUBLIC_ROWS[0].replace(replace, by, 1)
    cases, rejected, _ = parse(public_file(PUBLIC_ROWS[1], bad))
    assert list(cases["encounter_id"]) == ["20002"]
    assert len(rejected) == 1
    assert rejected[0].line == 3
    assert reason in rejected[0].reason


def test_procedure_outside_the_in_room_interval_is_kept_with_a_warning():
    row = PUBLIC_ROWS[0].replace("01/03/22 07:31 AM", "01/03/22 06:50 AM")
    cases, rejected, warnings = parse(public_file(row))
    assert len(cases) == 1 and rejected == []
    assert warnings[0].line == 2 and "outside wheels in/out" in warnings[0].reason


def test_duplicate_encounter_in_one_file_names_the_first_line():
    cases, rejected, _ = parse(public_file(PUBLIC_ROWS[0], PUBLIC_ROWS[1], PUBLIC_ROWS[0]))
    assert len(cases) == 2
    assert rejected[0].line == 4 and "already appears on line 2" in rejected[0].reason


def test_duplicates_are_found_across_chunks():
    cases, rejected, _ = parse(public_file(PUBLIC_ROWS[0], PUBLIC_ROWS[1], PUBLIC_ROWS[0]), chunk_rows=1)
    assert len(cases) == 2 and rejected[0].line == 4


def test_repeats_across_chunks_name_the_first_line_whatever_the_id_looks_like():
    ids = ["7", "20001", "Ü-1", "20001x", "", "20001", "7", "Ü-1", "Ü-2", "20001x"]
    rows = [PUBLIC_ROWS[0].replace(",20001,", f",{encounter},", 1) for encounter in ids]
    _, rejected, _ = parse(public_file(*rows), chunk_rows=3)
    repeats = {problem.line: problem.reason for problem in rejected}
    assert repeats.pop(6) == "Encounter ID is empty"  # empty, not a repeat
    assert {line: reason.removeprefix("Encounter ID already appears on line ") for line, reason in repeats.items()} \
        == {7: "3", 8: "2", 9: "4", 11: "5"}


def test_the_ids_remembered_for_repeats_take_little_memory_per_row():
    # A dict of Python strings took about 150 bytes a row: 1.5 GB for a 10-million-row file.
    frame = generate_cases(24_000, seed=3, start=date(2020, 1, 6), rooms=30)
    chunks = read_case_file(frame.to_csv(index=False).encode(), max_bytes=None, today=TODAY, chunk_rows=4_000)
    tracemalloc.start()
    try:
        next(chunks), next(chunks)
        after_two = tracemalloc.get_traced_memory()[0]
        rest = sum(len(next(chunks).cases) for _ in range(4))  # the reader still holds what it remembers
        grown = tracemalloc.get_traced_memory()[0] - after_two
    finally:
        tracemalloc.stop()
    assert rest == 16_000 and grown / rest < 40


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        (b"name,age\nbob,4\n", "missing required columns"),
        ((PUBLIC_HEADER + ",Wheels In\n").encode(), "appears twice"),
    ],
)
def test_unusable_files_raise_one_clear_error(content, message):
    with pytest.raises(InvalidCaseFile) as raised:
        parse(content)
    assert message in raised.value.message


def test_missing_columns_are_named():
    header = PUBLIC_HEADER.replace(",Wheels Out", "").replace(",Service", "")
    with pytest.raises(InvalidCaseFile) as raised:
        parse(header + "\n")
    assert "Service" in raised.value.message and "Wheels Out" in raised.value.message


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(public_file(*PUBLIC_ROWS))
    with pytest.raises(InvalidCaseFile) as raised:
        list(read_case_file(path, max_bytes=100, today=TODAY))
    assert "limit" in raised.value.message


def test_an_unquoted_comma_that_shifts_the_columns_rejects_only_that_row():
    shifted = PUBLIC_ROWS[1].replace('"Arthroscopy, knee, with meniscectomy"', "Arthroscopy, knee")
    cases, rejected, _ = parse(public_file(PUBLIC_ROWS[0], shifted))
    assert list(cases["encounter_id"]) == ["20001"]
    assert rejected[0].line == 3 and "Booked Time (min) is not a number" in rejected[0].reason


def test_header_only_file_yields_no_cases():
    cases, rejected, _ = parse(PUBLIC_HEADER + "\n")
    assert len(cases) == 0 and rejected == []


def test_line_numbers_count_blank_lines_and_line_breaks_inside_quoted_values():
    bad = PUBLIC_ROWS[0].replace(",150,", ",abc,")
    multi_line = PUBLIC_ROWS[1].replace("Arthroscopy, knee, with meniscectomy", "Arthroscopy,\r\nknee\n\nmeniscus")
    # 1 header, 2 blank, 3-6 the row with three quoted breaks, 7 spaces, 8 blank (a bare CR), 9 the bad row
    text = PUBLIC_HEADER + "\n\n" + multi_line + "\n   \r\n\r" + bad + "\n\n"
    assert text.splitlines().index(bad) + 1 == 9
    for chunk_rows in (1, 100):
        cases, rejected, _ = parse(text, chunk_rows=chunk_rows)
        assert list(cases["line"]) == [3]
        assert cases.iloc[0]["cpt_description"] == "Arthroscopy,\r\nknee\n\nmeniscus"
        assert [problem.line for problem in rejected] == [9]
        assert "Booked Time (min) is not a number" in rejected[0].reason


def test_a_row_after_more_blank_lines_than_the_sniffed_head_is_still_read():
    bad = PUBLIC_ROWS[0].replace(",150,", ",abc,")
    _cases, rejected, _ = parse(PUBLIC_HEADER + "\n" * 70_001 + bad + "\n")  # 70,000 blank lines: over 64 KB
    assert [problem.line for problem in rejected] == [70_002]


def test_a_line_break_quoted_in_an_ignored_column_counts_too():
    header = PUBLIC_HEADER + ",Notes"
    noted = PUBLIC_ROWS[1] + ',"first line\nsecond line"'
    bad = PUBLIC_ROWS[0].replace(",150,", ",-5,") + ",plain"
    _cases, rejected, _ = parse("\n".join([header, noted, bad]) + "\n")
    assert [problem.line for problem in rejected] == [4]


def test_rows_of_bare_separators_are_skipped_like_blank_lines():
    separators = "," * PUBLIC_HEADER.count(",")
    cases, rejected, _ = parse(public_file(PUBLIC_ROWS[0], separators, separators.replace(",", ";"), PUBLIC_ROWS[1]))
    assert list(cases["line"]) == [2, 5]
    assert [problem.line for problem in rejected] == [4]  # semicolons are not this file's separator: a value


def test_public_format_times_are_read_exactly_as_the_format_reads_them():
    """Times in the usual MM/DD/YY hh:mm AM width take a fast path: it must agree with the format everywhere."""
    import pandas as pd

    from optior.ingest.parser import TIMESTAMP_FORMATS, _fixed_width_stamps

    values = [
        f"{month}/{day}/{year} {hour}:{minute} {meridiem}"
        for month in ("00", "01", "02", "04", "12", "13")
        for day in ("00", "01", "28", "29", "30", "31")
        for year in ("00", "24", "23", "68", "69", "99")
        for hour in ("00", "01", "11", "12", "13")
        for minute in ("00", "59", "60")
        for meridiem in ("AM", "pm", "aM", "XM")
    ] + ["1/2/24 7:05 AM", "01/02/24  07:05 AM", "01/02/24 07:05 AM\x00", "０1/02/24 07:05 AM", "01-02-24 07:05 AM", ""]
    series = pd.Series(values, dtype=str)
    expected = pd.to_datetime(series, format=TIMESTAMP_FORMATS[0], errors="coerce").astype("datetime64[us]")
    fast = _fixed_width_stamps(series)
    parsed = fast.notna()
    assert parsed.sum() > 1000
    assert (fast[parsed] == expected[parsed]).all()  # what the fast path reads, it reads as the format does
    assert (series.str.len() == 17)[expected.notna() & ~parsed].sum() == 0  # and it misses no usual-width time


def test_time_zones_are_still_refused_after_the_quick_check():
    zoned = PUBLIC_ROWS[0].replace("01/03/22 09:58 AM", "2022-01-03T09:58:00+01:00")
    lower_case = PUBLIC_ROWS[1].replace("11:31 AM", "11:31 am")
    cases, rejected, _ = parse(public_file(zoned, lower_case))
    assert [(p.line, "time-zone" in p.reason) for p in rejected] == [(2, True)]
    assert cases["wheels_out"].tolist() == [datetime(2022, 1, 3, 11, 31)]
