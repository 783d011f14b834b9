"""Typed results of the day view: one day's headline figures with their definitions."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from optior.services.metric_models import Figure, MetricDefinition


class DaySummary(BaseModel):
    """A day's headline figures (None where undefined: no staffed time, no first cases) and their definitions."""

    model_config = ConfigDict(extra="forbid")

    day: date
    cases: int
    rooms_used: int
    in_room_hours: float
    first_case_count: int
    late_first_starts: int
    first_case_on_time_pct: Figure
    booking_accurate_pct: Figure
    raw_utilization_pct: Figure
    adjusted_utilization_pct: Figure
    turnover_median_minutes: Figure
    overtime_minutes: Figure
    definitions: dict[str, MetricDefinition]

    def figure(self, name: str) -> Figure:
        """One figure by its name, as the definitions key it (the cards list figures by name)."""
        if name not in self.definitions:
            raise KeyError(name)
        return getattr(self, name)
