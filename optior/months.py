"""Calendar months as the metric summary counts them: a month is its first day, or a number of months since 1970-01.

One set of conversions for the summary's store and services, which key rows by month and walk spans of months.
"""

from __future__ import annotations

from datetime import date

import numpy as np


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_number(day: date) -> int:
    """The day's month as months since 1970-01."""
    return int(np.datetime64(day, "M").astype("int64"))


def first_day(month: int) -> date:
    """Months since 1970-01 as the month's first day."""
    return np.datetime64(int(month), "M").astype("datetime64[D]").item()


def add_months(day: date, step: int) -> date:
    """The first day of the month `step` months after the day's (before it when negative)."""
    return first_day(month_number(day) + step)


def months_spanned(first: date, last: date) -> int:
    """How many months from first's to last's, both counted."""
    return month_number(last) - month_number(first) + 1


def first_days(months: np.ndarray) -> np.ndarray:
    """Months since 1970-01 as their first days (datetime64[D])."""
    return np.asarray(months).astype("datetime64[M]").astype("datetime64[D]")


def months_of(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 as months since 1970-01."""
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64")
