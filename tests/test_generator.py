"""The sample-data generator: deterministic, importable, and shaped like a real OR."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from optior.errors import InvalidInput
from optior.ingest.generator import generate_cases, write_cases_csv
from optior.ingest.parser import read_case_file


def parsed(frame: pd.DataFrame) -> pd.DataFrame:
    chunks = list(read_case_file(frame.to_csv(index=False).encode(), max_bytes=10**9, today=date(2030, 1, 1)))
    assert all(not c.rejected for c in chunks)
    return pd.concat([c.cases for c in chunks], ignore_index=True)


def test_same_seed_same_cases_and_other_seed_other_cases():
    a = generate_cases(600, seed=5)
    assert a.equals(generate_cases(600, seed=5))
    assert not a.equals(generate_cases(600, seed=6))
    assert len(a) == 600 and a["Encounter ID"].is_unique


def test_generated_cases_import_without_rejections_and_look_like_an_or():
    cases = parsed(generate_cases(3000, seed=11))
    assert 8 <= cases["or_suite"].nunique() <= 10
    assert cases["service"].nunique() >= 10
    assert pd.to_datetime(cases["case_date"]).dt.day_of_week.max() <= 4  # weekdays only
    per_room_day = cases.groupby(["case_date", "or_suite"])
    first = per_room_day["wheels_in"].transform("min") == cases["wheels_in"]
    late_first = (cases["wheels_in"] - cases["scheduled_start"]).dt.total_seconds()[first] / 60 > 5
    assert 0.1 < late_first.mean() < 0.6
    ordered = cases.sort_values(["case_date", "or_suite", "wheels_in"])
    previous_out = ordered.groupby(["case_date", "or_suite"])["wheels_out"].shift()
    gap = (ordered["wheels_in"] - previous_out).dt.total_seconds() / 60
    assert gap.dropna().median() >= 15 and gap.dropna().quantile(0.25) <= 45
    assert (cases["wheels_out"].dt.hour >= 17).any()  # some days overrun


def test_durations_differ_by_procedure_and_by_surgeon():
    cases = parsed(generate_cases(4000, seed=3))
    by_cpt = cases.groupby("cpt_code")["in_room_minutes"].median()
    assert by_cpt.max() > 4 * by_cpt.min()
    common = cases["cpt_code"].value_counts().index[0]
    same_procedure = cases[cases["cpt_code"] == common]
    by_surgeon = same_procedure.groupby("surgeon")["in_room_minutes"].median()
    assert by_surgeon.max() / by_surgeon.min() > 1.1


def test_booked_time_is_a_rounded_and_biased_guess():
    cases = parsed(generate_cases(4000, seed=9))
    assert (cases["booked_minutes"] % 15 == 0).all()
    ratio = (cases["in_room_minutes"] / cases["booked_minutes"]).groupby(cases["surgeon"]).median()
    assert ratio.max() - ratio.min() > 0.2  # some surgeons book short, others long
    assert (cases["booked_minutes"] != cases["in_room_minutes"]).mean() > 0.9


def test_start_date_and_rooms_are_respected():
    frame = generate_cases(200, seed=1, start=date(2025, 3, 3), rooms=3)
    assert frame["Date"].iloc[0] == "03/03/25"
    assert set(frame["OR Suite"]) <= {1, 2, 3}


def test_the_schedule_is_set_in_advance_from_bookings_alone():
    cases = parsed(generate_cases(2000, seed=4))
    ordered = cases.sort_values(["case_date", "or_suite", "scheduled_start"])
    room_day = ordered.groupby(["case_date", "or_suite"])
    # Each case's slot follows the previous booked slot plus the planned turnover (to the 5 minutes), however
    # long the previous case actually ran.
    gap = (ordered["scheduled_start"] - room_day["scheduled_start"].shift().add(
        pd.to_timedelta(room_day["booked_minutes"].shift() + 30, unit="min"))).dt.total_seconds().abs() / 60
    assert len(gap.dropna()) > 1000 and gap.dropna().max() <= 5


def test_upcoming_days_are_the_next_weekdays_without_actual_times():
    frame = generate_cases(600, seed=2, start=date(2026, 7, 1), upcoming_days=2)
    done, scheduled = frame.iloc[:600], frame.iloc[600:]
    assert (done["Wheels Out"] != "").all() and len(scheduled) > 0
    actual = ["Wheels In", "Start Time", "End Time", "Wheels Out"]
    assert (scheduled[actual] == "").all().all() and (scheduled["OR Schedule"] != "").all()
    days = pd.to_datetime(scheduled["Date"], format="%m/%d/%y")
    assert days.nunique() == 2 and (days > pd.to_datetime(done["Date"], format="%m/%d/%y").max()).all()
    assert (days.dt.day_of_week <= 4).all()
    chunks = list(read_case_file(frame.to_csv(index=False).encode(), max_bytes=10**9, today=date(2026, 7, 2)))
    assert sum(len(chunk.scheduled) for chunk in chunks) == len(scheduled)


def test_completed_cases_after_today_are_refused_with_a_start_that_fits(tmp_path):
    out = tmp_path / "cases.csv"
    with pytest.raises(InvalidInput) as refused:
        write_cases_csv(out, 5000, start=date(2026, 7, 1), today=date(2026, 9, 1))
    assert not out.exists()
    message, fitting = refused.value.message, refused.value.details["fitting_start"]
    assert "after today (2026-09-01)" in message and f"Start on or before {fitting}" in message and "rooms" in message
    written = write_cases_csv(out, 5000, start=date.fromisoformat(fitting), today=date(2026, 9, 1))
    last = pd.to_datetime(pd.read_csv(out)["Date"], format="%m/%d/%y").max()
    assert written == 5000 and last == pd.Timestamp("2026-09-01")
    assert write_cases_csv(out, 100, start=date(2026, 8, 3), today=date(2026, 9, 1), upcoming_days=3) > 100
