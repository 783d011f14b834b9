"""The room-day simulation and the day plan checked against days worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from optior.config import MetricSettings
from optior.ml.spread import QUANTILE_LEVELS
from optior.plan.simulate import (
    DayInput,
    TurnoverPools,
    _percentiles,
    bin_minutes,
    booking_cost,
    round_up_to,
    simulate_day,
)
from optior.plan.turnovers import turnover_pools
from optior.services.case_distribution import CaseDistributions
from optior.services.day_plan import build_day_plan
from optior.services.planning_models import PlanCaseInput, PlanOptions, booking_quantile

LEVELS = np.array([0.1, 0.5, 0.9])
DAY = date(2026, 10, 5)


def fixed(*minutes: float) -> np.ndarray:
    """Quantile grids with no spread: each case always takes exactly its minutes."""
    return np.repeat(np.array(minutes, dtype=float)[:, None], len(LEVELS), axis=1)


def one_turnover(n: int, minutes: float) -> TurnoverPools:
    return TurnoverPools(np.array([minutes]), np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64))


def test_a_day_without_spread_runs_exactly_as_worked_out_by_hand():
    # Room 0: 60 min at 07:30, 90 min at 08:30, 30 min at 11:00 (given out of order); room 1: 600 min at 08:00.
    # Turnovers are 20 min; staffed 07:00-17:00 (420-1020); a gap up to 90 min is turnover, not idle.
    day = DayInput(
        levels=LEVELS, minutes=fixed(30, 60, 600, 90), room=np.array([0, 0, 1, 0]),
        scheduled_start=np.array([660.0, 450.0, 480.0, 510.0]), turnovers=one_turnover(4, 20.0),
        staffed_start=420.0, staffed_end=1020.0, turnover_cutoff=90.0,
        bookings={"booked": np.array([45.0, 45.0, 600.0, 120.0])},
    )
    result = simulate_day(day, draws=50)
    # Case at 07:30 runs 450-510; the 08:30 case waits for the turnover: 530-620; the 11:00 case starts on time.
    assert result.start_p50.tolist() == [660.0, 450.0, 480.0, 530.0]
    assert result.end_p50.tolist() == [690.0, 510.0, 1080.0, 620.0]
    assert result.finish.tolist() == [[690.0] * 3, [1080.0] * 3]
    assert result.p_overtime.tolist() == [0.0, 1.0]
    assert result.expected_overtime.tolist() == [0.0, 60.0]
    # Room 0 idle: 07:00-07:30 and 11:30-17:00 (the 40-min gap before 11:00 counts as turnover): 30 + 330.
    assert result.expected_idle.tolist() == [360.0, 60.0]
    assert result.booking_overtime["booked"].tolist() == [0.0, 15.0, 0.0, 0.0]
    assert result.booking_idle["booked"].tolist() == [15.0, 0.0, 0.0, 30.0]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_rooms_with_different_case_counts_run_their_own_days_in_any_input_order(workers):
    # Room 2: 3 cases of 60 min booked back to back from 07:30 (20-min turnovers push the later two back);
    # room 0: 2 cases of 100 min at 08:00 and 13:00; room 1: one 30-min case at 09:00. Given interleaved.
    day = DayInput(
        levels=LEVELS, minutes=fixed(60, 100, 60, 30, 60, 100), room=np.array([2, 0, 2, 1, 2, 0]),
        scheduled_start=np.array([450.0, 780.0, 510.0, 540.0, 570.0, 480.0]), turnovers=one_turnover(6, 20.0),
        staffed_start=420.0, staffed_end=1020.0, turnover_cutoff=90.0, bookings={},
    )
    result = simulate_day(day, draws=20, workers=workers)  # rooms split over threads come back in their places
    assert result.start_p50.tolist() == [450.0, 780.0, 530.0, 540.0, 610.0, 480.0]
    assert result.end_p50.tolist() == [510.0, 880.0, 590.0, 570.0, 670.0, 580.0]
    assert result.finish[:, 1].tolist() == [880.0, 570.0, 670.0]  # per room number, not per case count
    # Room 0 is idle 07:00-08:00, 09:40-13:00 (a 200-min gap is not turnover) and 14:40-17:00: 60 + 200 + 140;
    # room 1 before 09:00 and after 09:30; room 2 before 07:30 and after 11:10.
    assert result.expected_idle.tolist() == [400.0, 570.0, 380.0]


def test_a_day_split_over_threads_gives_the_same_plan_as_one_thread():
    # 30 rooms of 1 to 5 cases with spread, given in shuffled order: the plan must not depend on the machine's cores.
    rng = np.random.default_rng(11)
    room = rng.permutation(np.repeat(np.arange(30), rng.integers(1, 6, 30)))
    median = rng.uniform(30, 200, len(room))
    day = DayInput(
        levels=LEVELS, minutes=median[:, None] * np.array([0.7, 1.0, 1.5]), room=room,
        scheduled_start=450 + rng.uniform(0, 400, len(room)).round(),
        turnovers=TurnoverPools(rng.gamma(2.0, 10.0, 50), np.zeros(len(room), np.int64), np.full(len(room), 50)),
        staffed_start=420.0, staffed_end=1020.0, turnover_cutoff=90.0, bookings={"booked": median.round()},
    )
    alone, split = simulate_day(day, draws=2_000, workers=1), simulate_day(day, draws=2_000, workers=2)
    for name in ("finish", "p_overtime", "expected_overtime", "expected_idle", "start_p50", "end_p50", "end_p90"):
        assert np.array_equal(getattr(alone, name), getattr(split, name)), name
    assert 0 < alone.p_overtime.mean() < 1  # a day with late and on-time rooms, so the comparison means something


def test_percentiles_match_numpy_linear_percentiles():
    values = np.random.default_rng(3).gamma(2.0, 30.0, (7, 1001)).astype(np.float32)
    expected = np.percentile(values, [10, 50, 90], axis=1)
    assert _percentiles(values.copy(), (10, 50, 90)) == pytest.approx(expected, rel=1e-6)
    assert _percentiles(values[:, :1].copy(), (10, 50, 90)) == pytest.approx(np.repeat(values[:, :1].T, 3, 0))


def test_same_seed_same_day_and_draws_follow_each_quantile_grid():
    minutes = np.array([[40.0, 60.0, 100.0], [10.0, 20.0, 30.0]])
    day = DayInput(levels=LEVELS, minutes=minutes, room=np.array([0, 0]), scheduled_start=np.array([450.0, 480.0]),
                   turnovers=TurnoverPools(np.array([10.0, 20.0, 30.0]), np.zeros(2, np.int64), np.full(2, 3)),
                   staffed_start=420.0, staffed_end=1020.0, turnover_cutoff=90.0, bookings={})
    first, again, other = simulate_day(day, seed=1), simulate_day(day, seed=1), simulate_day(day, seed=2)
    assert first.finish.tolist() == again.finish.tolist() and first.finish.tolist() != other.finish.tolist()
    binned = bin_minutes(LEVELS, minutes)  # what each draw picks one value of, at random
    assert np.quantile(binned, [0.1, 0.3, 0.5, 0.9], axis=1) == pytest.approx(
        np.array([[40, 10], [50, 15], [60, 20], [100, 30]]), abs=0.1)  # linear between the grid's levels
    assert binned.min(axis=1).tolist() == [40, 10] and binned.max(axis=1).tolist() == [100, 30]  # held at the ends


def test_turnovers_come_from_the_most_specific_history_with_enough_gaps():
    # North's room 1 and 2; South's room 1 has 35 gaps of its own (the same name, another room).
    history = pd.DataFrame({
        "site": ["North"] * 55 + ["South"] * 35,
        "room": ["1"] * 40 + ["1"] * 5 + ["2"] * 10 + ["1"] * 35,
        "service": ["Urology"] * 40 + ["Vascular"] * 5 + ["Vascular"] * 10 + ["Ortho"] * 35,
        "turnover_minutes": [25.0] * 40 + [60.0] * 5 + [90.0] * 10 + [15.0] * 35,
    })
    pools, note = turnover_pools(history, np.array(["North", "North", "North", "North", "South", "East"], dtype=object),
                                 np.array(["1", "1", "2", "3", "1", "1"], dtype=object),
                                 np.array(["Urology", "Vascular", "Vascular", "Ortho", "Urology", "Urology"],
                                          dtype=object), min_gaps=30)
    drawn = [set(pools.values[pools.start[i]:pools.start[i] + pools.length[i]]) for i in range(6)]
    assert drawn[0] == {25.0}  # North's room 1 and Urology: 40 gaps
    assert drawn[1] == {25.0, 60.0}  # room 1 and Vascular has 5: North's room 1's 45 gaps
    assert drawn[2] == {25.0, 60.0, 90.0, 15.0}  # too few for room 2 or Vascular: every gap
    assert drawn[3] == {15.0}  # no gaps for North's room 3: Ortho's 35
    assert drawn[4] == {15.0}  # South's room 1 (Urology has none there): its own 35 gaps, not North's room 1's
    assert drawn[5] == {25.0}  # East has no room 1 in the history: Urology's 40 gaps
    assert [len(pools.values[pools.start[i]:pools.start[i] + pools.length[i]]) for i in range(6)] == [
        40, 45, 90, 35, 35, 40]
    assert note is None
    empty, note = turnover_pools(history.iloc[:0], np.array(["North"], dtype=object), np.array(["1"], dtype=object),
                                 np.array(["X"], dtype=object))
    assert empty.values.tolist() == [30.0] and "No turnovers in the history" in note


def test_booking_quantile_rounding_and_costs_on_a_hand_made_day():
    assert booking_quantile(2.0) == pytest.approx(2 / 3) and booking_quantile(1.0) == 0.5
    assert round_up_to(np.array([120.0, 120.2, 166.7])).tolist() == [120.0, 125.0, 170.0]
    assert booking_cost(np.array([20.0]), np.array([5.0]), 2.0) == 45.0
    # Case A always takes 120 min and is booked 100; case B's minutes are spread 101-199 (its q-th quantile is
    # about 100 + 100 q), booked 150.
    grid = np.vstack([np.full(len(QUANTILE_LEVELS), 120.0), 100.0 + 100.0 * QUANTILE_LEVELS])
    distributions = CaseDistributions(levels=QUANTILE_LEVELS, minutes=grid, model_version="hand", notes=(None, None))
    cases = [
        PlanCaseInput(encounter_id="A", or_suite="1", service="S", cpt_code="1",
                      scheduled_start=datetime(2026, 10, 5, 7, 30), booked_minutes=100),
        PlanCaseInput(encounter_id="B", or_suite="2", service="S", cpt_code="2",
                      scheduled_start=datetime(2026, 10, 5, 7, 30), booked_minutes=150),
    ]
    history = pd.DataFrame({"room": [], "service": [], "turnover_minutes": []})
    plan = build_day_plan(DAY, cases, distributions, history, MetricSettings(), PlanOptions(cost_ratio=2))
    a, b = plan.rooms[0].cases[0], plan.rooms[1].cases[0]
    assert plan.quantile == pytest.approx(0.6667) and plan.cost_ratio == 2
    assert a.recommended_booking_minutes == 120 and a.flag == "booked short"  # 100 < P25 = 120
    assert b.recommended_booking_minutes == 170  # about 166.7, rounded up to 5 minutes
    assert b.flag is None and (b.predicted_p25_minutes, b.predicted_p90_minutes) == pytest.approx((125, 190), abs=0.5)
    totals = plan.totals
    assert totals.booked_overtime_minutes == pytest.approx(20 + 12.5, abs=0.5)  # A: 20; B: E[max(X-150,0)] = 12.5
    assert totals.booked_idle_minutes == pytest.approx(12.5, abs=0.5)  # B: E[max(150-X,0)]
    assert totals.recommended_overtime_minutes == pytest.approx(4.5, abs=0.5)  # B: (199-170)^2 / 2 / 98 = 4.3
    assert totals.booked_cost == pytest.approx(2 * 32.5 + 12.5, abs=1.5)
    assert totals.recommended_cost < totals.booked_cost
    quantile_plan = build_day_plan(DAY, cases, distributions, history, MetricSettings(), PlanOptions(quantile=0.9))
    assert quantile_plan.cost_ratio is None and quantile_plan.rooms[1].cases[0].recommended_booking_minutes == 190
