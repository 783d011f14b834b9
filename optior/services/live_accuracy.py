"""Accuracy of predictions made in advance (at schedule import), by week, against the holdout, with drift flags."""

from __future__ import annotations

from datetime import timedelta

from optior.db.live_accuracy_queries import advance_error_sums_by_day
from optior.db.model_store import active_version
from optior.services.live_accuracy_models import Holdout, LastWeeks, LiveAccuracy, WeekAccuracy
from optior.services.runtime import Runtime

DRIFT_WEEKS = 4
COVERAGE_BAND = (0.70, 0.90)
MAE_WORSE_SHARE = 0.20  # MAE more than 20% above the holdout's is drift


def _figures(sums: list[dict]) -> dict:
    n = sum(row["cases"] for row in sums)
    return {
        "cases": n,
        "mae": sum(row["abs_error"] for row in sums) / n,
        "bias": sum(row["error"] for row in sums) / n,
        "interval_coverage": sum(row["inside"] for row in sums) / n,
    }


def live_accuracy(runtime: Runtime) -> LiveAccuracy:
    """Weekly MAE, bias (actual − P50) and P10–P90 coverage of advance predictions whose actuals arrived.

    `drift` lists what is wrong over the last DRIFT_WEEKS weeks with matched cases: coverage outside
    70–90%, or MAE more than 20% worse than the active model's holdout MAE. Empty when nothing is matched.
    """
    with runtime.db.read() as connection:
        days = advance_error_sums_by_day(connection)
        active = active_version(connection)
    holdout = None
    if active is not None:
        model = active["card"]["model"]
        holdout = Holdout(mae=model["mae"], interval_coverage=model["interval_coverage"], version=active["version"])
    by_week: dict = {}
    for row in days:
        by_week.setdefault(row["case_date"] - timedelta(days=row["case_date"].weekday()), []).append(row)
    weeks = [WeekAccuracy(week_start=start, **_figures(rows)) for start, rows in sorted(by_week.items())]
    result = LiveAccuracy(weeks=weeks, holdout=holdout, last_weeks=None, drift=[])
    if not weeks:
        return result
    last = LastWeeks(weeks=min(DRIFT_WEEKS, len(weeks)),
                     **_figures([row for start in sorted(by_week)[-DRIFT_WEEKS:] for row in by_week[start]]))
    result.last_weeks = last
    low, high = COVERAGE_BAND
    if not low <= last.interval_coverage <= high:
        result.drift.append(
            f"80% range coverage over the last {last.weeks} week(s) is "
            f"{last.interval_coverage:.0%}, outside {low:.0%}–{high:.0%}."
        )
    if holdout and holdout.mae is not None and last.mae > (1 + MAE_WORSE_SHARE) * holdout.mae:
        result.drift.append(
            f"MAE over the last {last.weeks} week(s) is {last.mae:.1f} min, more than "
            f"{MAE_WORSE_SHARE:.0%} above the holdout's {holdout.mae:.1f} min."
        )
    return result
