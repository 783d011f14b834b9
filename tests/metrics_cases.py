"""Hand-built OR days for the metric and analytics tests, imported through the real CSV import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from optior.services.importing import import_cases
from optior.services.runtime import Runtime

WEDNESDAY = date(2026, 7, 1)
THURSDAY = date(2026, 7, 2)
SATURDAY = date(2026, 7, 4)
TODAY = date(2026, 11, 29)


@dataclass(frozen=True)
class Case:
    """One case: clock times as HH:MM on `day`; a wheels out earlier than wheels in is the next day."""

    room: str
    wheels_in: str
    wheels_out: str
    booked: float
    scheduled: str | None = None  # defaults to wheels in (an on-time start)
    service: str = "General Surgery"
    day: date = WEDNESDAY


# Three rooms on one Wednesday, worked through in test_metrics.py.
#   A: 07:30-09:30 booked 120.
#   B: 07:45-09:45 (scheduled 07:30, 15 late; booked 90: +30, under-booked),
#      10:15-12:15 (scheduled 10:00, 15 late; booked 120: accurate), turnover 30,
#      14:00-16:00 (booked 180: -60, tolerance 18, over-booked), gap 105: idle,
#      16:40-18:10 (scheduled 16:30, 10 late; booked 90: accurate), turnover 40; 20 min inside, 70 overtime.
#   C: 08:00-09:00, 10:15-11:15 (turnover 75, credited 60), 11:15-12:15 (turnover 0), each booked 60.
THREE_ROOMS = [
    Case("A", "07:30", "09:30", booked=120),
    Case("B", "07:45", "09:45", booked=90, scheduled="07:30"),
    Case("B", "10:15", "12:15", booked=120, scheduled="10:00"),
    Case("B", "14:00", "16:00", booked=180),
    Case("B", "16:40", "18:10", booked=90, scheduled="16:30", service="Orthopedics"),
    Case("C", "08:00", "09:00", booked=60, service="Orthopedics"),
    Case("C", "10:15", "11:15", booked=60, service="Orthopedics"),
    Case("C", "11:15", "12:15", booked=60, service="Orthopedics"),
]


def _at(day: date, clock: str) -> datetime:
    hours, minutes = clock.split(":")
    return datetime(day.year, day.month, day.day, int(hours), int(minutes))


def case_csv(cases: list[Case]) -> bytes:
    """The cases as a CSV file in the public format (ISO dates and times)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([
        "Encounter ID", "Date", "OR Suite", "Service", "CPT Code", "CPT Description", "Booked Time (min)",
        "OR Schedule", "Wheels In", "Start Time", "End Time", "Wheels Out",
    ])
    for number, case in enumerate(cases, start=1):
        wheels_in = _at(case.day, case.wheels_in)
        wheels_out = _at(case.day, case.wheels_out)
        if wheels_out <= wheels_in:
            wheels_out += timedelta(days=1)
        scheduled = _at(case.day, case.scheduled or case.wheels_in)
        writer.writerow([
            f"E{number:05d}", case.day.isoformat(), case.room, case.service, "47562", "Test procedure",
            case.booked, scheduled.isoformat(), wheels_in.isoformat(), wheels_in.isoformat(),
            wheels_out.isoformat(), wheels_out.isoformat(),
        ])
    return out.getvalue().encode()


def load(runtime: Runtime, cases: list[Case]) -> Runtime:
    """Replace every case in the database with these; return the runtime for chaining."""
    report = import_cases(runtime, source=case_csv(cases), source_name="hand-built.csv", replace=True, today=TODAY)
    assert report.rejected == 0, report.rejections
    return runtime
