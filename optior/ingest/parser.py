"""Read an OR case CSV in chunks and validate every row into typed, derived columns."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from optior.errors import InvalidCaseFile
from optior.ingest.columns import (
    DISPLAY_NAMES,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TEXT_LIMITS,
    TIMESTAMP_COLUMNS,
    canonical_column,
)
from optior.ingest.row_kinds import is_actual_time, scheduled_columns, without_actual_times
from optior.units import file_size

MAX_IN_ROOM_MINUTES = 24 * 60
DATE_FORMATS = ("%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d")
TIMESTAMP_FORMATS = (
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y %H:%M",
    "%m/%d/%Y %H:%M",
    "ISO8601",
)
# A clock time followed by a zone: Z, UTC, GMT, +01, +0100 or +01:00 (a date alone ends in -DD, not a zone).
_TIME_ZONE_SUFFIX = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$"
_ZONE_LAST_CHARS = frozenset("0123456789ZzCcTt\n")  # how a value with a zone can end ($ also matches before \n)
# The public format's timestamps at their usual width, "MM/DD/YY hh:mm AM": parsed with numpy (see _fixed_width_stamps).
_FIXED_WIDTH_FORMAT, _FIXED_WIDTH = "%m/%d/%y %I:%M %p", 17
_FIXED_WIDTH_DIGITS = (0, 1, 3, 4, 6, 7, 9, 10, 12, 13)
_FIXED_WIDTH_MARKS = {2: "/", 5: "/", 8: " ", 11: ":", 14: " "}
_SNIFF_BYTES = 64 * 1024
# Dates and times outside these years are rejected (pandas' nanosecond timestamps end in 2262).
EARLIEST, LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2100-01-01")
LINE_BREAK = r"\r\n|\r|\n"  # what pandas' C parser ends a line on


@dataclass
class RowProblem:
    """One rejected row or warning: the file line (header is line 1) and what is wrong."""

    line: int
    reason: str


@dataclass
class ParsedChunk:
    """Valid rows of one chunk in canonical columns, plus the problems found in it."""

    cases: pd.DataFrame
    rows_read: int
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    # Valid rows without actual times: cases still to happen (see optior/ingest/row_kinds.py).
    scheduled: pd.DataFrame = field(default_factory=pd.DataFrame)


def _open_binary(source: Path | bytes | BinaryIO) -> tuple[BinaryIO, int | None]:
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(source), len(source)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InvalidCaseFile(f"No file at {path}.")
        return path.open("rb"), os.stat(path).st_size
    if source.seekable():
        size = source.seek(0, os.SEEK_END)
        source.seek(0)
        return source, size
    return source, None


def _sniff(head: bytes) -> tuple[str, list[str]]:
    """Check the file looks like text CSV and return its delimiter and header fields."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidCaseFile("The file is UTF-16 text: save it as CSV (UTF-8) and import that.")
    if b"\x00" in head:
        raise InvalidCaseFile("The file is binary, not a CSV text file.")
    text = head.decode("utf-8-sig", errors="replace")
    if not text.strip():
        raise InvalidCaseFile("The file is empty: expected a CSV with a header row and OR cases.")
    first_line = text.splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    header = next(csv.reader([first_line], delimiter=delimiter))
    return delimiter, header


def _map_header(header: list[str]) -> dict[int, str]:
    """Map column positions to canonical names, refusing duplicated or missing required columns."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        column = canonical_column(name)
        if column is None:
            continue
        if column in positions:
            raise InvalidCaseFile(
                f"Column '{DISPLAY_NAMES[column]}' appears twice in the header.",
                {"duplicated": DISPLAY_NAMES[column]},
            )
        positions[column] = index
    missing = [DISPLAY_NAMES[c] for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise InvalidCaseFile(
            "The header is missing required columns: " + ", ".join(missing) + ".",
            {"missing": missing, "found": header[:30]},
        )
    return {index: column for column, index in positions.items()}


class _Problems:
    """Collects reasons per row of a chunk, vectorised: add(mask, reason)."""

    def __init__(self, index: pd.Index) -> None:
        self.reasons = pd.Series("", index=index, dtype=object)

    def add(self, mask: pd.Series, reason: str | pd.Series) -> None:
        if not mask.any():
            return
        text = reason[mask] if isinstance(reason, pd.Series) else reason
        self.reasons.loc[mask] = self.reasons[mask].where(self.reasons[mask] == "", self.reasons[mask] + "; ") + text

    def as_list(self, lines: pd.Series) -> list[RowProblem]:
        bad = self.reasons != ""
        return [RowProblem(int(line), reason) for line, reason in zip(lines[bad], self.reasons[bad], strict=True)]

    @property
    def failing(self) -> pd.Series:
        return self.reasons != ""


def _naive_one(value: str, fmt: str) -> pd.Timestamp:
    """One value parsed with fmt, or NaT when it does not fit or carries a time zone."""
    try:
        stamp = pd.to_datetime(value, format=fmt, errors="coerce")
    except (ValueError, OverflowError):
        return pd.NaT
    return stamp if stamp is not pd.NaT and stamp.tzinfo is None else pd.NaT


def _naive_with_format(values: pd.Series, fmt: str) -> pd.Series:
    """Parse with one format, vectorised; value by value when zone-aware values make pandas refuse the lot."""
    try:
        attempt = pd.to_datetime(values, format=fmt, errors="coerce")
    except ValueError:  # e.g. "Mixed timezones detected"
        attempt = None
    if attempt is None or not pd.api.types.is_datetime64_dtype(attempt):
        attempt = pd.Series([_naive_one(value, fmt) for value in values], index=values.index, dtype=object)
    return attempt.astype("datetime64[us]")


def _fixed_width_stamps(values: pd.Series) -> pd.Series:
    """Values written exactly "MM/DD/YY hh:mm AM" (ASCII, AM/PM in any case) parsed as pandas parses
    _FIXED_WIDTH_FORMAT, with numpy instead of one strptime call per value; NaT for any other value."""
    text = values.tolist()
    fits = np.fromiter(map(len, text), dtype=np.int64, count=len(text)) == _FIXED_WIDTH
    chars = np.array(text, dtype=f"U{_FIXED_WIDTH}").view(np.uint32).reshape(len(text), _FIXED_WIDTH).astype(np.int64)
    digits = chars[:, _FIXED_WIDTH_DIGITS] - ord("0")
    fits &= ((digits >= 0) & (digits <= 9)).all(axis=1)
    for position, mark in _FIXED_WIDTH_MARKS.items():
        fits &= chars[:, position] == ord(mark)
    meridiem, m = chars[:, 15] | 0x20, chars[:, 16] | 0x20  # ASCII lower case
    fits &= ((meridiem == ord("a")) | (meridiem == ord("p"))) & (m == ord("m"))
    month, day, year, hour, minute = (10 * digits[:, i] + digits[:, i + 1] for i in range(0, 10, 2))
    fits &= (month >= 1) & (month <= 12) & (day >= 1) & (hour >= 1) & (hour <= 12) & (minute <= 59)
    year += np.where(year <= 68, 2000, 1900)  # strptime's %y
    month_start = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    days = month_start.astype("datetime64[D]") + (day - 1)
    fits &= days.astype("datetime64[M]") == month_start  # no 31 April or 29 February of a common year
    minutes = 60 * (hour % 12 + 12 * (meridiem == ord("p"))) + minute
    stamps = days.astype("datetime64[us]") + minutes.astype("timedelta64[m]")
    return pd.Series(np.where(fits, stamps, np.datetime64("NaT", "us")), index=values.index)


def _parse_with_formats(values: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Parse strings trying each format in turn on what is still unparsed; NaT where none fits."""
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    remaining = values != ""
    for fmt in formats:
        if not remaining.any():
            break
        attempt = _naive_with_format(values[remaining], fmt)
        parsed.loc[attempt.index] = attempt
        remaining &= parsed.isna()
    return parsed


def _parse_column(values: pd.Series, formats: tuple[str, ...], problems: _Problems, what: str) -> pd.Series:
    """Parse a date or time column, rejecting values that fit no format or lie outside 1900-2099.

    Values in the fixed-width form of the public format are parsed with numpy, the others once per distinct
    value (dates and times repeat a lot).
    """
    if formats[0] == _FIXED_WIDTH_FORMAT:
        parsed = _fixed_width_stamps(values)
    else:
        parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    rest = parsed.isna()
    if rest.any():
        codes, distinct = pd.factorize(values[rest], use_na_sentinel=False)
        parsed[rest] = _parse_with_formats(pd.Series(distinct, dtype=object), formats).to_numpy()[codes]
    label = DISPLAY_NAMES[values.name]
    problems.add((values != "") & parsed.isna(), f"{label} is not {what}")
    outside = parsed.notna() & ((parsed < EARLIEST) | (parsed >= LATEST))
    problems.add(outside, f"{label} is outside the years {EARLIEST.year}-{LATEST.year - 1}")
    return parsed.mask(outside).astype("datetime64[ns]")


def _record_lines(fields: pd.DataFrame, first_line: int) -> tuple[pd.Series, int]:
    """The file line each record starts on, and the line after the last: a quoted line break adds a line."""
    breaks = np.zeros(len(fields), dtype=np.int64)
    for _, values in fields.items():
        joined = "".join(values.tolist())  # one scan of the column; counting per value only when it holds a break
        if "\n" in joined or "\r" in joined:
            breaks += values.str.count(LINE_BREAK).to_numpy()
    ends = first_line + np.cumsum(breaks + 1)
    return pd.Series(ends - breaks - 1, index=fields.index), first_line + len(fields) + int(breaks.sum())


def _blank_records(fields: pd.DataFrame) -> np.ndarray:
    """Records without any value: blank lines, lines of spaces and rows of bare separators."""
    blank = np.ones(len(fields), dtype=bool)
    for _, values in fields.items():
        blank[blank] = (values[blank].str.strip() == "").to_numpy()
        if not blank.any():
            break
    return blank


def _has_time_zone(values: pd.Series) -> pd.Series:
    """Which values end in a time zone; the regular expression runs only on values ending as a zone can."""
    text = values.tolist()
    may = np.fromiter((value[-1:] in _ZONE_LAST_CHARS for value in text), dtype=bool, count=len(text))
    found = np.zeros(len(text), dtype=bool)
    if may.any():
        found[may] = values[may].str.contains(_TIME_ZONE_SUFFIX, regex=True, case=False).to_numpy(dtype=bool)
    return pd.Series(found, index=values.index)


def _strip(values: pd.Series) -> pd.Series:
    """values.str.strip(), returning the column itself when no value changes (the usual case, and cheaper)."""
    text = values.tolist()
    stripped = list(map(str.strip, text))
    return values if stripped == text else pd.Series(stripped, index=values.index, dtype=values.dtype)


def _longer_than(values: pd.Series, limit: int) -> pd.Series:
    """Which values have more than limit characters; measured one by one only when the longest has."""
    if max(map(len, values.tolist()), default=0) <= limit:
        return pd.Series(False, index=values.index)
    return values.str.len() > limit


def _has_nul(values: pd.Series) -> pd.Series:
    """Which values contain a NUL character; searched one by one only when the joined column has one."""
    if "\x00" not in "".join(values.tolist()):
        return pd.Series(False, index=values.index)
    return values.str.contains("\x00", regex=False)


def _validate(raw: pd.DataFrame, lines: pd.Series, today: date, seen_ids: dict[str, int]) -> ParsedChunk:
    raw = raw.apply(_strip)
    errors, warnings = _Problems(raw.index), _Problems(raw.index)
    out = pd.DataFrame(index=raw.index)
    scheduled = without_actual_times(raw)

    for column in REQUIRED_COLUMNS:
        errors.add((raw[column] == "") & ~(scheduled & is_actual_time(column)), f"{DISPLAY_NAMES[column]} is empty")
    for column, limit in TEXT_LIMITS.items():
        errors.add(_longer_than(raw[column], limit), f"{DISPLAY_NAMES[column]} is longer than {limit} characters")
        errors.add(_has_nul(raw[column]), f"{DISPLAY_NAMES[column]} contains a NUL byte")
        out[column] = raw[column]
    out["surgeon"] = raw["surgeon"].where(raw["surgeon"] != "", None)

    out["case_date"] = _parse_column(raw["case_date"], DATE_FORMATS, errors, "a date (use MM/DD/YY or YYYY-MM-DD)")
    errors.add((out["case_date"] > pd.Timestamp(today)) & ~scheduled, "Date is in the future")

    for column in TIMESTAMP_COLUMNS:
        has_zone = _has_time_zone(raw[column])
        errors.add(has_zone, f"{DISPLAY_NAMES[column]} has a time-zone offset (OptiOR expects local hospital time)")
        out[column] = _parse_column(
            raw[column].where(~has_zone, ""), TIMESTAMP_FORMATS, errors,
            "a date and time (use MM/DD/YY hh:mm AM or ISO 8601)",
        )

    booked = pd.to_numeric(raw["booked_minutes"], errors="coerce")
    errors.add((raw["booked_minutes"] != "") & booked.isna(), "Booked Time (min) is not a number")
    errors.add(booked <= 0, "Booked Time (min) must be positive")
    errors.add(booked > MAX_IN_ROOM_MINUTES, "Booked Time (min) is over 24 hours")
    out["booked_minutes"] = booked.astype(float)

    out["in_room_minutes"] = (out["wheels_out"] - out["wheels_in"]).dt.total_seconds() / 60
    out["procedure_minutes"] = (out["procedure_end"] - out["procedure_start"]).dt.total_seconds() / 60
    errors.add(out["in_room_minutes"] <= 0, "Wheels Out is not after Wheels In")
    errors.add(out["in_room_minutes"] > MAX_IN_ROOM_MINUTES, "in-room time is over 24 hours")
    errors.add(out["procedure_minutes"] < 0, "End Time is before Start Time")
    errors.add(out["procedure_minutes"] > MAX_IN_ROOM_MINUTES, "procedure time (Start to End) is over 24 hours")
    for column in ("scheduled_start", "wheels_in"):
        offset = out[column] - out["case_date"]
        errors.add((offset < pd.Timedelta(0)) | (offset >= pd.Timedelta(days=2)),
                   f"{DISPLAY_NAMES[column]} is not on the case's Date (or the night after)")
    outside = (out["procedure_start"] < out["wheels_in"]) | (out["procedure_end"] > out["wheels_out"])
    warnings.add(outside & ~errors.failing, "procedure start/end lies outside wheels in/out")

    ids = raw["encounter_id"]
    repeated_in_chunk = ids.duplicated(keep="first") & (ids != "")
    # dict.get per id: Series.map(dict) would copy the whole (growing) dict into a Series for every chunk.
    earlier_line = pd.Series(list(map(seen_ids.get, ids.tolist())), index=ids.index, dtype="Int64")
    first_line_in_chunk = lines.groupby(ids).transform("min")
    errors.add(earlier_line.notna(), "Encounter ID already appears on line " + earlier_line.astype(str))
    errors.add(repeated_in_chunk, "Encounter ID already appears on line " + first_line_in_chunk.astype(str))
    first_sighting = ~repeated_in_chunk & earlier_line.isna()
    seen_ids.update(zip(ids[first_sighting].tolist(), lines[first_sighting].astype(int).tolist(), strict=True))

    out["case_date"] = out["case_date"].dt.date
    out["line"] = lines
    good = ~errors.failing
    return ParsedChunk(
        cases=out[good & ~scheduled].reset_index(drop=True),
        rows_read=len(raw),
        rejected=errors.as_list(lines),
        warnings=warnings.as_list(lines),
        scheduled=scheduled_columns(out[good & scheduled]),
    )


def read_case_file(
    source: Path | bytes | BinaryIO,
    *,
    max_bytes: int,
    today: date | None = None,
    chunk_rows: int = 100_000,
) -> Iterator[ParsedChunk]:
    """Yield validated chunks of an OR case CSV; raise InvalidCaseFile before any chunk if unusable.

    Accepts the public utilization format (MM/DD/YY dates, hh:mm AM times) and ISO dates, comma,
    semicolon or tab separators, a UTF-8 BOM and Windows line endings; extra columns are ignored. Blank
    lines are skipped; a row's line is where it starts in the file (the header is line 1), so blank lines
    and line breaks inside quoted values count.
    """
    handle, size = _open_binary(source)
    try:
        if size is not None and size > max_bytes:
            raise InvalidCaseFile(
                f"The file is {file_size(size)}; the limit is {file_size(max_bytes)} "
                "(set OPTIOR_MAX_UPLOAD_MB to change it).",
                {"size_bytes": size, "limit_bytes": max_bytes},
            )
        head = handle.read(_SNIFF_BYTES)
        delimiter, header = _sniff(head)
        positions = _map_header(header)
        handle.seek(0)
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="")
        try:
            reader = pd.read_csv(
                text,
                sep=delimiter,
                header=0,  # the header fixes the column count: short rows are padded (and rejected)
                index_col=False,  # a row longer than the header keeps its first columns
                usecols=range(len(header)),  # all of them: line breaks quoted in ignored columns count too
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,  # blank lines are counted, then skipped below
                chunksize=chunk_rows,
                engine="c",
            )
        except ValueError:  # pandas saw fewer header columns than the sniffed first line
            raise InvalidCaseFile("The header row could not be read as CSV; nothing was imported.") from None
        used = sorted(positions)
        names = [positions[index] for index in used]
        seen_ids: dict[str, int] = {}
        next_line = 2
        for fields in reader:
            fields = fields.fillna("").astype(str)
            lines, next_line = _record_lines(fields, next_line)
            kept = ~_blank_records(fields)
            if not kept.any():
                continue
            raw = fields.iloc[kept, used].set_axis(names, axis=1)
            for column in OPTIONAL_COLUMNS:
                if column not in raw.columns:
                    raw[column] = ""
            yield _validate(raw, lines[kept], today or date.today(), seen_ids)
    except pd.errors.ParserError:
        raise InvalidCaseFile("The file could not be read as CSV (check its quoting); nothing was imported.") from None
    finally:
        handle.close()
