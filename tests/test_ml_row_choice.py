"""The choice of training rows for big histories: whole latest dates up to a cap, counted as the card says."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from optior.ml.row_choice import choose_rows

DAYS = [(date(2026, 1, 1) + timedelta(days=i), 100 + i) for i in range(10)]  # 100 .. 109 cases a day


def test_a_history_within_the_cap_is_read_whole():
    choice = choose_rows(DAYS, cap=sum(count for _, count in DAYS))

    assert choice.since is None
    assert choice.cases_used == choice.cases_available == 1045
    assert choice.dates_used == choice.dates_available == 10


def test_a_bigger_history_keeps_the_latest_whole_dates_that_fit_the_cap():
    choice = choose_rows(list(reversed(DAYS)), cap=330)  # the latest three days hold 109 + 108 + 107 = 324

    assert choice.since == date(2026, 1, 8)
    assert choice.cases_used == 324 <= choice.cap
    assert (choice.cases_available, choice.dates_available, choice.dates_used) == (1045, 10, 3)
    described = choice.describe()
    assert described["cases_used"] == 324 and described["since"] == "2026-01-08"
    assert "324 of 1,045" in described["rule"] and "330" in described["rule"]


def test_a_single_date_above_the_cap_is_still_read():
    assert choose_rows(DAYS, cap=50).dates_used == 1


def test_the_cap_must_be_positive():
    with pytest.raises(ValueError):
        choose_rows(DAYS, cap=0)
