"""The benchmark's generated hospital: one site up to a million cases, a system of sites above, dates it can read."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from benchmarks.harness.dataset import EARLIEST_TWO_DIGIT_YEAR, hospital, past_start, write_dataset
from benchmarks.harness.measure import BenchmarkError

TODAY = date(2026, 12, 7)


def test_up_to_a_million_cases_is_one_hospital_of_100_rooms():
    assert hospital(1_000_000, None, None) == (100, 1)
    assert hospital(5_000, 4, None) == (4, 1)


@pytest.mark.parametrize("cases", [3_000_000, 10_000_000, 30_000_000])
def test_larger_histories_are_sites_of_18_to_20_rooms_or_more_that_fit_two_digit_years(cases):
    rooms, sites = hospital(cases, None, None)
    assert rooms >= 100 and 2 <= sites <= 12 and rooms / sites >= 18
    assert past_start(cases, rooms, TODAY) >= EARLIEST_TWO_DIGIT_YEAR
    assert hospital(cases, 120, 6) == (120, 6)  # what is given is kept


def test_the_dataset_has_the_sites_and_refuses_a_history_older_than_its_years(tmp_path):
    path = tmp_path / "cases.csv"
    assert write_dataset(path, cases=3_000, rooms=6, sites=3, seed=1, today=TODAY) == 3_000
    frame = pd.read_csv(path)
    assert frame.groupby("Site")["OR Suite"].nunique().to_dict() == {
        "East Pavilion": 2, "North Campus": 2, "South Campus": 2}
    assert pd.to_datetime(frame["Date"], format="%m/%d/%y").max() < pd.Timestamp(TODAY)
    with pytest.raises(BenchmarkError, match="give more --rooms"):
        write_dataset(path, cases=10_000_000, rooms=100, sites=5, seed=1, today=TODAY)
