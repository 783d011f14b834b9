"""The case timeline as read from the database: days, clock minutes, categoricals and order."""

from __future__ import annotations

from datetime import date

from optior.db.case_filter import CaseFilter
from optior.db.metric_queries import case_timeline
from optior.vocabulary import DEFAULT_SITE, room_key
from tests.metrics_cases import Case, load

LEAP_DAY, NEW_YEARS_EVE, NEW_YEAR = date(2024, 2, 29), date(2025, 12, 31), date(2026, 1, 1)


def _epoch_day(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def test_the_timeline_holds_each_case_by_room_day_and_wheels_in(runtime):
    load(runtime, [
        Case("B", "10:00", "11:00", booked=60, day=NEW_YEAR),
        Case("B", "07:30", "09:00", booked=90, scheduled="07:15", day=NEW_YEAR, service="Orthopedics"),
        Case("A", "23:00", "01:30", booked=150, day=NEW_YEARS_EVE),
        Case("A", "08:00", "08:45", booked=40, day=LEAP_DAY),
    ])
    with runtime.db.read() as connection:
        timeline = case_timeline(connection, CaseFilter(start=LEAP_DAY, end=NEW_YEAR))
    assert list(timeline.columns) == [
        "room", "service", "booked_minutes", "in_room_minutes", "scheduled_minute", "in_minute", "out_minute", "day",
    ]
    assert list(timeline["room"]) == [room_key(DEFAULT_SITE, room) for room in "AABB"]  # a room is site and name
    assert list(timeline["room"].cat.categories) == [room_key(DEFAULT_SITE, room) for room in "AB"]
    assert list(timeline["service"].cat.categories) == ["General Surgery", "Orthopedics"]
    assert list(timeline["day"]) == [_epoch_day(day) for day in (LEAP_DAY, NEW_YEARS_EVE, NEW_YEAR, NEW_YEAR)]
    assert timeline["day"].dtype == "int64"
    assert list(timeline["in_minute"]) == [480.0, 1380.0, 450.0, 600.0]
    assert list(timeline["out_minute"]) == [525.0, 1530.0, 540.0, 660.0]  # past midnight: more than a day's minutes
    assert list(timeline["scheduled_minute"]) == [480.0, 1380.0, 435.0, 600.0]
    assert list(timeline["booked_minutes"]) == [40.0, 150.0, 90.0, 60.0]
    assert list(timeline["in_room_minutes"]) == [45.0, 150.0, 90.0, 60.0]


def test_a_service_filter_keeps_whole_room_days_and_an_empty_range_reads_nothing(runtime):
    load(runtime, [
        Case("A", "08:00", "09:00", booked=60, service="Orthopedics"),
        Case("A", "09:30", "10:30", booked=60),
        Case("B", "08:00", "09:00", booked=60),
    ])
    with runtime.db.read() as connection:
        kept = case_timeline(connection, CaseFilter(start=date(2026, 7, 1), end=date(2026, 7, 1),
                                                    services=("Orthopedics",)))
        empty = case_timeline(connection, CaseFilter(start=date(2026, 8, 1), end=date(2026, 8, 31), rooms=("A",)))
    assert list(kept["room"]) == [room_key(DEFAULT_SITE, "A")] * 2
    assert list(kept["service"]) == ["Orthopedics", "General Surgery"]
    assert empty.empty and list(empty.columns) == list(kept.columns)
