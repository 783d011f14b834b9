"""Plan the day ahead: simulate each room's scheduled day from the model's case distributions and history."""

from __future__ import annotations

from datetime import date

from optior.services.planning_models import DayPlan, WhatIfRequest
from optior.services.runtime import Runtime


def planned_days(runtime: Runtime) -> list[date]:
    """Days that have scheduled (not yet completed) cases, earliest first."""
    raise NotImplementedError


def plan_day(runtime: Runtime, day: date, *, cost_ratio: float | None = None,
             quantile: float | None = None) -> DayPlan:
    """Simulate every room's scheduled cases on `day`; raises NothingScheduled when the day has none."""
    raise NotImplementedError


def plan_what_if(runtime: Runtime, request: WhatIfRequest) -> DayPlan:
    """Simulate the cases as the request arranges them; nothing is stored."""
    raise NotImplementedError
