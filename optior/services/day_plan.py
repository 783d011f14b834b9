"""Assemble a day plan: case distributions and turnover history in, the simulated DayPlan out.

Shared by the planner (the active model, recent history) and the backtest (a model and history of earlier dates).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

from optior.config import MetricSettings
from optior.plan.simulate import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    DayInput,
    DayResult,
    booking_cost,
    round_up_to,
    simulate_day,
)
from optior.plan.turnovers import turnover_pools
from optior.services.case_distribution import CaseDistributions, CaseQuery, quantile_minutes
from optior.services.planning_models import (
    CasePlan,
    DayPlan,
    Flag,
    PlanCaseInput,
    PlanOptions,
    PlanTotals,
    RoomPlan,
)
from optior.vocabulary import DEFAULT_SITE, room_order_key

# The grid is extended to these levels so draws reach into each case's tails (beyond them they are held).
TAIL_LEVELS = (0.002, 0.998)
LIKELY_LATE = 0.5
SHORT_LEVEL, LONG_LEVEL = 0.25, 0.9


def site_of(case: PlanCaseInput) -> str:
    """The case's site; a case without one is at the default site (the planning service fills it in first)."""
    return case.site or DEFAULT_SITE


def room_of(case: PlanCaseInput) -> tuple[str, str]:
    """A case's room: its site and its room name ("OR 1" at two sites are two rooms)."""
    return site_of(case), case.or_suite


def in_room_order(cases: Sequence[PlanCaseInput]) -> list[PlanCaseInput]:
    """Cases by site and room (natural order), then scheduled start, then as given."""
    indexed = sorted(enumerate(cases), key=lambda item: (room_order_key(*room_of(item[1])),
                                                          item[1].scheduled_start, item[0]))
    return [case for _, case in indexed]


def case_queries(cases: Sequence[PlanCaseInput]) -> list[CaseQuery]:
    """What the model needs per case; cases must be in room order (position = place in the room's day)."""
    queries: list[CaseQuery] = []
    previous_room: tuple[str, str] | None = None
    position = 0
    for case in cases:
        position = position + 1 if room_of(case) == previous_room else 1
        previous_room = room_of(case)
        queries.append(CaseQuery(service=case.service, cpt_code=case.cpt_code, or_suite=case.or_suite,
                                 surgeon=case.surgeon, scheduled_start=case.scheduled_start,
                                 booked_minutes=case.booked_minutes, position_in_day=position, site=site_of(case)))
    return queries


def clock_minutes(moment: datetime | time, day: date | None = None) -> float:
    """Minutes after the day's midnight (a datetime on a later day goes past 1440)."""
    if isinstance(moment, datetime):
        return (moment - datetime.combine(day or moment.date(), time())).total_seconds() / 60
    return moment.hour * 60 + moment.minute + moment.second / 60


def _at(day: date, minutes: float) -> datetime:
    return datetime.combine(day, time()) + timedelta(minutes=round(float(minutes)))


def _extended_grid(distributions: CaseDistributions) -> tuple[np.ndarray, np.ndarray]:
    low, high = (quantile_minutes(distributions, level) for level in TAIL_LEVELS)
    levels = np.concatenate([[TAIL_LEVELS[0]], distributions.levels, [TAIL_LEVELS[1]]])
    minutes = np.column_stack([np.minimum(low, distributions.minutes[:, 0]), distributions.minutes,
                               np.maximum(high, distributions.minutes[:, -1])])
    return levels, minutes


def _flag(booked: float, p25: float, p90: float) -> Flag | None:
    if booked < p25:
        return "booked short"
    if booked > p90:
        return "booked long"
    return None


def build_day_plan(
    day: date,
    cases: Sequence[PlanCaseInput],
    distributions: CaseDistributions,
    turnover_history: pd.DataFrame,
    metrics: MetricSettings,
    options: PlanOptions,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> DayPlan:
    """Simulate the cases (in room order, matching the distributions' rows) and describe the day."""
    q = options.booking_quantile
    numbers = {room: number for number, room in enumerate(dict.fromkeys(room_of(case) for case in cases))}
    room_number = np.array([numbers[room_of(case)] for case in cases], dtype=np.int64)
    booked = np.array([case.booked_minutes for case in cases], dtype=float)
    p10, p25, p50, p90, at_q = (quantile_minutes(distributions, level) for level in (0.1, SHORT_LEVEL, 0.5,
                                                                                      LONG_LEVEL, q))
    recommended = round_up_to(at_q)
    pools, turnover_note = turnover_pools(turnover_history, np.array([site_of(c) for c in cases], dtype=object),
                                          np.array([c.or_suite for c in cases], dtype=object),
                                          np.array([c.service for c in cases], dtype=object))
    levels, minutes = _extended_grid(distributions)
    staffed_start, staffed_end = clock_minutes(metrics.staffed_start), clock_minutes(metrics.staffed_end)
    result = simulate_day(
        DayInput(levels=levels, minutes=minutes, room=room_number,
                 scheduled_start=np.array([clock_minutes(c.scheduled_start, day) for c in cases]),
                 turnovers=pools, staffed_start=staffed_start, staffed_end=staffed_end,
                 turnover_cutoff=metrics.turnover_cutoff_minutes,
                 bookings={"booked": booked, "recommended": recommended}),
        draws=draws, seed=seed,
    )
    notes = [" ".join(part for part in (note, turnover_note) if part) or None
             for note in (distributions.notes or (None,) * len(cases))]
    case_plans = [
        CasePlan(
            encounter_id=case.encounter_id, site=site_of(case), or_suite=case.or_suite, service=case.service,
            cpt_code=case.cpt_code, surgeon=case.surgeon, scheduled_start=case.scheduled_start,
            booked_minutes=float(booked[i]), predicted_p10_minutes=_one(p10[i]), predicted_p25_minutes=_one(p25[i]),
            predicted_p50_minutes=_one(p50[i]), predicted_p90_minutes=_one(p90[i]),
            recommended_booking_minutes=float(recommended[i]),
            start_p50=_at(day, result.start_p50[i]), end_p50=_at(day, result.end_p50[i]),
            end_p90=_at(day, result.end_p90[i]), flag=_flag(booked[i], p25[i], p90[i]), note=notes[i],
        )
        for i, case in enumerate(cases)
    ]
    cases_of: list[list[CasePlan]] = [[] for _ in numbers]
    for case_plan, number in zip(case_plans, room_number, strict=True):
        cases_of[number].append(case_plan)
    room_plans = [_room_plan(day, room, number, result, cases_of[number]) for room, number in numbers.items()]
    return DayPlan(
        date=day, cost_ratio=options.effective_cost_ratio, quantile=round(q, 4),
        staffed_start=_at(day, staffed_start), staffed_end=_at(day, staffed_end),
        model_version=distributions.model_version, draws=draws,
        sites=list(dict.fromkeys(site for site, _ in numbers)), rooms=room_plans,
        totals=_totals(room_plans, result, q),
    )


def _one(value: float) -> float:
    return round(float(value), 1)


def _room_plan(day: date, room: tuple[str, str], r: int, result: DayResult, cases: list[CasePlan]) -> RoomPlan:
    p_overtime = float(result.p_overtime[r])
    return RoomPlan(
        site=room[0], or_suite=room[1], finish_p10=_at(day, result.finish[r, 0]),
        finish_p50=_at(day, result.finish[r, 1]), finish_p90=_at(day, result.finish[r, 2]),
        p_overtime=round(p_overtime, 4), expected_overtime_minutes=_one(result.expected_overtime[r]),
        expected_idle_minutes=_one(result.expected_idle[r]), likely_late=p_overtime >= LIKELY_LATE, cases=cases,
    )


def _totals(rooms: list[RoomPlan], result: DayResult, q: float) -> PlanTotals:
    ratio = q / (1 - q)  # the cost ratio a quantile stands for (exactly the given ratio when one was given)
    over, idle = result.booking_overtime, result.booking_idle
    return PlanTotals(
        rooms=len(rooms), cases=sum(len(room.cases) for room in rooms),
        rooms_likely_late=sum(room.likely_late for room in rooms),
        expected_room_overtime_minutes=_one(result.expected_overtime.sum()),
        expected_room_idle_minutes=_one(result.expected_idle.sum()),
        booked_overtime_minutes=_one(over["booked"].sum()), booked_idle_minutes=_one(idle["booked"].sum()),
        recommended_overtime_minutes=_one(over["recommended"].sum()),
        recommended_idle_minutes=_one(idle["recommended"].sum()),
        booked_cost=_one(booking_cost(over["booked"], idle["booked"], ratio)),
        recommended_cost=_one(booking_cost(over["recommended"], idle["recommended"], ratio)),
    )
