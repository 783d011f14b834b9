"""What each endpoint accepts, as pydantic models: the views validate with them and the OpenAPI document is
generated from them, so the two cannot disagree.

Every field runs through the checks in params.py first, so a bad value raises InvalidInput naming the field in
the API's own words (pydantic lets exceptions other than ValueError pass through untouched); the Field
constraints repeat the same limits for the generated schema, and should one still refuse a value, parse_model
turns pydantic's error into the same 400 naming the field (never a 422 or a 500).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from functools import cache
from typing import Annotated, Any, TypeVar

from flask import request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema, model_validator

from optior.api.params import (
    CLOCK_TIME,
    MAX_JOB_ID,
    MAX_MINUTES,
    MAX_POSITION,
    SUPPORTED_DATES,
    TEXT_LIMITS,
    json_object,
    parse_clock,
    parse_date,
    parse_flag,
    parse_job_id,
    parse_minutes,
    parse_position,
    parse_text,
)
from optior.errors import InvalidInput
from optior.services.planning_models import parse_model
from optior.text_rules import SINGLE_LINE_PATTERN

Model = TypeVar("Model", bound=BaseModel)
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATE_RANGE = f"From {SUPPORTED_DATES[0]} to {SUPPORTED_DATES[1]}."
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def _checked(parse: Callable[[Any, str], Any]) -> BeforeValidator:
    """Run params.py's check for the field (by its name); null stays null (absent)."""
    return BeforeValidator(lambda value, info: None if value is None else parse(value, _name(info)))


def _name(info: ValidationInfo) -> str:
    return info.field_name or "body"


def _texts(values: list[object] | None, info: ValidationInfo) -> tuple[str, ...] | None:
    """A repeated text parameter, each value checked, duplicates dropped (first kept); None when absent."""
    if not values:
        return None
    return tuple(dict.fromkeys(parse_text(value, _name(info)) for value in values))


def _text(field: str, description: str, *, required: bool = False) -> Any:
    """A single-line text field of at most TEXT_LIMITS[field] characters."""
    return Field(... if required else None, min_length=1, max_length=TEXT_LIMITS[field], description=description)


def _names_schema(field: str) -> WithJsonSchema:
    """A repeated text parameter (?room=OR 1&room=OR 2), described as the array it is."""
    item = {"type": "string", "minLength": 1, "maxLength": TEXT_LIMITS[field], "pattern": SINGLE_LINE_PATTERN}
    return WithJsonSchema({"type": "array", "items": item})


Text = Annotated[str, _checked(parse_text), Field(json_schema_extra={"pattern": SINGLE_LINE_PATTERN})]
Day = Annotated[date, _checked(parse_date)]
Flag = Annotated[bool, BeforeValidator(lambda value, info: False if value is None else parse_flag(value, _name(info)))]
ServiceList = Annotated[tuple[str, ...] | None, BeforeValidator(_texts), _names_schema("service")]
RoomList = Annotated[tuple[str, ...] | None, BeforeValidator(_texts), _names_schema("room")]
SiteList = Annotated[tuple[str, ...] | None, BeforeValidator(_texts), _names_schema("site")]
SITE_FILTER = "Only these sites (hospitals). Repeat the parameter for several."


def date_field(description: str, *, pattern: str = DATE_PATTERN, default: Any = None) -> Any:
    return Field(default, description=f"{description} {DATE_RANGE}",
                 json_schema_extra={"pattern": pattern, "examples": ["2026-07-01"]})


class DayQuery(BaseModel):
    """?date= of one day's view."""

    date: Day | None = date_field("The day (default: the latest day with cases).")
    site: SiteList = Field(None, description=SITE_FILTER)


class SelectionQuery(BaseModel):
    """?start=&end=&service=&room=&site=: a range of days, optionally only some services, rooms and sites."""

    start: Day | None = date_field("First day, inclusive (default: the first day with cases, or for metrics 90 days "
                              "before end).")
    end: Day | None = date_field("Last day, inclusive (default: the last day with cases); not before start.")
    service: ServiceList = Field(None, description="Only these services. Repeat the parameter for several.")
    room: RoomList = Field(None, description="Only these OR suites (by name; with site=, only those sites' rooms). "
                                         "Repeat the parameter for several.")
    site: SiteList = Field(None, description=SITE_FILTER)


class ImportFlags(BaseModel):
    """?strict=&replace= of an import (also accepted as form fields beside the file)."""

    strict: Flag = Field(False, description="Import nothing if any row is rejected (422).")
    replace: Flag = Field(False, description="Remove all existing cases first, in the same transaction.")


class SeedUpload(ImportFlags):
    """A multipart upload of a CSV file, with the import's flags as form fields."""

    file: bytes = Field(description="The CSV file.")


class RetrainFlags(BaseModel):
    """?force=&background= of a retrain."""

    force: Flag = Field(False, description="Activate the new version without comparing.")
    background: Flag = Field(False, description="Answer at once (202) and train in the background; poll `status_url`.")


class JobQuery(BaseModel):
    """?id= of a background job."""

    id: Annotated[int, BeforeValidator(lambda value, info: parse_job_id(value, _name(info)))] = Field(
        ge=1, le=MAX_JOB_ID, description="The job number.")


Clock = Annotated[time | None, _checked(parse_clock), WithJsonSchema({
    "anyOf": [{"type": "string", "pattern": f"^{CLOCK_TIME.pattern}$", "description": "Local time, HH:MM."},
              {"type": "null"}]})]


class PredictRequest(BaseModel):
    """One case to predict. Fields are checked in this order; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    service: Text = _text("service", "The case's service (specialty).", required=True)
    cpt_code: Text = _text("cpt_code", "The procedure's CPT code.", required=True)
    site: Text | None = _text("site", "The site (hospital) of the room. Required when the cases come from more than "
                                      "one site; otherwise the only site.")
    or_suite: Text = _text("or_suite", "The OR suite (room) at that site.", required=True)
    surgeon: Text | None = _text("surgeon", "The surgeon, if known.")
    label: Text | None = _text("label", "Case label or patient name: stored with the logged prediction only, "
                                        "never logged or exported.")
    date: Day = date_field("The case's day.", pattern=r"^(19|20)\d{2}-\d{2}-\d{2}$", default=...)
    scheduled_start: Clock = None
    booked_minutes: Annotated[float | None, _checked(parse_minutes)] = Field(None, gt=0, le=MAX_MINUTES)
    position_in_day: Annotated[int | None, _checked(parse_position)] = Field(
        None, ge=1, le=MAX_POSITION, description="Default: worked out from the cases stored for that room and day.")

    @model_validator(mode="before")
    @classmethod
    def _required_first(cls, body: Any) -> Any:
        """Name every missing (or null) required field before checking any value."""
        required = [name for name, field in cls.model_fields.items() if field.is_required()]
        missing = [name for name in required if body.get(name) is None]
        if missing:
            raise InvalidInput(f"'{missing[0]}' is required; required fields: {', '.join(required)}.",
                               {"field": missing[0], "missing": missing})
        return body


@cache
def repeated_fields(kind: type[BaseModel]) -> frozenset[str]:
    """The fields described as arrays: query parameters that may be given several times."""
    properties = kind.model_json_schema()["properties"]
    return frozenset(name for name, schema in properties.items() if schema.get("type") == "array")


def query(kind: type[Model]) -> Model:
    """The request's query parameters as the model: every field given (None when absent), lists for arrays."""
    repeated = repeated_fields(kind)
    return parse_model(kind, {
        name: request.args.getlist(name) if name in repeated else request.args.get(name) for name in kind.model_fields
    })


def form_or_query(kind: type[Model]) -> Model:
    """Flags from the form fields of a form upload, else from the query."""
    source = request.values if request.mimetype in FORM_TYPES else request.args
    return parse_model(kind, {name: source.get(name) for name in kind.model_fields})


def json_body(kind: type[Model]) -> Model:
    """The JSON object body as the model; unknown fields refused by name."""
    return parse_model(kind, json_object(allowed=frozenset(kind.model_fields)))
