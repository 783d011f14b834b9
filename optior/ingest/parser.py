"""Read an OR case CSV in chunks and validate every row into typed, derived columns."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from optior.errors import InvalidCaseFile
from optior.ingest.columns import (
    DISPLAY_NAMES,
    MULTILINE_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TEXT_LIMITS,
    TIMESTAMP_COLUMNS,
    canonical_column,
)
from optior.ingest.row_kinds import is_actual_time, scheduled_columns, without_actual_times
from optior.text_rules import FORBIDDEN_IN_LINE, FORBIDDEN_IN_TEXT, forbidden_character
from optior.units import file_size
from optior.vocabulary import DEFAULT_SITE, MAX_MINUTES

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
_SCAN_BYTES = 1024 * 1024  # block size of the encoding check (a pass over the whole file before parsing)
UTF8, WINDOWS_1252 = "utf-8-sig", "cp1252"  # utf-8-sig: UTF-8 with or without a byte-order mark
WINDOWS_1252_NOTE = (
    "The file is not UTF-8 text: it was read as Windows-1252 (what Excel's plain 'CSV' writes on Windows), "
    "so letters like ä, é and ñ came through. Saving as 'CSV UTF-8' next time avoids the guess."
)
_PANDAS_UNCLOSED_QUOTE = re.compile(r"EOF inside string")
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
    notes: list[str] = field(default_factory=list)  # about the whole file (e.g. its encoding); first chunk only
    # Valid rows without actual times: cases still to happen (see optior/ingest/row_kinds.py).
    scheduled: pd.DataFrame = field(default_factory=pd.DataFrame)


def _too_large(size: int, max_bytes: int) -> InvalidCaseFile:
    return InvalidCaseFile(
        f"The file is {file_size(size)}; the limit is {file_size(max_bytes)} (set OPTIOR_MAX_UPLOAD_MB to change "
        "it, or import the file on the server with python -m optior seed --csv FILE, which has no limit).",
        {"size_bytes": size, "limit_bytes": max_bytes},
    )


def _spooled(stream: IO[bytes], max_bytes: int | None) -> IO[bytes]:
    """A stream that cannot seek, copied to a temporary file: the encoding is decided before parsing starts."""
    copy = tempfile.TemporaryFile()
    try:
        if max_bytes is None:
            shutil.copyfileobj(stream, copy)
        else:
            while block := stream.read(min(_SCAN_BYTES, max_bytes + 1 - copy.tell())):
                copy.write(block)
                if copy.tell() > max_bytes:
                    raise _too_large(copy.tell(), max_bytes)
    except BaseException:
        copy.close()
        raise
    copy.seek(0)
    return copy


def _open_binary(source: Path | bytes | IO[bytes], max_bytes: int | None) -> IO[bytes]:
    """The file as a seekable binary stream, refused when over max_bytes (None: no limit)."""
    if isinstance(source, (bytes, bytearray)):
        handle, size = io.BytesIO(source), len(source)
    elif isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InvalidCaseFile(f"No file at {path}.")
        handle, size = path.open("rb"), os.stat(path).st_size
    elif source.seekable():
        handle, size = source, source.seek(0, os.SEEK_END)
        source.seek(0)
    else:
        return _spooled(source, max_bytes)
    if max_bytes is not None and size > max_bytes:
        handle.close()
        raise _too_large(size, max_bytes)
    return handle


def _check_is_text(head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidCaseFile("The file is UTF-16 text: save it as CSV (UTF-8) and import that.")
    if b"\x00" in head:
        raise InvalidCaseFile("The file is binary, not a CSV text file.")


def _is_utf8(handle: IO[bytes]) -> bool:
    """Whether the whole file is UTF-8; refuses a file that mixes valid UTF-8 letters with other bytes.

    Blocks of plain ASCII (most of a case file) skip the decoder, so the pass costs little next to parsing.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    seen_non_ascii = False
    line = 1
    while block := handle.read(_SCAN_BYTES):
        if block.isascii() and not decoder.getstate()[0]:
            line += block.count(b"\n")
            continue
        try:
            text = decoder.decode(block)  # a letter split across blocks is held back until the next one
        except UnicodeDecodeError as error:
            before = block[: max(error.start, 0)]
            if seen_non_ascii or not before.isascii():
                bad_line = line + before.count(b"\n")
                raise InvalidCaseFile(
                    f"The file mixes UTF-8 text with other bytes (the first on line {bad_line}), so it cannot be "
                    "read safely: save it again as 'CSV UTF-8' and import that.", {"line": bad_line},
                ) from None
            return False
        seen_non_ascii = seen_non_ascii or not text.isascii()
        line += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:  # the file ends inside a multi-byte letter
        return False
    return True


def _check_windows_1252(handle: IO[bytes]) -> None:
    """Refuse, naming the line, a file with a byte Windows-1252 leaves undefined."""
    line = 1
    while block := handle.read(_SCAN_BYTES):
        try:
            block.decode(WINDOWS_1252)
        except UnicodeDecodeError as error:
            bad_line = line + block.count(b"\n", 0, error.start)
            raise InvalidCaseFile(
                f"The file is neither UTF-8 nor Windows-1252 text (byte 0x{block[error.start]:02X} on line "
                f"{bad_line} is no letter in either): save it as 'CSV UTF-8' and import that.", {"line": bad_line},
            ) from None
        line += block.count(b"\n")


def _choose_encoding(handle: IO[bytes]) -> str:
    """The whole file's encoding, decided before any row is read: UTF-8 if every byte is, else Windows-1252.

    Deciding per chunk could read one file two ways; decoding with replacement would store U+FFFD in place
    of letters. A file that is neither is refused with the reason.
    """
    handle.seek(0)
    encoding = UTF8 if _is_utf8(handle) else WINDOWS_1252
    if encoding == WINDOWS_1252:
        handle.seek(0)
        _check_windows_1252(handle)
    handle.seek(0)
    return encoding


def _sniff(head: bytes, encoding: str) -> tuple[str, list[str]]:
    """Return the delimiter and header fields of the file's first line."""
    text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
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


def _record_lines(fields: pd.DataFrame, first_line: int) -> tuple[pd.Series, pd.Series, int]:
    """The file line each record starts and ends on, and the line after the last: a quoted line break adds one."""
    breaks = np.zeros(len(fields), dtype=np.int64)
    for _, values in fields.items():
        joined = "".join(values.tolist())  # one scan of the column; counting per value only when it holds a break
        if "\n" in joined or "\r" in joined:
            breaks += values.str.count(LINE_BREAK).to_numpy()
    ends = first_line + np.cumsum(breaks + 1) - 1
    return (pd.Series(ends - breaks, index=fields.index), pd.Series(ends, index=fields.index),
            first_line + len(fields) + int(breaks.sum()))


def _runs_over_lines(raw: pd.DataFrame) -> pd.Series:
    """Which records hold a line break in a single-line column: the mark of a quote opened and closed lines later."""
    found = pd.Series(False, index=raw.index)
    for column, values in raw.items():
        if column in MULTILINE_COLUMNS:
            continue
        joined = "".join(values.tolist())
        if "\n" in joined or "\r" in joined:
            found |= values.str.contains(LINE_BREAK, regex=True)
    return found


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


def _forbidden_characters(values: pd.Series, *, multiline: bool) -> pd.Series:
    """What forbidden character each value holds (text_rules), None where none; searched value by value only
    when the joined column holds one."""
    joined = "".join(values.tolist())
    # Every forbidden character is non-printable, and str.isprintable is faster than the search it saves.
    if joined.isprintable() or not (FORBIDDEN_IN_TEXT if multiline else FORBIDDEN_IN_LINE).search(joined):
        return pd.Series(None, index=values.index, dtype=object)
    return pd.Series([forbidden_character(value, multiline=multiline) for value in values.tolist()],
                     index=values.index, dtype=object)


class _SeenIds:
    """The encounter ids read so far with the line each first appeared on, kept compact for files of millions of
    rows: per length in bytes, a sorted numpy array of the UTF-8 ids beside their lines.

    The public format's 6-digit ids take 14 bytes a row this way; a dict of Python strings took about 150, so a
    10-million-row import held 1.5 GB for this alone. Lookups are binary searches; adding a chunk merges it in
    (a copy of the array, far cheaper than parsing the chunk).
    """

    def __init__(self) -> None:
        self._by_length: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @staticmethod
    def _groups(ids: list[str]) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """(length, positions in ids, the ids of that length as fixed-width bytes) for each byte length present."""
        encoded = [value.encode("utf-8", "surrogatepass") for value in ids]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        for length in np.unique(lengths).tolist():
            positions = np.flatnonzero(lengths == length)
            yield length, positions, np.array([encoded[i] for i in positions.tolist()], dtype=f"S{max(length, 1)}")

    def earlier_lines(self, ids: list[str]) -> np.ndarray:
        """The line each id first appeared on in earlier chunks; NaN where it has not."""
        found = np.full(len(ids), np.nan)
        for length, positions, keys in self._groups(ids):
            if length not in self._by_length:
                continue
            stored, lines = self._by_length[length]
            at = np.minimum(np.searchsorted(stored, keys), len(stored) - 1)
            hit = stored[at] == keys
            found[positions[hit]] = lines[at[hit]]
        return found

    def add(self, ids: list[str], lines: np.ndarray) -> None:
        """Remember ids (not seen before, each once) as first appearing on lines."""
        for length, positions, keys in self._groups(ids):
            order = np.argsort(keys, kind="stable")
            keys, new_lines = keys[order], lines[positions[order]].astype(np.int64)
            stored, stored_lines = self._by_length.get(length, (keys[:0], new_lines[:0]))
            at = np.searchsorted(stored, keys)
            self._by_length[length] = (np.insert(stored, at, keys), np.insert(stored_lines, at, new_lines))


def _validate(raw: pd.DataFrame, lines: pd.Series, last_lines: pd.Series, today: date,
              seen_ids: _SeenIds) -> ParsedChunk:
    raw = raw.apply(_strip)
    errors, warnings = _Problems(raw.index), _Problems(raw.index)
    out = pd.DataFrame(index=raw.index)
    errors.add(_runs_over_lines(raw), "The row runs on to line " + last_lines.astype(str)
               + " inside a quoted value (is a closing quote missing?)")
    scheduled = without_actual_times(raw)

    for column in REQUIRED_COLUMNS:
        errors.add((raw[column] == "") & ~(scheduled & is_actual_time(column)), f"{DISPLAY_NAMES[column]} is empty")
    for column, limit in TEXT_LIMITS.items():
        errors.add(_longer_than(raw[column], limit), f"{DISPLAY_NAMES[column]} is longer than {limit} characters")
        found = _forbidden_characters(raw[column], multiline=column in MULTILINE_COLUMNS)
        errors.add(found.notna(), f"{DISPLAY_NAMES[column]} contains " + found.fillna(""))
        out[column] = raw[column]
    out["surgeon"] = raw["surgeon"].where(raw["surgeon"] != "", None)
    out["site"] = raw["site"].where(raw["site"] != "", DEFAULT_SITE)

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
    errors.add(booked > MAX_MINUTES, "Booked Time (min) is over 24 hours")
    out["booked_minutes"] = booked.astype(float)

    out["in_room_minutes"] = (out["wheels_out"] - out["wheels_in"]).dt.total_seconds() / 60
    out["procedure_minutes"] = (out["procedure_end"] - out["procedure_start"]).dt.total_seconds() / 60
    errors.add(out["in_room_minutes"] <= 0, "Wheels Out is not after Wheels In")
    errors.add(out["in_room_minutes"] > MAX_MINUTES, "in-room time is over 24 hours")
    errors.add(out["procedure_minutes"] < 0, "End Time is before Start Time")
    errors.add(out["procedure_minutes"] > MAX_MINUTES, "procedure time (Start to End) is over 24 hours")
    for column in ("scheduled_start", "wheels_in"):
        offset = out[column] - out["case_date"]
        errors.add((offset < pd.Timedelta(0)) | (offset >= pd.Timedelta(days=2)),
                   f"{DISPLAY_NAMES[column]} is not on the case's Date (or the night after)")
    outside = (out["procedure_start"] < out["wheels_in"]) | (out["procedure_end"] > out["wheels_out"])
    warnings.add(outside & ~errors.failing, "procedure start/end lies outside wheels in/out")

    ids = raw["encounter_id"]
    given = ids != ""  # an empty id is rejected as empty, not as a repeat
    repeated_in_chunk = ids.duplicated(keep="first") & given
    earlier_line = pd.Series(seen_ids.earlier_lines(ids.tolist()), index=ids.index, dtype="Int64")
    first_line_in_chunk = lines.groupby(ids).transform("min")
    errors.add(earlier_line.notna() & given, "Encounter ID already appears on line " + earlier_line.astype(str))
    errors.add(repeated_in_chunk, "Encounter ID already appears on line " + first_line_in_chunk.astype(str))
    first_sighting = given & ~repeated_in_chunk & earlier_line.isna()
    seen_ids.add(ids[first_sighting].tolist(), lines[first_sighting].to_numpy())

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


def _unclosed_quote(handle: IO[bytes], encoding: str, delimiter: str, header: list[str]) -> InvalidCaseFile:
    """Name the line (and column) where the quoted value that runs to the end of the file starts.

    The file is read again with the csv module, which counts physical lines (pandas counts records); this
    costs a second pass, but only for a file that is refused anyway.
    """
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    start = next_start = 1
    try:
        for _record in reader:
            start, next_start = next_start, reader.line_num + 1
    except csv.Error:  # e.g. the runaway value is over the csv module's field size limit
        start = next_start
    text.seek(0)
    line = next((line for number, line in enumerate(text, start=1) if number == start), "")
    text.detach()
    try:
        fields = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        fields = []
    column = canonical_column(header[len(fields) - 1]) if 0 < len(fields) <= len(header) else None
    where = f" in {DISPLAY_NAMES[column]}" if column else ""
    return InvalidCaseFile(
        f"Line {start}: the quoted value{where} that starts on this line is not closed (its closing quote is "
        "missing), so the rest of the file would be read as that one value; nothing was imported.",
        {"line": start, **({"field": DISPLAY_NAMES[column]} if column else {})},
    )


def _unreadable(error: ValueError, handle: IO[bytes], encoding: str, delimiter: str,
                header: list[str], *, at_header: bool) -> InvalidCaseFile:
    if _PANDAS_UNCLOSED_QUOTE.search(str(error)):
        return _unclosed_quote(handle, encoding, delimiter, header)
    if at_header:
        return InvalidCaseFile("The header row could not be read as CSV; nothing was imported.")
    return InvalidCaseFile("The file could not be read as CSV (check its quoting); nothing was imported.")


def read_case_file(
    source: Path | bytes | IO[bytes],
    *,
    max_bytes: int | None,
    today: date | None = None,
    chunk_rows: int = 100_000,
) -> Iterator[ParsedChunk]:
    """Yield validated chunks of an OR case CSV; raise InvalidCaseFile before any chunk if unusable.

    Accepts the public utilization format (MM/DD/YY dates, hh:mm AM times) and ISO dates, comma,
    semicolon or tab separators, UTF-8 (with or without a BOM) or else Windows-1252 text (noted in the first
    chunk), and Windows line endings; extra columns are ignored. Blank lines are skipped; a row's line is
    where it starts in the file (the header is line 1), so blank lines and line breaks inside quoted values
    count. max_bytes None reads a file of any size (the command line).
    """
    handle = _open_binary(source, max_bytes)
    try:
        _check_is_text(handle.read(_SNIFF_BYTES))
        encoding = _choose_encoding(handle)
        delimiter, header = _sniff(handle.read(_SNIFF_BYTES), encoding)
        positions = _map_header(header)
        handle.seek(0)
        text = io.TextIOWrapper(handle, encoding=encoding, errors="strict", newline="")
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
        except ValueError as error:  # pandas saw fewer header columns than the sniffed first line, or a quote
            raise _unreadable(error, text.detach(), encoding, delimiter, header, at_header=True) from None
        used = sorted(positions)
        names = [positions[index] for index in used]
        seen_ids = _SeenIds()
        next_line = 2
        notes = [WINDOWS_1252_NOTE] if encoding == WINDOWS_1252 else []
        try:
            for fields in reader:
                fields = fields.fillna("").astype(str)
                lines, last_lines, next_line = _record_lines(fields, next_line)
                kept = ~_blank_records(fields)
                if not kept.any():
                    continue
                raw = fields.iloc[kept, used].set_axis(names, axis=1)
                for column in OPTIONAL_COLUMNS:
                    if column not in raw.columns:
                        raw[column] = ""
                chunk = _validate(raw, lines[kept], last_lines[kept], today or date.today(), seen_ids)
                chunk.notes, notes = notes, []
                yield chunk
        except pd.errors.ParserError as error:
            raise _unreadable(error, text.detach(), encoding, delimiter, header, at_header=False) from None
        except UnicodeDecodeError:  # the file changed after its encoding was checked
            raise InvalidCaseFile("The file changed while it was read; nothing was imported.") from None
    finally:
        handle.close()
