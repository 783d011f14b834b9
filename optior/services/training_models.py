"""Typed results of the model registry as users see it: one line per saved version."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from optior.services.planning_models import LocalDateTime


class DateSpan(BaseModel):
    """First and last case day (ISO 8601) of a training or holdout set."""

    model_config = ConfigDict(extra="forbid")

    first: str
    last: str


class ModelVersionSummary(BaseModel):
    """A saved version with its headline holdout figures and why it was (not) activated."""

    model_config = ConfigDict(extra="forbid")

    version: str
    trained_at: LocalDateTime
    activated_at: LocalDateTime | None
    is_active: bool
    rows_used: int
    estimator: str
    # Cards written before the span became an object hold [first, last]; both are served as stored.
    train_dates: DateSpan | list[str]
    test_dates: DateSpan | list[str]
    mae: float | None = Field(description="Holdout mean absolute error, minutes.")
    interval_coverage: float | None = Field(description="Share of holdout cases inside the P10–P90 range.")
    booked_mae: float | None = Field(description="The booked minutes' MAE on the same holdout.")
    procedure_median_mae: float | None = Field(description="The procedure median's MAE on the same holdout.")
    decision: str = Field(description="Why it was or was not activated.")
