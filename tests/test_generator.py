"""The sample-data generator: deterministic, importable, and shaped like a real OR."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from optior.config import SAMPLE_CSV
from optior.errors import InvalidInput
from optior.ingest.catalog import SITE_NAMES
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


def test_the_default_generation_still_writes_the_bundled_sample(tmp_path):
    out = tmp_path / "sample.csv"
    write_cases_csv(out, 2652, upcoming_days=3, today=date(2030, 1, 1))
    assert out.read_bytes() == SAMPLE_CSV.read_bytes()


def test_a_file_written_block_by_block_is_the_frame_generated_at_once(tmp_path):
    out = tmp_path / "cases.csv"
    options = {"seed": 8, "start": date(2024, 1, 1), "rooms": 7, "sites": 2, "upcoming_days": 2,
               "block_room_days": 35}  # five weekdays of 7 rooms per block: the history spans many blocks
    written = write_cases_csv(out, 3000, today=date(2030, 1, 1), **options)
    frame = generate_cases(3000, **options)
    assert written == len(frame) > 3000
    assert out.read_bytes() == frame.to_csv(index=False).encode()
    days = pd.to_datetime(frame["Date"], format="%m/%d/%y")
    assert days.is_monotonic_increasing and days.nunique() > 5 * 15  # many blocks, in order


def test_in_blocks_a_longer_history_begins_with_the_shorter_one():
    shorter = generate_cases(1000, seed=3, rooms=4, block_room_days=40)
    longer = generate_cases(2500, seed=3, rooms=4, block_room_days=40)
    assert longer.head(1000).equals(shorter)
    assert len(longer) == 2500 and longer["Encounter ID"].is_unique


def test_exactly_the_cases_asked_for_even_when_the_planned_days_run_short():
    assert len(generate_cases(200, seed=1, start=date(2025, 3, 3), rooms=3)) == 200


def test_several_sites_have_a_site_column_and_number_their_own_rooms():
    frame = generate_cases(20_000, seed=6, rooms=110, sites=6)
    assert list(frame.columns[2:5]) == ["Date", "Site", "OR Suite"]
    rooms = frame.groupby("Site")["OR Suite"].agg(["min", "max", "nunique"])
    assert list(rooms.index) == sorted(SITE_NAMES[:6])
    assert rooms["min"].eq(1).all() and rooms["max"].eq(rooms["nunique"]).all()
    assert sorted(rooms["nunique"]) == [18, 18, 18, 18, 19, 19]
    cases = parsed(frame)
    assert len(cases) == 20_000  # the import reads it (it ignores a column it does not know)
    single = generate_cases(500, seed=6, rooms=10)
    assert "Site" not in single.columns


@pytest.mark.parametrize(("rooms", "sites"), [(5, 6), (50, 0), (50, len(SITE_NAMES) + 1)])
def test_impossible_sites_are_refused(rooms, sites):
    with pytest.raises(InvalidInput) as refused:
        generate_cases(100, rooms=rooms, sites=sites)
    assert refused.value.details["field"] in ("rooms", "sites")
