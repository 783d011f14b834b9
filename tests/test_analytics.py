"""The dashboard's data service: extent, one day's schedule and summary, nearby days, per-service workload."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from optior.config import SAMPLE_CSV
from optior.errors import InvalidInput
from optior.services.analytics import (
    data_extent,
    day_schedule,
    day_summary,
    nearest_days_with_cases,
    specialty_breakdown,
)
from tests.metrics_cases import SATURDAY, THREE_ROOMS, WEDNESDAY, Case, load


def test_extent_of_an_empty_database(runtime):
    assert data_extent(runtime) == {
        "first_day": None, "last_day": None, "case_count": 0, "days_with_cases": [], "services": [], "rooms": [],
        "sites": [],
    }


def test_extent_lists_days_services_and_rooms_in_natural_order(runtime):
    load(runtime, [
        Case("10", "08:00", "09:00", booked=60, service="Urology"),
        Case("2", "08:00", "09:00", booked=60, day=date(2026, 7, 6)),
        Case("1", "08:00", "09:00", booked=60, service="Cardiac", day=date(2026, 7, 3)),
        Case("2", "10:00", "11:00", booked=60, day=date(2026, 7, 6)),
    ])
    extent = data_extent(runtime)
    assert extent["first_day"] == "2026-07-01" and extent["last_day"] == "2026-07-06"
    assert extent["case_count"] == 4
    assert extent["days_with_cases"] == ["2026-07-01", "2026-07-03", "2026-07-06"]
    assert extent["rooms"] == ["1", "2", "10"]
    assert extent["services"] == ["Cardiac", "General Surgery", "Urology"]


def test_extent_of_the_sample_matches_the_file(sample_runtime):
    frame = pd.read_csv(SAMPLE_CSV).dropna(subset=["Wheels Out"])  # completed cases only, as the app counts
    days = pd.to_datetime(frame["Date"], format="%m/%d/%y").dt.strftime("%Y-%m-%d")
    extent = data_extent(sample_runtime)
    assert extent["case_count"] == len(frame)
    assert extent["days_with_cases"] == sorted(days.unique())
    assert extent["services"] == sorted(frame["Service"].unique())
    assert sorted(extent["rooms"], key=int) == [str(room) for room in sorted(frame["OR Suite"].unique())]


def test_day_schedule_shows_every_case_with_booked_versus_actual(runtime):
    load(runtime, [
        Case("B", "10:15", "12:15", booked=90, scheduled="10:00"),
        Case("A", "16:30", "00:30", booked=420, service="Orthopedics"),  # ends after midnight
        Case("B", "07:30", "09:30", booked=150),
        Case("A", "09:00", "10:00", booked=60, day=SATURDAY),
    ])
    schedule = day_schedule(runtime, day="2026-07-01")
    assert [(row["or_suite"], row["wheels_in"]) for row in schedule] == [
        ("A", "2026-07-01T16:30:00"), ("B", "2026-07-01T07:30:00"), ("B", "2026-07-01T10:15:00"),
    ]
    late = schedule[2]
    assert late["booked_minutes"] == 90 and late["in_room_minutes"] == 120
    assert late["difference_minutes"] == 30  # ran 30 min longer than booked
    assert late["start_delay_minutes"] == 15
    assert late["scheduled_start"] == "2026-07-01T10:00:00" and late["wheels_out"] == "2026-07-01T12:15:00"
    assert schedule[1]["difference_minutes"] == -30
    overnight = schedule[0]
    assert overnight["wheels_out"] == "2026-07-02T00:30:00" and overnight["in_room_minutes"] == 480
    assert {"procedure_start", "procedure_end", "procedure_minutes", "service", "cpt_code"} <= set(overnight)
    assert day_schedule(runtime, day=date(2026, 7, 2)) == []


def test_nearest_days_with_cases(runtime):
    load(runtime, [Case("A", "08:00", "09:00", booked=60, day=date(2026, 7, day)) for day in (1, 6, 9, 20)])
    assert nearest_days_with_cases(runtime, day=SATURDAY, count=2) == ["2026-07-01", "2026-07-06"]
    assert nearest_days_with_cases(runtime, day=SATURDAY, count=1) == ["2026-07-06"]  # 2 days away, not 3
    assert nearest_days_with_cases(runtime, day="2026-07-04", count=3) == ["2026-07-01", "2026-07-06", "2026-07-09"]
    assert nearest_days_with_cases(runtime, day="2026-07-14", count=1) == ["2026-07-09"]  # 5 and 6 days: nearer wins
    assert nearest_days_with_cases(runtime, day="2026-12-31", count=2) == ["2026-07-09", "2026-07-20"]


@pytest.mark.parametrize("count", [0, -1, 100, 2.5, True])
def test_nearest_days_refuses_a_bad_count(runtime, count):
    with pytest.raises(InvalidInput) as raised:
        nearest_days_with_cases(runtime, day=WEDNESDAY, count=count)
    assert raised.value.details["field"] == "count"


def test_day_summary(runtime):
    summary = day_summary(load(runtime, THREE_ROOMS), day=WEDNESDAY)
    assert summary.day.isoformat() == "2026-07-01"
    assert summary.cases == 8
    assert summary.rooms_used == 3
    assert summary.in_room_hours == pytest.approx((120 + 120 + 120 + 120 + 90 + 3 * 60) / 60)  # 12.5
    assert summary.late_first_starts == 1  # room B
    assert summary.booking_accurate_pct == pytest.approx(75.0)  # 6 of 8
    for figure in ("cases", "rooms_used", "in_room_hours", "late_first_starts", "booking_accurate_pct"):
        assert summary.definitions[figure].definition


def test_day_summary_of_a_day_without_cases(runtime):
    summary = day_summary(load(runtime, THREE_ROOMS), day="2026-07-02")
    assert summary.cases == 0 and summary.rooms_used == 0 and summary.in_room_hours == 0
    assert summary.booking_accurate_pct is None and summary.raw_utilization_pct is None


def test_specialty_breakdown_by_hand(runtime):
    load(runtime, THREE_ROOMS)
    rows = specialty_breakdown(runtime, start=WEDNESDAY, end=WEDNESDAY)
    assert [row["service"] for row in rows] == ["General Surgery", "Orthopedics"]  # most in-room hours first
    general, ortho = rows
    # General surgery: A 120 (booked 120), B 120 (90), 120 (120), 120 (180).
    assert general["cases"] == 4
    assert general["mean_booked_minutes"] == pytest.approx((120 + 90 + 120 + 180) / 4)
    assert general["mean_in_room_minutes"] == pytest.approx(120)
    assert general["mean_difference_minutes"] == pytest.approx(120 - 127.5)
    assert general["in_room_hours"] == pytest.approx(8.0)
    # Orthopedics: B 90 (booked 90), C 3 x 60 (60).
    assert ortho["cases"] == 4 and ortho["in_room_hours"] == pytest.approx(270 / 60)

    only_c = specialty_breakdown(runtime, start=WEDNESDAY, end=WEDNESDAY, rooms=["C"])
    assert [(row["service"], row["cases"]) for row in only_c] == [("Orthopedics", 3)]
    only_general = specialty_breakdown(runtime, start=WEDNESDAY, end=WEDNESDAY, services=["General Surgery"])
    assert [row["service"] for row in only_general] == ["General Surgery"]
    assert specialty_breakdown(runtime, start="2026-07-02", end="2026-07-03") == []


def test_specialty_breakdown_of_the_sample_matches_pandas(sample_runtime):
    frame = pd.read_csv(SAMPLE_CSV).dropna(subset=["Wheels Out"])  # completed cases only, as the app counts
    frame["day"] = pd.to_datetime(frame["Date"], format="%m/%d/%y")
    stamp = "%m/%d/%y %I:%M %p"
    frame["actual"] = (
        pd.to_datetime(frame["Wheels Out"], format=stamp) - pd.to_datetime(frame["Wheels In"], format=stamp)
    ).dt.total_seconds() / 60
    chosen = frame[frame["day"].between("2026-08-01", "2026-08-31") & frame["OR Suite"].isin([3, 4, 5])]
    expected = chosen.groupby("Service").agg(
        cases=("actual", "size"), booked=("Booked Time (min)", "mean"),
        actual=("actual", "mean"), total=("actual", "sum"),
    )
    rows = specialty_breakdown(sample_runtime, start="2026-08-01", end="2026-08-31", rooms=[3, 4, 5])
    assert [row["service"] for row in rows] == list(expected.sort_values("total", ascending=False).index)
    for row in rows:
        assert row["cases"] == expected.loc[row["service"], "cases"]
        assert row["mean_booked_minutes"] == pytest.approx(expected.loc[row["service"], "booked"])
        assert row["mean_in_room_minutes"] == pytest.approx(expected.loc[row["service"], "actual"])
        assert row["in_room_hours"] == pytest.approx(expected.loc[row["service"], "total"] / 60)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda rt: day_schedule(rt, day="yesterday"), "day"),
        (lambda rt: day_summary(rt, day=20260701), "day"),
        (lambda rt: nearest_days_with_cases(rt, day="2026-13-01"), "day"),
        (lambda rt: specialty_breakdown(rt, start="2026-07-10", end="2026-07-01"), "end"),
        (lambda rt: specialty_breakdown(rt, start="", end="2026-07-01"), "start"),
        (lambda rt: specialty_breakdown(rt, start="2026-07-01", end="2026-07-02", services=[""]), "services"),
    ],
)
def test_bad_input_names_the_field(runtime, call, field):
    with pytest.raises(InvalidInput) as raised:
        call(runtime)
    assert raised.value.details["field"] == field
    assert field in raised.value.message
