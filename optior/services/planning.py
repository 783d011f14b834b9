"""Plan the day ahead: simulate each room's scheduled day from the model's case distributions and history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd

from optior.db.case_filter import CaseFilter
from optior.db.scheduled_store import scheduled_days, scheduled_for_day
from optior.errors import NothingScheduled
from optior.services.case_distribution import case_distributions
from optior.services.day_plan import build_day_plan, case_queries, in_room_order
from optior.services.metric_summary import summary_inputs
from optior.services.planning_models import DayPlan, PlanCaseInput, PlanOptions, WhatIfRequest, parse_model
from optior.services.runtime import Runtime

# Turnovers are drawn from this much recent history (the metric summary's gaps, as the dashboard counts them).
TURNOVER_HISTORY_DAYS = 182
_EMPTY_TURNOVERS = pd.DataFrame({"room": [], "service": [], "turnover_minutes": []})


def planned_days(runtime: Runtime) -> list[date]:
    """Days that have scheduled (not yet completed) cases, earliest first."""
    with runtime.db.read() as connection:
        return scheduled_days(connection)


def turnover_history(runtime: Runtime, before: date, *, days: int = TURNOVER_HISTORY_DAYS) -> pd.DataFrame:
    """Turnover gaps (room, service, turnover_minutes) of the `days` days before `before`, as the metrics define
    them; empty when the summary is being rebuilt by another process."""
    case_filter = CaseFilter(start=before - timedelta(days=days), end=before - timedelta(days=1))
    inputs = summary_inputs(runtime, case_filter, daily=True)
    return _EMPTY_TURNOVERS if inputs is None else inputs.turnovers


def plan_cases(runtime: Runtime, day: date, cases: Sequence[PlanCaseInput], options: PlanOptions) -> DayPlan:
    """Simulate these cases on `day` with the active model and recent turnovers; nothing is stored."""
    ordered = in_room_order(cases)
    distributions = case_distributions(runtime, case_queries(ordered))
    return build_day_plan(day, ordered, distributions, turnover_history(runtime, day), runtime.settings.metrics,
                          options)


def scheduled_inputs(rows: list[dict]) -> list[PlanCaseInput]:
    """Stored scheduled cases as planner input."""
    return [PlanCaseInput.model_validate(row) for row in rows]


def plan_day(runtime: Runtime, day: date, *, cost_ratio: float | None = None,
             quantile: float | None = None) -> DayPlan:
    """Simulate every room's scheduled cases on `day`; raises NothingScheduled when the day has none."""
    options = parse_model(PlanOptions, {"cost_ratio": cost_ratio, "quantile": quantile})
    with runtime.db.read() as connection:
        rows = scheduled_for_day(connection, day)
        days = [] if rows else scheduled_days(connection)
    if not rows:
        listed = ", ".join(d.isoformat() for d in days[:31]) + (" and more" if len(days) > 31 else "")
        where = f"Days with scheduled cases: {listed}." if days else (
            "No cases are scheduled: import a CSV whose rows have the actual times (Wheels In, Start Time, "
            "End Time, Wheels Out) left empty."
        )
        raise NothingScheduled(f"No cases are scheduled on {day.isoformat()}. {where}",
                               {"field": "date", "scheduled_days": [d.isoformat() for d in days]})
    return plan_cases(runtime, day, scheduled_inputs(rows), options)


def plan_what_if(runtime: Runtime, request: WhatIfRequest) -> DayPlan:
    """Simulate the cases as the request arranges them; nothing is stored."""
    return plan_cases(runtime, request.date, request.cases, request)
