"""OR efficiency metrics on small hand-built days; every expected figure is worked out in the comments.

Defaults: staffed 07:00-17:00 (600 min) on weekdays, prime 07:30-15:30 (480 min), turnover cut-off
90 min, turnover credit up to 60 min, on-time grace 5 min, booking tolerance max(10%, 15 min).
"""

from __future__ import annotations

import json
from datetime import time

import pytest

from optior.config import MetricSettings
from optior.errors import InvalidInput
from optior.services.metrics import metric_glossary, or_metrics
from optior.services.runtime import Runtime
from tests.metrics_cases import SATURDAY, THREE_ROOMS, THURSDAY, WEDNESDAY, Case, load


def overall(runtime: Runtime, start=WEDNESDAY, end=WEDNESDAY, **filters) -> dict:
    return or_metrics(runtime, start=start, end=end, **filters).overall


def test_room_with_one_case(runtime):
    load(runtime, [Case("A", "07:30", "09:30", booked=120)])
    figures = overall(runtime)
    assert figures["cases"] == 1
    assert figures["staffed_minutes"] == 600
    assert figures["raw_utilization_pct"] == pytest.approx(100 * 120 / 600)  # 20 %
    assert figures["adjusted_utilization_pct"] == pytest.approx(20.0)  # no turnover to credit
    assert figures["prime_time_utilization_pct"] == pytest.approx(100 * 120 / 480)  # 07:30-09:30 all prime
    assert figures["idle_minutes"] == 480  # 07:00-07:30 and 09:30-17:00
    assert figures["overtime_minutes"] == 0
    assert figures["turnover_count"] == 0
    assert figures["turnover_median_minutes"] is None
    assert figures["first_case_on_time_pct"] == 100
    assert figures["booking_accurate_pct"] == 100


def test_back_to_back_cases(runtime):
    # 08:00-09:00, 09:00-10:00 (turnover 0), 10:30-11:30 (turnover 30)
    load(runtime, [
        Case("A", "08:00", "09:00", booked=60),
        Case("A", "09:00", "10:00", booked=60),
        Case("A", "10:30", "11:30", booked=60),
    ])
    figures = overall(runtime)
    assert figures["turnover_count"] == 2
    assert figures["turnover_median_minutes"] == pytest.approx(15.0)  # median of 0 and 30
    assert figures["turnover_mean_minutes"] == pytest.approx(15.0)
    assert figures["raw_utilization_pct"] == pytest.approx(100 * 180 / 600)  # 30 %
    assert figures["adjusted_utilization_pct"] == pytest.approx(100 * (180 + 30) / 600)  # 35 %
    assert figures["idle_minutes"] == 600 - 180 - 30  # 07:00-08:00 and 11:30-17:00 = 390


def test_gap_longer_than_the_turnover_cutoff_is_idle_time(runtime):
    # 08:00-09:00, then 10:45-11:45: a 105 min gap, over the 90 min cut-off
    load(runtime, [Case("A", "08:00", "09:00", booked=60), Case("A", "10:45", "11:45", booked=60)])
    figures = overall(runtime)
    assert figures["turnover_count"] == 0
    assert figures["idle_gap_count"] == 1
    assert figures["turnover_credit_minutes"] == 0
    assert figures["adjusted_utilization_pct"] == pytest.approx(figures["raw_utilization_pct"])  # 20 %
    assert figures["idle_minutes"] == 600 - 120  # the 105 min gap is idle too


def test_turnover_credit_is_capped_but_the_turnover_is_not(runtime):
    # 08:00-09:00, then 10:15-11:15: a 75 min turnover (under the 90 cut-off), credited 60
    load(runtime, [Case("A", "08:00", "09:00", booked=60), Case("A", "10:15", "11:15", booked=60)])
    figures = overall(runtime)
    assert figures["turnover_median_minutes"] == 75
    assert figures["turnover_credit_minutes"] == 60
    assert figures["adjusted_utilization_pct"] == pytest.approx(100 * (120 + 60) / 600)  # 30 %
    assert figures["idle_minutes"] == 600 - 120 - 75  # the whole turnover is not idle: 405


def test_case_crossing_the_end_of_the_staffed_window(runtime):
    load(runtime, [
        Case("A", "16:00", "18:30", booked=150),  # 60 min inside, 90 min overtime
        Case("B", "16:30", "00:30", booked=480),  # ends after midnight: 30 inside, 17:00-00:30 = 450 overtime
    ])
    figures = overall(runtime)
    assert figures["staffed_in_room_minutes"] == 60 + 30
    assert figures["overtime_minutes"] == 90 + 450
    assert figures["raw_utilization_pct"] == pytest.approx(100 * 90 / 1200)
    assert figures["prime_time_utilization_pct"] == 0  # both start after 15:30
    assert figures["in_room_minutes"] == 150 + 480


def test_late_first_start(runtime):
    load(runtime, [
        Case("A", "07:45", "09:45", booked=120, scheduled="07:30"),  # first case 15 min late
        Case("A", "10:13", "11:13", booked=60, scheduled="10:10"),  # 3 min after schedule: within grace
        Case("B", "07:35", "09:00", booked=85, scheduled="07:30"),  # exactly 5 min: still on time
    ])
    figures = overall(runtime)
    assert figures["first_case_count"] == 2
    assert figures["late_first_starts"] == 1
    assert figures["first_case_on_time_pct"] == pytest.approx(50.0)
    assert figures["first_case_mean_late_minutes"] == 15
    assert figures["late_starts"] == 1
    assert figures["on_time_start_pct"] == pytest.approx(100 * 2 / 3)
    assert figures["mean_late_start_minutes"] == 15


def test_a_day_with_no_cases_adds_no_staffed_time(runtime):
    load(runtime, [Case("A", "08:00", "10:00", booked=120, day=WEDNESDAY)])
    wednesday_only = overall(runtime)
    with_empty_thursday = overall(runtime, start=WEDNESDAY, end=THURSDAY)
    assert with_empty_thursday["staffed_minutes"] == wednesday_only["staffed_minutes"] == 600
    assert with_empty_thursday["raw_utilization_pct"] == pytest.approx(20.0)

    thursday = or_metrics(runtime, start=THURSDAY, end=THURSDAY)
    assert thursday.overall["cases"] == 0
    assert thursday.overall["staffed_minutes"] == 0
    assert thursday.overall["raw_utilization_pct"] is None
    assert thursday.overall["first_case_on_time_pct"] is None
    assert thursday.by_room == [] and thursday.by_week == []
    assert thursday.by_room_day["room"] == [] and thursday.by_room_day["raw_utilization_pct"] == []
    assert sum(bin_.turnovers for bin_ in thursday.turnover_histogram) == 0
    json.dumps(thursday.model_dump(), default=str, allow_nan=False)  # undefined figures are None, not NaN


def test_booking_accuracy_bands(runtime):
    load(runtime, [
        Case("A", "07:00", "08:15", booked=60),  # +15 on 60 booked: tolerance max(6, 15) = 15: accurate
        Case("A", "08:30", "09:46", booked=60),  # +16: under-booked by 16
        Case("B", "07:00", "11:25", booked=300),  # -35 on 300 booked: tolerance 30: over-booked by 35
        Case("B", "11:30", "17:00", booked=300),  # 330 actual, +30: accurate
    ])
    figures = overall(runtime)
    assert figures["booking_accurate_pct"] == 50
    assert figures["under_booked_pct"] == 25
    assert figures["over_booked_pct"] == 25
    assert figures["under_booked_minutes"] == 16
    assert figures["over_booked_minutes"] == 35


def test_overlapping_cases_in_one_room_count_once(runtime):
    # 08:00-10:00 and 09:00-11:00 overlap: the room is busy 08:00-11:00, 180 min, not 240
    load(runtime, [Case("A", "08:00", "10:00", booked=120), Case("A", "09:00", "11:00", booked=120)])
    figures = overall(runtime)
    assert figures["staffed_in_room_minutes"] == 180
    assert figures["raw_utilization_pct"] == pytest.approx(30.0)
    assert figures["turnover_count"] == 0  # no negative turnovers
    assert figures["idle_minutes"] == 600 - 180
    assert figures["in_room_minutes"] == 240  # each case's own in-room time is still reported


def test_weekend_cases_have_no_staffed_window(runtime):
    load(runtime, [Case("A", "09:00", "11:00", booked=120, scheduled="08:00", day=SATURDAY)])
    figures = overall(runtime, start=SATURDAY, end=SATURDAY)
    assert figures["cases"] == 1
    assert figures["staffed_minutes"] == 0
    assert figures["raw_utilization_pct"] is None
    assert figures["overtime_minutes"] == 0
    assert figures["weekend_in_room_minutes"] == 120
    assert figures["late_first_starts"] == 1  # punctuality still counts on a weekend


def test_three_rooms_overall(runtime):
    figures = overall(load(runtime, THREE_ROOMS))
    assert figures["cases"] == 8
    assert figures["staffed_room_days"] == 3
    assert figures["staffed_minutes"] == 1800
    in_window = 120 + (120 + 120 + 120 + 20) + 180  # A + B + C = 680
    assert figures["staffed_in_room_minutes"] == in_window
    assert figures["raw_utilization_pct"] == pytest.approx(100 * in_window / 1800)
    credit = (30 + 40) + (60 + 0)
    assert figures["turnover_credit_minutes"] == credit
    assert figures["adjusted_utilization_pct"] == pytest.approx(100 * (in_window + credit) / 1800)  # 45 %
    prime = 120 + (120 + 120 + 90) + 180  # B's third case is prime until 15:30
    assert figures["prime_time_utilization_pct"] == pytest.approx(100 * prime / 1440)
    turnover_in_window = (30 + 40) + (75 + 0)
    assert figures["idle_minutes"] == 1800 - in_window - turnover_in_window
    assert figures["overtime_minutes"] == 70
    # Turnovers 0, 30, 40, 75: median halfway between 30 and 40; p90 at rank 2.7 = 40 + 0.7 * 35.
    assert figures["turnover_count"] == 4
    assert figures["turnover_median_minutes"] == pytest.approx(35.0)
    assert figures["turnover_p90_minutes"] == pytest.approx(64.5)
    assert figures["idle_gap_count"] == 1
    assert figures["late_first_starts"] == 1 and figures["first_case_on_time_pct"] == pytest.approx(100 * 2 / 3)
    assert figures["late_starts"] == 3
    assert figures["mean_late_start_minutes"] == pytest.approx((15 + 15 + 10) / 3)
    assert figures["booking_accurate_pct"] == pytest.approx(100 * 6 / 8)
    assert figures["under_booked_minutes"] == 30 and figures["over_booked_minutes"] == 60


def test_three_rooms_breakdowns(runtime):
    result = or_metrics(load(runtime, THREE_ROOMS), start=WEDNESDAY, end=WEDNESDAY)
    by_room = {row["room"]: row for row in result.by_room}
    assert list(by_room) == ["A", "B", "C"]
    assert by_room["B"]["raw_utilization_pct"] == pytest.approx(100 * 380 / 600)
    assert by_room["B"]["adjusted_utilization_pct"] == pytest.approx(75.0)  # (380 + 70) / 600
    assert by_room["B"]["idle_minutes"] == 150  # 07:00-07:45 and 12:15-14:00
    assert by_room["C"]["turnover_median_minutes"] == pytest.approx(37.5)  # 0 and 75
    assert by_room["A"]["turnover_count"] == 0

    by_service = {row["service"]: row for row in result.by_service}
    assert by_service["Orthopedics"]["cases"] == 4
    assert by_service["Orthopedics"]["late_starts"] == 1  # B's last case
    assert by_service["General Surgery"]["under_booked_pct"] == pytest.approx(25.0)  # 1 of 4
    assert "raw_utilization_pct" not in by_service["Orthopedics"]  # utilization is a room figure

    heatmap = result.by_room_day  # columns: room, day, figures...
    assert heatmap["room"] == ["A", "B", "C"] and heatmap["day"] == ["2026-07-01"] * 3
    assert heatmap["adjusted_utilization_pct"][2] == pytest.approx(40.0)  # room C: (180 + 60) / 600
    assert heatmap["overtime_minutes"] == [0, 70, 0]
    (week,) = result.by_week
    assert week["iso_week"] == "2026-W27" and week["week_start"] == "2026-06-29"
    assert week["raw_utilization_pct"] == pytest.approx(result.overall["raw_utilization_pct"])

    bins = {(row.from_minutes, row.to_minutes): row.turnovers for row in result.turnover_histogram}
    assert bins[(0.0, 5.0)] == 1 and bins[(30.0, 35.0)] == 1 and bins[(40.0, 45.0)] == 1 and bins[(75.0, 80.0)] == 1
    assert sum(bins.values()) == 4
    json.dumps(result.model_dump(), default=str, allow_nan=False)


def test_service_filter_keeps_the_whole_room_day_for_room_figures(runtime):
    load(runtime, [
        Case("A", "08:00", "10:00", booked=120, service="Orthopedics"),
        Case("A", "10:30", "12:30", booked=120, service="Urology", scheduled="10:00"),
        Case("B", "08:00", "09:00", booked=60, service="Orthopedics"),
    ])
    urology = overall(runtime, services=["Urology"])
    assert urology["cases"] == 1
    assert urology["staffed_room_days"] == 1  # only room A ran urology
    assert urology["raw_utilization_pct"] == pytest.approx(100 * 240 / 600)  # both of room A's cases
    assert urology["turnover_count"] == 1 and urology["turnover_median_minutes"] == 30  # the one before it
    assert urology["late_starts"] == 1 and urology["first_case_count"] == 0
    assert overall(runtime, services=["Cardiac"])["cases"] == 0


def test_room_filter(runtime):
    load(runtime, THREE_ROOMS)
    figures = overall(runtime, rooms=["A", "C"])
    assert figures["cases"] == 4
    assert figures["raw_utilization_pct"] == pytest.approx(100 * (120 + 180) / 1200)


def test_parameters_change_the_answers(runtime):
    load(runtime, THREE_ROOMS)
    custom = MetricSettings(
        staffed_start=time(8, 0), staffed_end=time(16, 0), prime_start=time(8, 0), prime_end=time(12, 0),
        max_turnover_credit_minutes=30, turnover_cutoff_minutes=120, on_time_grace_minutes=15,
        booking_tolerance_pct=40, booking_tolerance_minutes=0,
    )
    figures = overall(Runtime(runtime.settings.with_changes(metrics=custom), runtime.db))
    # Staffed 08:00-16:00 = 480 min a room-day. Inside it: A 90; B 105 + 120 + 120 + 0; C 180.
    assert figures["staffed_minutes"] == 1440
    assert figures["staffed_in_room_minutes"] == 615
    # With a 120 min cut-off B's 105 min gap is a turnover: B 30, 105, 40; C 75, 0.
    assert figures["turnover_count"] == 5 and figures["idle_gap_count"] == 0
    # Credit 30 each, inside 08:00-16:00: B 30 + 30 + 0 (16:00-16:40 is after the window); C 30 + 0.
    assert figures["turnover_credit_minutes"] == 90
    assert figures["adjusted_utilization_pct"] == pytest.approx(100 * (615 + 90) / 1440)
    # Idle: A 09:30-16:00 (390), B none, C 12:15-16:00 (225).
    assert figures["idle_minutes"] == 615
    assert figures["overtime_minutes"] == 90  # B's last case, 16:40-18:10
    # Prime 08:00-12:00: A 90; B 105 + 105; C 60 + 60 + 45.
    assert figures["prime_time_utilization_pct"] == pytest.approx(100 * 465 / 720)
    assert figures["late_starts"] == 0  # 15 min late is within a 15 min grace
    assert figures["booking_accurate_pct"] == 100  # +30 on 90 and -60 on 180 are within 40 %


def test_definitions_state_the_parameters_in_force(runtime):
    result = or_metrics(load(runtime, THREE_ROOMS), start=WEDNESDAY, end=WEDNESDAY)
    definitions = result.definitions
    for figure in (*result.overall, *result.by_room[0], *result.by_week[0]):
        if figure not in ("site", "room", "iso_week", "week_start"):
            assert definitions[figure].definition and definitions[figure].unit, figure
    assert "07:00-17:00" in definitions["raw_utilization_pct"].definition
    assert "60 min" in definitions["adjusted_utilization_pct"].definition
    assert result.parameters.turnover_cutoff_minutes == 90

    custom = MetricSettings(staffed_start=time(8, 0), staffed_end=time(18, 30), max_turnover_credit_minutes=45)
    glossary = metric_glossary(Runtime(runtime.settings.with_changes(metrics=custom), runtime.db))
    assert "08:00-18:30" in glossary["definitions"]["raw_utilization_pct"]["definition"]
    assert "45 min" in glossary["definitions"]["adjusted_utilization_pct"]["definition"]
    assert glossary["parameters"]["staffed_end"] == "18:30"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"start": "2026-07-02", "end": "2026-07-01"}, "end"),
        ({"start": "July first", "end": "2026-07-01"}, "start"),
        ({"start": "2026-07-01", "end": "2026-02-30"}, "end"),
        ({"start": "2026-07-01", "end": "2026-07-01", "rooms": ["A", " "]}, "rooms"),
    ],
)
def test_bad_selection_names_the_field(runtime, arguments, field):
    with pytest.raises(InvalidInput) as raised:
        or_metrics(runtime, **arguments)
    assert raised.value.details["field"] == field
    assert field in raised.value.message


def test_a_staffed_window_that_ends_before_it_starts_is_refused(runtime):
    broken = MetricSettings(staffed_start=time(17, 0), staffed_end=time(7, 0))
    with pytest.raises(InvalidInput, match="OPTIOR_STAFFED_START"):
        or_metrics(Runtime(runtime.settings.with_changes(metrics=broken), runtime.db), start=WEDNESDAY, end=WEDNESDAY)


def test_rooms_come_in_natural_order(runtime):
    load(runtime, [Case(room, "08:00", "09:00", booked=60) for room in ("OR 10", "OR 9", "OR 1")])
    result = or_metrics(runtime, start=WEDNESDAY, end=WEDNESDAY)
    assert [row["room"] for row in result.by_room] == ["OR 1", "OR 9", "OR 10"]
    assert result.by_room_day["room"] == ["OR 1", "OR 9", "OR 10"]
