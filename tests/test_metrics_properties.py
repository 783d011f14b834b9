"""Property tests: random small days against a minute-by-minute reference, and invariants on generated data."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optior.config import MetricSettings
from optior.services.analytics import specialty_breakdown
from optior.services.metrics import or_metrics
from tests.metrics_cases import SATURDAY, THURSDAY, WEDNESDAY, Case, load

PARAMS = MetricSettings()
STAFFED, PRIME = (7 * 60, 17 * 60), (7 * 60 + 30, 15 * 60 + 30)
DB_EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _clock(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


@st.composite
def random_cases(draw) -> list[tuple[str, date, int, int, int, int]]:
    """(room, day, wheels in, wheels out, scheduled, booked), minutes after the day's midnight."""
    rows = []
    for _ in range(draw(st.integers(1, 9))):
        start = draw(st.integers(5 * 60, 20 * 60))
        rows.append((
            draw(st.sampled_from(["A", "B"])),
            draw(st.sampled_from([WEDNESDAY, THURSDAY, SATURDAY])),
            start,
            start + draw(st.integers(1, 12 * 60)),
            start + draw(st.integers(-60, 60)),
            draw(st.integers(10, 600)),
        ))
    return rows


def reference(rows) -> dict:
    """The figures worked out on a one-minute grid per room-day, with a plain loop for the turnovers."""
    result = dict(in_window=0, prime=0, overtime=0, weekend=0, credit=0, idle=0, turnovers=[], idle_gaps=0, late=0,
                  accurate=0)
    for room, day in {(row[0], row[1]) for row in rows}:
        busy, turnover, credited = (np.zeros(2 * 1440, dtype=bool) for _ in range(3))
        reach = None
        room_day = sorted((row for row in rows if (row[0], row[1]) == (room, day)), key=lambda row: row[2])
        for _, _, wheels_in, wheels_out, _, _ in room_day:
            busy[wheels_in:wheels_out] = True
            if reach is not None:
                gap = wheels_in - reach
                if 0 <= gap <= PARAMS.turnover_cutoff_minutes:
                    result["turnovers"].append(gap)
                    turnover[reach:wheels_in] = True
                    credited[reach : reach + min(gap, int(PARAMS.max_turnover_credit_minutes))] = True
                elif gap > PARAMS.turnover_cutoff_minutes:
                    result["idle_gaps"] += 1
            reach = wheels_out if reach is None else max(reach, wheels_out)
        if day.weekday() < 5:
            window = slice(*STAFFED)
            result["in_window"] += busy[window].sum()
            result["prime"] += busy[slice(*PRIME)].sum()
            result["overtime"] += busy[STAFFED[1]:].sum()
            result["credit"] += credited[window].sum()
            result["idle"] += (~busy[window] & ~turnover[window]).sum()
        else:
            result["weekend"] += busy.sum()
    for _, _, wheels_in, wheels_out, scheduled, booked in rows:
        result["late"] += wheels_in > scheduled + PARAMS.on_time_grace_minutes
        result["accurate"] += abs((wheels_out - wheels_in) - booked) <= max(booked * 0.1, 15)
    return result


@DB_EXAMPLES
@given(rows=random_cases())
def test_figures_match_a_minute_by_minute_reference(runtime, rows):
    load(runtime, [
        Case(room, _clock(wheels_in), _clock(wheels_out), booked=booked, scheduled=_clock(scheduled), day=day)
        for room, day, wheels_in, wheels_out, scheduled, booked in rows
    ])
    figures = or_metrics(runtime, start=WEDNESDAY, end=SATURDAY).overall
    expected = reference(rows)
    assert figures["cases"] == len(rows)
    assert figures["staffed_in_room_minutes"] == pytest.approx(expected["in_window"])
    assert figures["prime_time_utilization_pct"] is None or figures["prime_time_utilization_pct"] == pytest.approx(
        100 * expected["prime"] / (480 * figures["staffed_room_days"])
    )
    assert figures["overtime_minutes"] == pytest.approx(expected["overtime"])
    assert figures["weekend_in_room_minutes"] == pytest.approx(expected["weekend"])
    assert figures["turnover_credit_minutes"] == pytest.approx(expected["credit"])
    assert figures["idle_minutes"] == pytest.approx(expected["idle"])
    assert figures["turnover_count"] == len(expected["turnovers"])
    assert figures["idle_gap_count"] == expected["idle_gaps"]
    if expected["turnovers"]:
        assert figures["turnover_median_minutes"] == pytest.approx(np.median(expected["turnovers"]))
        assert figures["turnover_p90_minutes"] == pytest.approx(np.percentile(expected["turnovers"], 90))
    assert figures["late_starts"] == expected["late"]
    assert figures["booking_accurate_pct"] == pytest.approx(100 * expected["accurate"] / len(rows))


SAMPLE_FIRST, SAMPLE_DAYS = date(2026, 7, 1), 92


@st.composite
def sample_selections(draw) -> dict:
    start = SAMPLE_FIRST + timedelta(days=draw(st.integers(0, SAMPLE_DAYS - 1)))
    end = start + timedelta(days=draw(st.integers(0, 40)))
    rooms = draw(st.none() | st.lists(st.sampled_from([str(n) for n in range(1, 10)]), min_size=1, unique=True))
    some_services = st.lists(st.sampled_from(["Orthopedics", "Urology", "Podiatry"]), min_size=1, unique=True)
    services = draw(st.none() | some_services)
    return {"start": start, "end": end, "rooms": rooms, "services": services}


@DB_EXAMPLES
@given(selection=sample_selections())
def test_invariants_on_generated_data(sample_runtime, selection):
    result = or_metrics(sample_runtime, **selection)
    overall = result.overall
    raw, adjusted, prime = (overall[f"{name}_utilization_pct"] for name in ("raw", "adjusted", "prime_time"))
    if overall["staffed_room_days"]:
        assert 0 <= raw <= adjusted <= 100
        assert 0 <= prime <= 100
        assert 0 <= overall["idle_minutes"] <= overall["staffed_minutes"] - overall["staffed_in_room_minutes"]
    else:
        assert raw is None and adjusted is None
    assert overall["staffed_minutes"] == 600 * overall["staffed_room_days"]
    if overall["turnover_count"]:
        median, p90 = overall["turnover_median_minutes"], overall["turnover_p90_minutes"]
        assert 0 <= median <= p90 <= PARAMS.turnover_cutoff_minutes
    if overall["cases"]:
        shares = overall["booking_accurate_pct"] + overall["under_booked_pct"] + overall["over_booked_pct"]
        assert shares == pytest.approx(100)
        assert 0 <= overall["first_case_on_time_pct"] <= 100
    assert sum(row["cases"] for row in result.by_room) == overall["cases"]
    assert sum(row["cases"] for row in result.by_service) == overall["cases"]
    assert sum(row["cases"] for row in result.by_week) == overall["cases"]
    heatmap = result.by_room_day
    assert sum(heatmap["staffed_minutes"]) == overall["staffed_minutes"]
    assert sum(row.turnovers for row in result.turnover_histogram) == overall["turnover_count"]
    for raw_day, adjusted_day in zip(heatmap["raw_utilization_pct"], heatmap["adjusted_utilization_pct"], strict=True):
        assert 0 <= raw_day <= adjusted_day <= 100
    # The SQL aggregate of the analytics service counts the same cases and in-room minutes.
    workload = specialty_breakdown(sample_runtime, **selection)
    assert sum(row["cases"] for row in workload) == overall["cases"]
    assert sum(row["in_room_hours"] for row in workload) * 60 == pytest.approx(overall["in_room_minutes"])
