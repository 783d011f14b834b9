"""What each endpoint answers, as pydantic models: views serialise through them and the OpenAPI document is
generated from them. The prediction and the metrics are the services' own models; the others wrap what the
views assemble (a service's rows, a count, a job's state)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from optior.services.analytics_models import DaySummary
from optior.services.importing import ImportReport
from optior.services.planning_models import LocalDateTime
from optior.services.prediction_models import Prediction
from optior.services.training_models import ModelVersionSummary


class Closed(BaseModel):
    """A response whose keys are exactly its fields: a key the view adds or drops fails loudly in the tests."""

    model_config = ConfigDict(extra="forbid")


class Error(BaseModel):
    """Every 4xx body."""

    error: str = Field(description="What is wrong, in a sentence.")
    details: Any = Field(description="Structured help; names the offending 'field' where there is one.")


class InternalError(Closed):
    """A 500 body: the traceback is in the log under the id."""

    error: str
    error_id: str = Field(description="Quote it to the administrator: the log has the rest.")


class Health(Closed):
    status: Literal["ok"]
    database: Literal["ok"]
    cases: int = Field(ge=0)
    model_version: str | None


class SeedResult(Closed):
    message: str
    count: int = Field(ge=0, description="Rows accepted from the file.")
    report: ImportReport


class ClearResult(Closed):
    message: str
    deleted: int = Field(ge=0)


class Case(Closed):
    """One case of a day with all its times."""

    encounter_id: str
    site: str = Field(description="The site (hospital); with or_suite, the room's identity.")
    or_suite: str
    service: str
    cpt_code: str
    cpt_description: str | None
    surgeon: str | None
    scheduled_start: LocalDateTime
    wheels_in: LocalDateTime
    procedure_start: LocalDateTime
    procedure_end: LocalDateTime
    wheels_out: LocalDateTime
    booked_minutes: float
    in_room_minutes: float
    difference_minutes: float = Field(description="In-room minus booked minutes.")
    procedure_minutes: float
    start_delay_minutes: float = Field(description="Wheels in minus scheduled start.")


class Schedule(Closed):
    """An existing day without cases has an empty `cases` list; with no data at all, `date` and `summary` are null."""

    date: date | None
    cases: list[Case]
    summary: DaySummary | None


class ServiceTotals(Closed):
    service: str
    cases: int = Field(ge=1)
    mean_booked_minutes: float
    mean_in_room_minutes: float
    mean_difference_minutes: float
    in_room_hours: float


class Analytics(Closed):
    start: date
    end: date
    services: list[str] | None
    rooms: list[str] | None
    sites: list[str] | None
    by_service: list[ServiceTotals] = Field(description="Most in-room hours first.")


class PredictResult(Prediction):
    predicted_duration: float = Field(description="Same as predicted_minutes (kept for older clients).")


class RetrainResult(BaseModel):
    """What a retrain did; the card and the decision carry more than listed."""

    model_config = ConfigDict(extra="allow")

    status: Literal["activated", "kept"]
    message: str
    version: str
    previous_version: str | None = None
    active_version: str
    new_mae: float | None = None
    previous_mae: float | None = None
    decision: dict[str, Any] = Field(default_factory=dict)
    card: dict[str, Any] | None = Field(default=None, description="The new version's model card.")


class JobStarted(Closed):
    message: str
    job_id: int
    status: Literal["running"]
    status_url: str


class Job(Closed):
    job_id: int
    status: Literal["running", "done", "failed", "interrupted"]
    message: str | None
    result: dict[str, Any] | None = Field(description="The retrain result when done.")


class Models(Closed):
    active_version: str | None
    versions: list[ModelVersionSummary] = Field(description="Newest first.")
