"""Read and check request parameters; a bad one raises InvalidInput naming the field."""

from __future__ import annotations

import math
import re
from datetime import date, time

from flask import request
from werkzeug.exceptions import BadRequest

from optior.api.errors import ApiError
from optior.errors import InvalidInput
from optior.text_rules import forbidden_character
from optior.vocabulary import MAX_MINUTES, MAX_POSITION
from optior.vocabulary import TEXT_LIMITS as FIELD_LIMITS

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CLOCK_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
TRUE_WORDS, FALSE_WORDS = frozenset({"true", "1"}), frozenset({"false", "0"})
# Every date a request may name: wide for OR records, narrow enough that a range plus or minus a year of days
# stays inside Python's dates (year 1 and 9999 would overflow in date arithmetic).
SUPPORTED_DATES = (date(1900, 1, 1), date(2099, 12, 31))
MAX_JOB_ID = 2**31 - 1
# Longest accepted text per parameter: the limit of the stored field it names.
TEXT_LIMITS = {
    "service": FIELD_LIMITS["service"], "room": FIELD_LIMITS["or_suite"], "site": FIELD_LIMITS["site"],
    "cpt_code": FIELD_LIMITS["cpt_code"], "or_suite": FIELD_LIMITS["or_suite"], "surgeon": FIELD_LIMITS["surgeon"],
    "label": FIELD_LIMITS["case_label"],
}


def _invalid(field: str, message: str, **extra: object) -> InvalidInput:
    return InvalidInput(message, {"field": field, **extra})


def parse_date(text: object, field: str, *, within: tuple[date, date] = SUPPORTED_DATES) -> date:
    """An ISO 8601 calendar date, YYYY-MM-DD, that exists and lies within the bounds (default SUPPORTED_DATES)."""
    if not isinstance(text, str) or not ISO_DATE.fullmatch(text):
        raise _invalid(field, f"'{field}' must be a date as YYYY-MM-DD.", expected="YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _invalid(field, f"'{field}' is not a real calendar date.", expected="YYYY-MM-DD") from None
    if not within[0] <= day <= within[1]:
        raise _invalid(field, f"'{field}' must be between {within[0]} and {within[1]}.",
                       minimum=within[0].isoformat(), maximum=within[1].isoformat())
    return day


def parse_clock(text: object, field: str) -> time:
    """A local time of day as HH:MM on the 24-hour clock."""
    if not isinstance(text, str) or not CLOCK_TIME.fullmatch(text):
        raise _invalid(field, f"'{field}' must be a local time as HH:MM (24-hour clock).", expected="HH:MM")
    return time.fromisoformat(text)


def parse_text(value: object, field: str) -> str:
    """A non-blank single-line string of at most TEXT_LIMITS[field] characters, stripped."""
    max_length = TEXT_LIMITS[field]
    if not isinstance(value, str):
        raise _invalid(field, f"'{field}' must be a string.")
    text = value.strip()
    if not text:
        raise _invalid(field, f"'{field}' must not be empty.")
    if len(text) > max_length:
        raise _invalid(field, f"'{field}' is longer than {max_length} characters.", max_length=max_length)
    found = forbidden_character(text)
    if found:
        raise _invalid(field, f"'{field}' contains {found}.")
    return text


def parse_minutes(value: object, field: str) -> float:
    """A positive number of minutes, at most a day (compared before any conversion: a huge whole number overflows
    a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid(field, f"'{field}' must be a number of minutes.")
    if not (isinstance(value, int) or math.isfinite(value)) or not 0 < value <= MAX_MINUTES:
        raise _invalid(field, f"'{field}' must be more than 0 and at most {MAX_MINUTES:.0f} minutes.",
                       minimum=0, maximum=MAX_MINUTES)
    return float(value)


def parse_position(value: object, field: str) -> int:
    """A case's position in its room's day: a whole number from 1 to MAX_POSITION."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_POSITION:
        raise _invalid(field, f"'{field}' must be a whole number from 1 to {MAX_POSITION}.",
                       minimum=1, maximum=MAX_POSITION)
    return value


def parse_job_id(text: str | None, field: str) -> int:
    """A required positive whole number given as text (a query parameter)."""
    if text is None or not re.fullmatch(r"[0-9]{1,10}", text) or not 0 < int(text) <= MAX_JOB_ID:
        raise _invalid(field, f"'{field}' must be a job number.", expected="a positive whole number")
    return int(text)


def parse_flag(text: object, field: str) -> bool:
    """A true/false flag given as text (also 1/0)."""
    word = text.strip().lower() if isinstance(text, str) else ""
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise _invalid(field, f"'{field}' must be true or false.", expected="true or false")


def json_object(*, allowed: frozenset[str]) -> dict:
    """The request body as a JSON object whose keys are all in `allowed`."""
    if not request.is_json:
        raise ApiError(
            415, "Send a JSON body with 'Content-Type: application/json'.",
            {"field": "body", "content_type": request.mimetype or None},
        )
    try:
        body = request.get_json()
    except (BadRequest, RecursionError):  # RecursionError: absurdly deep nesting
        raise _invalid("body", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise _invalid("body", "The request body must be a JSON object.")
    unknown = sorted(name[:64] for name in set(body) - allowed)
    if unknown:
        raise InvalidInput(
            f"Unknown field '{unknown[0]}'; allowed fields: {', '.join(sorted(allowed))}.",
            {"field": unknown[0], "unknown": unknown[:20]},
        )
    return body
