"""The typed result of live accuracy: weekly figures of advance predictions, the holdout's, drift in words."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class AccuracyFigures(BaseModel):
    """Advance predictions against the actual minutes of the cases they were made for."""

    model_config = ConfigDict(extra="forbid")

    cases: int = Field(description="Scheduled cases whose actual minutes arrived.")
    mae: float = Field(description="Mean |actual − advance P50|, minutes.")
    bias: float = Field(description="Mean actual − advance P50, minutes (positive: ran longer).")
    interval_coverage: float = Field(description="Share of actuals inside the advance P10–P90.")


class WeekAccuracy(AccuracyFigures):
    week_start: date = Field(description="The Monday of the week.")


class LastWeeks(AccuracyFigures):
    weeks: int = Field(description="How many weeks with matched cases these figures cover.")


class Holdout(BaseModel):
    """The active model's figures on its holdout, for comparison."""

    model_config = ConfigDict(extra="forbid")

    mae: float | None
    interval_coverage: float | None
    version: str


class LiveAccuracy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weeks: list[WeekAccuracy]
    holdout: Holdout | None = Field(description="The active model's holdout figures (null without a model).")
    last_weeks: LastWeeks | None = Field(description="The last four weeks with matched cases, together.")
    drift: list[str] = Field(description="Coverage outside 70–90% or MAE over 20% above the holdout's, in words.")
