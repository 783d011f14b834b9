"""The prediction's typed contract: what predict_duration answers, read by the API, the predict page and the CLI.

Minutes are floats rounded to tenths; quantiles are keyed by their level as text ("0.1"), as JSON keys must be.
The OpenAPI document is generated from these models.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from optior.ml.spread import REPORTED_LEVELS, level_key


class Contribution(BaseModel):
    """How many minutes one input adds to (or takes from) the typical case."""

    feature: str = Field(description="The input, as a person names it ('CPT code', 'start time').")
    value: str = Field(description="The case's value of it, readable ('07:30', 'Tuesday', '90 min').")
    minutes: float


class Explanation(BaseModel):
    """Why this estimate: the baseline plus every contribution adds up to the prediction (within a minute)."""

    baseline_minutes: float = Field(description="Predicted minutes of a typical case of the service.")
    baseline_label: str = Field(description="Which typical case the baseline is ('typical Orthopedics case').")
    contributions: list[Contribution] = Field(description="Largest effects first; inputs equal to the baseline's "
                                                          "are left out.")


class ProcedureHistory(BaseModel):
    """The model's training cases of the CPT code."""

    cpt_code: str
    cases: int
    median_minutes: float


class PredictionInputs(BaseModel):
    """The case as it was predicted (and logged): texts stripped, the day's position worked out when not given."""

    service: str
    cpt_code: str
    site: str = Field(description="The site of the room (the only site when none was given).")
    or_suite: str
    case_date: str = Field(description="ISO 8601 date.")
    scheduled_start: str | None = Field(description="ISO 8601 local date-time, or null when not given.")
    booked_minutes: float | None
    surgeon: str | None
    position_in_day: int


class Prediction(BaseModel):
    """A case's predicted in-room minutes with its range, quantiles, explanation and how it compares to the booking."""

    predicted_minutes: float = Field(description="Predicted in-room minutes.")
    p10_minutes: float = Field(description="Lower end of the range.")
    p90_minutes: float = Field(description="Upper end of the range.")
    range_level: float = Field(description="Share of cases expected inside the range.")
    quantiles: dict[str, float] = Field(
        description="Predicted in-room minutes at each quantile level, keyed by the level as text: the case's "
                    "actual minutes are expected at or below it that share of the time.",
        json_schema_extra={"required": [level_key(level) for level in REPORTED_LEVELS]},
    )
    explanation: Explanation
    target: str = Field(description="What is predicted, in words.")
    model_version: str
    estimator: str
    inputs: PredictionInputs
    features: dict[str, str | int | float | None] = Field(description="The values the model was given.")
    notes: list[str] = Field(description="Fallbacks and assumptions.")
    history: ProcedureHistory | None
    history_text: str
    booked_minutes: float | None
    booked_difference_minutes: float | None = Field(description="Predicted minus booked minutes.")
    booked_comparison: str | None
    booked_within_range: bool | None
    prediction_id: int | None = Field(description="The logged prediction's number; null when not logged.")
