"""The day plan's typed contract: what the planner answers and what a what-if asks, shared by API, pages and CLI.

Times are ISO 8601 local date-times (naive hospital time, like the database), so they compare as strings;
durations are minutes. The OpenAPI document is generated from these models.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Annotated, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NaiveDatetime,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from optior.errors import InvalidInput
from optior.text_rules import SINGLE_LINE_PATTERN, forbidden_character
from optior.vocabulary import MAX_MINUTES, TEXT_LIMITS

DEFAULT_COST_RATIO = 2.0
MIN_COST_RATIO, MAX_COST_RATIO = 0.05, 20.0
MIN_QUANTILE, MAX_QUANTILE = 0.05, 0.95
MAX_WHAT_IF_CASES = 400



def _one_line(value: str) -> str:
    """The text rule of the import and the forms: no control, bidirectional or line-break characters."""
    found = forbidden_character(value)
    if found:
        raise ValueError(f"must not contain {found}")
    return value


# One line of text under the shared rule; the schema carries the same rule as a pattern.
SingleLine = Annotated[str, AfterValidator(_one_line), Field(json_schema_extra={"pattern": SINGLE_LINE_PATTERN})]

LOCAL_DATE_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"


def _local_text(value: object) -> object:
    """Text must be an ISO 8601 local date-time, as the schema says (no zone, a T between date and time)."""
    if isinstance(value, str) and not re.fullmatch(LOCAL_DATE_TIME, value):
        raise ValueError("must be a local date-time like 2026-10-05T07:30:00, without a time zone")
    return datetime.fromisoformat(value) if isinstance(value, str) else value


# Naive hospital time as ISO 8601 text ("2026-10-05T07:30:00"): not RFC 3339's date-time, which needs a zone.
LocalDateTime = Annotated[
    NaiveDatetime,
    BeforeValidator(_local_text),
    WithJsonSchema({"type": "string", "pattern": LOCAL_DATE_TIME,
                    "description": "ISO 8601 local date-time (hospital time, no zone)."}),
]

Flag = Literal["booked short", "booked long"]
Model = TypeVar("Model", bound=BaseModel)


class CasePlan(BaseModel):
    """One scheduled case as simulated: its predicted minutes, when it likely starts and ends, the booking advice."""

    encounter_id: str
    site: str = Field(description="The case's site (hospital); with or_suite, its room.")
    or_suite: str
    service: str
    cpt_code: str
    surgeon: str | None = None
    scheduled_start: LocalDateTime
    booked_minutes: float = Field(description="Minutes booked for the case (its slot in the schedule).")
    predicted_p10_minutes: float = Field(description="10th percentile of the predicted in-room minutes.")
    predicted_p25_minutes: float = Field(description="25th percentile; a booking below it is flagged 'booked short'.")
    predicted_p50_minutes: float = Field(description="Median predicted in-room minutes.")
    predicted_p90_minutes: float = Field(description="90th percentile; a booking above it is flagged 'booked long'.")
    recommended_booking_minutes: float = Field(
        description="The predicted quantile q = r / (1 + r) of the in-room minutes, rounded up to 5 minutes."
    )
    start_p50: LocalDateTime = Field(description="Median simulated wheels-in (later of scheduled start and room free).")
    end_p50: LocalDateTime = Field(description="Median simulated wheels-out.")
    end_p90: LocalDateTime = Field(description="90th percentile of the simulated wheels-out.")
    flag: Flag | None = Field(
        default=None, description="'booked short' when booked < P25, 'booked long' when booked > P90, else null."
    )
    note: str | None = Field(default=None, description="Why the prediction is less specific (a fallback), if it is.")


class RoomPlan(BaseModel):
    """One room's simulated day: when it finishes, the chance of running past the staffed end, overtime and idle.

    A room is its site and its name: "OR 1" at two sites are two rooms, each with its own cases and turnovers."""

    site: str = Field(description="The room's site (hospital).")
    or_suite: str
    finish_p10: LocalDateTime
    finish_p50: LocalDateTime
    finish_p90: LocalDateTime
    p_overtime: float = Field(
        ge=0, le=1, description="Share of simulated days whose last wheels-out is after the staffed end."
    )
    expected_overtime_minutes: float = Field(description="Mean minutes the last wheels-out is after the staffed end.")
    expected_idle_minutes: float = Field(
        description="Mean minutes between the staffed start and the staffed end with no case in the room."
    )
    likely_late: bool = Field(description="p_overtime is at least 0.5.")
    cases: list[CasePlan]


class PlanTotals(BaseModel):
    """The day at a glance. Per-case booking minutes: overtime E[max(X - b, 0)], idle E[max(b - X, 0)]."""

    rooms: int
    cases: int
    rooms_likely_late: int = Field(description="Rooms whose chance of finishing after the staffed end is at least 0.5.")
    expected_room_overtime_minutes: float = Field(description="Sum of the rooms' expected overtime minutes.")
    expected_room_idle_minutes: float = Field(description="Sum of the rooms' expected idle minutes.")
    booked_overtime_minutes: float = Field(description="Sum over cases of E[max(X - booked, 0)].")
    booked_idle_minutes: float = Field(description="Sum over cases of E[max(booked - X, 0)].")
    recommended_overtime_minutes: float = Field(description="Sum over cases of E[max(X - recommended, 0)].")
    recommended_idle_minutes: float = Field(description="Sum over cases of E[max(recommended - X, 0)].")
    booked_cost: float = Field(description="cost_ratio x booked overtime + booked idle (idle-minute units).")
    recommended_cost: float = Field(description="cost_ratio x recommended overtime + recommended idle.")


class DayPlan(BaseModel):
    """A day's plan: every room with scheduled cases, simulated many times."""

    date: date
    cost_ratio: float | None = Field(
        description="Cost of one overtime minute relative to one idle minute; null when a quantile was given."
    )
    quantile: float = Field(description="The predicted quantile each case's recommended booking is set at.")
    staffed_start: LocalDateTime
    staffed_end: LocalDateTime
    model_version: str | None = Field(default=None, description="The model version whose predictions were simulated.")
    draws: int = Field(description="Number of simulated days.")
    sites: list[str] = Field(description="The sites of the planned rooms, in the rooms' order.")
    rooms: list[RoomPlan]
    totals: PlanTotals


class PlanCaseInput(BaseModel):
    """One case in a what-if: where and when it is scheduled and how long it is booked (other fields ignored,
    so a CasePlan from an answer can be sent back as it is, with its or_suite or scheduled_start changed)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    encounter_id: SingleLine = Field(min_length=1, max_length=TEXT_LIMITS["encounter_id"])
    site: SingleLine | None = Field(
        default=None, min_length=1, max_length=TEXT_LIMITS["site"],
        description="The case's site; required when the data has more than one site (else that one site).",
    )
    or_suite: SingleLine = Field(min_length=1, max_length=TEXT_LIMITS["or_suite"])
    service: SingleLine = Field(min_length=1, max_length=TEXT_LIMITS["service"])
    cpt_code: SingleLine = Field(min_length=1, max_length=TEXT_LIMITS["cpt_code"])
    surgeon: SingleLine | None = Field(default=None, max_length=TEXT_LIMITS["surgeon"])
    scheduled_start: LocalDateTime = Field(description="Local hospital time on the plan's date, no time zone.")
    booked_minutes: float = Field(gt=0, le=MAX_MINUTES)


class PlanOptions(BaseModel):
    """How bookings are recommended: a cost ratio r (quantile r / (1 + r)) or a quantile, not both."""

    cost_ratio: float | None = Field(default=None, ge=MIN_COST_RATIO, le=MAX_COST_RATIO,
                                     description="Cost of an overtime minute in idle minutes; bookings at r/(1+r).")
    quantile: float | None = Field(default=None, ge=MIN_QUANTILE, le=MAX_QUANTILE,
                                   description="Book each case at this predicted quantile instead.")

    @model_validator(mode="after")
    def _one_of(self) -> PlanOptions:
        if self.cost_ratio is not None and self.quantile is not None:
            raise ValueError("Give cost_ratio or quantile, not both.")
        return self

    @property
    def booking_quantile(self) -> float:
        if self.quantile is not None:
            return self.quantile
        return booking_quantile(self._cost_ratio_or_default)

    @property
    def effective_cost_ratio(self) -> float | None:
        """The ratio in use: the one given, the default when neither was given, None when a quantile was."""
        return None if self.quantile is not None else self._cost_ratio_or_default

    @property
    def _cost_ratio_or_default(self) -> float:
        return DEFAULT_COST_RATIO if self.cost_ratio is None else self.cost_ratio


class WhatIfRequest(PlanOptions):
    """A what-if: the day and its cases as the user rearranged them; nothing is stored."""

    model_config = ConfigDict(extra="ignore")

    date: date
    cases: list[PlanCaseInput] = Field(min_length=1, max_length=MAX_WHAT_IF_CASES)

    @model_validator(mode="after")
    def _same_day(self) -> WhatIfRequest:
        for index, case in enumerate(self.cases):
            if case.scheduled_start.date() != self.date:
                raise ValueError(f"cases[{index}].scheduled_start is not on {self.date.isoformat()}.")
        if len({case.encounter_id for case in self.cases}) != len(self.cases):
            raise ValueError("Each case's encounter_id must appear once.")
        return self


def booking_quantile(cost_ratio: float) -> float:
    """The newsvendor quantile: with overtime costing r idle minutes, book at q = r / (1 + r)."""
    return cost_ratio / (1.0 + cost_ratio)


def _field_of(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first.get("loc", ()))
    return location or "body"


def parse_model(kind: type[Model], payload: object, *, from_json: bool = False) -> Model:
    """Validate a payload into a model; a bad value raises InvalidInput naming the field.

    from_json: the payload is a decoded JSON body, checked strictly as JSON (numbers must be numbers, times
    ISO 8601 text); otherwise values may be text to convert, as query parameters are.
    """
    try:
        if from_json:
            return kind.model_validate_json(json.dumps(payload, allow_nan=True), strict=True)
        return kind.model_validate(payload)
    except ValidationError as error:
        first = error.errors()[0]
        field = _field_of(error)
        message = first.get("msg", "Invalid value").removeprefix("Value error, ")
        raise InvalidInput(f"{field}: {message}" if field != "body" else message, {"field": field}) from None
