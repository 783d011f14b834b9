"""Plan the day ahead: simulate each room's scheduled day from the model's case distributions and history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from optior.db.case_filter import CaseFilter
from optior.db.scheduled_store import scheduled_days, scheduled_for_day
from optior.errors import InvalidInput, NothingScheduled
from optior.services.case_distribution import case_distributions
from optior.services.case_selection import site_names
from optior.services.day_plan import build_day_plan, case_queries, in_room_order, site_of
from optior.services.metric_summary import summary_inputs
from optior.services.planning_models import DayPlan, PlanCaseInput, PlanOptions, WhatIfRequest, parse_model
from optior.services.runtime import Runtime
from optior.services.sites import list_sites
from optior.vocabulary import DEFAULT_SITE, split_room_key

# Turnovers are drawn from this much recent history (the metric summary's gaps, as the dashboard counts them).
TURNOVER_HISTORY_DAYS = 182
TURNOVER_COLUMNS = ("site", "room", "service", "turnover_minutes")
_EMPTY_TURNOVERS = pd.DataFrame({column: [] for column in TURNOVER_COLUMNS})


def planned_days(runtime: Runtime, sites: Iterable[str] | None = None) -> list[date]:
    """Days that have scheduled (not yet completed) cases, at any of `sites` when given, earliest first."""
    with runtime.db.read() as connection:
        return scheduled_days(connection, site_names(sites))


def _sites_and_rooms(turnovers: pd.DataFrame) -> pd.DataFrame:
    """The summary's turnover gaps with their room key split into site and room (each distinct key split once)."""
    keys = pd.Categorical(turnovers["room"])
    sites, rooms = (np.array(names, dtype=object) for names in zip(*map(split_room_key, keys.categories), strict=True))
    return pd.DataFrame({"site": sites[keys.codes], "room": rooms[keys.codes],
                         "service": turnovers["service"].to_numpy(), "turnover_minutes": turnovers["turnover_minutes"]})


def turnover_history(runtime: Runtime, before: date, sites: Sequence[str], *,
                     days: int = TURNOVER_HISTORY_DAYS) -> pd.DataFrame:
    """Turnover gaps (site, room, service, turnover_minutes) of the `days` days before `before`, as the metrics
    define them, at `sites` (those the plan needs); empty when the summary is being rebuilt by another process.

    The gaps come from the metric summary, which keys a room by site and name, so the read is bounded by rooms and
    months whatever the history's size.
    """
    wanted = tuple(dict.fromkeys(sites)) or None
    case_filter = CaseFilter(start=before - timedelta(days=days), end=before - timedelta(days=1), sites=wanted)
    inputs = summary_inputs(runtime, case_filter, daily=True)
    return _EMPTY_TURNOVERS if inputs is None or inputs.turnovers.empty else _sites_and_rooms(inputs.turnovers)


def plan_cases(runtime: Runtime, day: date, cases: Sequence[PlanCaseInput], options: PlanOptions) -> DayPlan:
    """Simulate these cases (each with its site) on `day` with the active model and recent turnovers; nothing is
    stored."""
    ordered = in_room_order(cases)
    distributions = case_distributions(runtime, case_queries(ordered))
    history = turnover_history(runtime, day, [site_of(case) for case in ordered])
    return build_day_plan(day, ordered, distributions, history, runtime.settings.metrics, options)


def scheduled_inputs(rows: list[dict]) -> list[PlanCaseInput]:
    """Stored scheduled cases as planner input."""
    return [PlanCaseInput.model_validate(row) for row in rows]


def _nothing_scheduled(day: date, sites: tuple[str, ...] | None, days: list[date]) -> NothingScheduled:
    listed = ", ".join(d.isoformat() for d in days[:31]) + (" and more" if len(days) > 31 else "")
    at = f" at {', '.join(sites)}" if sites else ""
    where = f"Days with scheduled cases{at}: {listed}." if days else (
        f"No cases are scheduled{at}: import a CSV whose rows have the actual times (Wheels In, Start Time, "
        "End Time, Wheels Out) left empty."
    )
    return NothingScheduled(f"No cases are scheduled on {day.isoformat()}{at}. {where}",
                            {"field": "date", "scheduled_days": [d.isoformat() for d in days]})


def plan_day(runtime: Runtime, day: date, *, sites: Iterable[str] | None = None, cost_ratio: float | None = None,
             quantile: float | None = None) -> DayPlan:
    """Simulate every room's scheduled cases on `day` (only the rooms of `sites`, when given); raises
    NothingScheduled when the day has none there."""
    options = parse_model(PlanOptions, {"cost_ratio": cost_ratio, "quantile": quantile})
    chosen = site_names(sites)
    with runtime.db.read() as connection:
        rows = scheduled_for_day(connection, day, chosen)
        days = [] if rows else scheduled_days(connection, chosen)
    if not rows:
        raise _nothing_scheduled(day, chosen, days)
    return plan_cases(runtime, day, scheduled_inputs(rows), options)


def with_sites(runtime: Runtime, cases: Sequence[PlanCaseInput]) -> list[PlanCaseInput]:
    """The cases with their site filled in where it was left out: allowed only while the data has one site (or
    none), which is then the case's site. With several sites a case without one is refused, naming it."""
    missing = [index for index, case in enumerate(cases) if case.site is None]
    if not missing:
        return list(cases)
    known = list_sites(runtime)
    if len(known) > 1:
        raise InvalidInput(f"cases[{missing[0]}].site: give each case's site; the data has several sites "
                           f"({', '.join(known)}).", {"field": f"cases.{missing[0]}.site"})
    site = known[0] if known else DEFAULT_SITE
    return [case if case.site is not None else case.model_copy(update={"site": site}) for case in cases]


def plan_what_if(runtime: Runtime, request: WhatIfRequest) -> DayPlan:
    """Simulate the cases as the request arranges them; nothing is stored."""
    return plan_cases(runtime, request.date, with_sites(runtime, request.cases), request)
