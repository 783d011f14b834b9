"""Which stored cases a retrain learns from: every case of the latest dates, up to a cap, so big histories train fast.

Whole dates are kept or left out, never single cases: a case's position in its room's day is counted among all
of that day's cases, the split into training and holdout is by date, and the holdout (the latest fifth of the
chosen dates) then holds every case of its dates, unsampled. The latest dates are kept rather than a sample
spread over the whole history because a hospital's case mix, surgeons and habits drift, and the holdout (like
every prediction) is about the newest cases; on 1M generated cases the capped fit was as accurate on the same
holdout as the fit on every earlier case (docs/benchmarks.md, "Retrain at scale").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

# About 60 weekdays of a 1,000-room system or 2.5 years of a 100-room one: 200,000 training cases and a holdout of
# 50,000. On 1M generated cases, training on the latest 200,000 or on all 900,000 earlier cases gave the same
# holdout MAE (15.54 and 15.53 min). A retrain of 10M cases on PostgreSQL then took 108 s of CPU (4 min 50 s
# at load 8-10 on 2 cores).
TRAINING_ROW_CAP = 250_000


@dataclass(frozen=True)
class RowChoice:
    """The dates a retrain reads (every case on or after `since`) and how many cases and dates that leaves out."""

    since: date | None  # the first date read; None when every date is read
    cap: int | None  # None: no cap applied (a case file evaluated as given, a comparison in the benchmarks)
    cases_available: int
    cases_used: int
    dates_available: int
    dates_used: int

    def describe(self) -> dict:
        """The choice for the model card: counts, the first date read, the cap, and the rule in words."""
        if self.since is None:
            within = "" if self.cap is None else f", within the cap of {self.cap:,}"
            rule = f"Every stored case ({self.cases_available:,}{within})."
        else:
            rule = (f"Every case of the latest {self.dates_used:,} of {self.dates_available:,} dates (from "
                    f"{self.since.isoformat()}): {self.cases_used:,} of {self.cases_available:,} stored cases, "
                    f"the most that fit the cap of {self.cap:,} cases without splitting a date.")
        return {
            "cases_available": self.cases_available, "cases_used": self.cases_used,
            "dates_available": self.dates_available, "dates_used": self.dates_used,
            "since": None if self.since is None else self.since.isoformat(), "cap": self.cap, "rule": rule,
        }


def every_case(cases: int, dates: int) -> RowChoice:
    """The choice of rows already chosen elsewhere: all of them, no cap."""
    return RowChoice(since=None, cap=None, cases_available=cases, cases_used=cases, dates_available=dates,
                     dates_used=dates)


def choose_rows(counts_by_date: list[tuple[date, int]], *, cap: int = TRAINING_ROW_CAP) -> RowChoice:
    """The latest whole dates holding at most `cap` cases (at least the latest date), from cases per date."""
    if cap < 1:
        raise ValueError("the training row cap must be at least 1")
    dates = sorted(counts_by_date)
    counts = np.array([count for _, count in dates], dtype=np.int64)
    available = int(counts.sum())
    if available <= cap:
        return RowChoice(since=None, cap=cap, cases_available=available, cases_used=available,
                         dates_available=len(dates), dates_used=len(dates))
    from_latest = np.cumsum(counts[::-1])
    kept = max(1, int(np.searchsorted(from_latest, cap, side="right")))
    return RowChoice(since=dates[-kept][0], cap=cap, cases_available=available, cases_used=int(from_latest[kept - 1]),
                     dates_available=len(dates), dates_used=kept)
