"""Time the service calls behind the dashboard (one day, three months, all data) and the naive way beside them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from benchmarks.harness import naive
from benchmarks.harness.measure import Comparison, Measurement, milliseconds, timed
from optior.services import analytics
from optior.services.metrics import or_metrics
from optior.services.runtime import Runtime

DAY_TARGET_MS, THREE_MONTHS_TARGET_MS, ALL_DATA_TARGET_MS = 50.0, 300.0, 1000.0
THREE_MONTHS_DAYS = 91  # the dashboard's default range


@dataclass(frozen=True)
class Ranges:
    """The measured selections: a whole day (the last day's cases may be cut short), ranges ending on the last day."""

    first: date
    last: date
    day: date

    @property
    def three_months(self) -> tuple[date, date]:
        return max(self.first, self.last - timedelta(days=THREE_MONTHS_DAYS - 1)), self.last

    @property
    def all_data(self) -> tuple[date, date]:
        return self.first, self.last


def data_ranges(runtime: Runtime) -> Ranges:
    extent = analytics.data_extent(runtime)
    days = extent["days_with_cases"]
    return Ranges(first=date.fromisoformat(days[0]), last=date.fromisoformat(days[-1]),
                  day=date.fromisoformat(days[-2] if len(days) > 1 else days[-1]))


def _service_calls(runtime: Runtime, ranges: Ranges) -> list[tuple[str, str, float, Callable[[], object]]]:
    """(key, label, target ms, call) for every dashboard service call measured."""
    day = ranges.day
    calls: list[tuple[str, str, float, Callable[[], object]]] = [
        ("data_extent", "data extent (calendar, service and room lists), all data", ALL_DATA_TARGET_MS,
         lambda: analytics.data_extent(runtime)),
        ("day_schedule", "day schedule (table and timeline), 1 day", DAY_TARGET_MS,
         lambda: analytics.day_schedule(runtime, day=day)),
        ("day_summary", "day summary (key figures), 1 day", DAY_TARGET_MS,
         lambda: analytics.day_summary(runtime, day=day)),
        ("nearest_days", "nearest days with cases, 1 day", DAY_TARGET_MS,
         lambda: analytics.nearest_days_with_cases(runtime, day=day + timedelta(days=1))),
    ]
    for name, (start, end), target in (("3 months", ranges.three_months, THREE_MONTHS_TARGET_MS),
                                       ("all data", ranges.all_data, ALL_DATA_TARGET_MS)):
        suffix = name.replace(" ", "_")
        calls += [
            (f"specialty_breakdown_{suffix}", f"specialty breakdown, {name}", target,
             lambda start=start, end=end: analytics.specialty_breakdown(runtime, start=start, end=end)),
            (f"or_metrics_{suffix}", f"OR efficiency metrics, {name}", target,
             lambda start=start, end=end: or_metrics(runtime, start=start, end=end)),
        ]
    return calls


def service_measurements(runtime: Runtime, ranges: Ranges, runs: int) -> dict[str, Measurement]:
    """Median wall time of each dashboard service call, keyed by its measurement key."""
    return {
        key: milliseconds(key, label, "dashboard services", timed(call, runs), target)
        for key, label, target, call in _service_calls(runtime, ranges)
    }


def _counts(rows: list[dict]) -> dict[str, int]:
    return {row["service"]: row["cases"] for row in rows}


def naive_comparisons(
    runtime: Runtime, ranges: Ranges, runs: int, measured: dict[str, Measurement]
) -> list[Comparison]:
    """The naive approach on the same selections, with whether its answer matches OptiOR's."""
    day = ranges.day
    schedule = analytics.day_schedule(runtime, day=day)
    naive_day = timed(lambda: naive.day_schedule(runtime, day), runs, warm_up=False)
    comparisons = [Comparison(
        "day_schedule", "day schedule, 1 day", measured["day_schedule"].value, naive_day.median_wall * 1000,
        agree=set(naive_day.result["encounter_id"]) == {row["encounter_id"] for row in schedule},
    )]
    for key, name, (start, end) in (("specialty_breakdown_3_months", "3 months", ranges.three_months),
                                     ("specialty_breakdown_all_data", "all data", ranges.all_data)):
        ours = _counts(analytics.specialty_breakdown(runtime, start=start, end=end))
        theirs = timed(lambda start=start, end=end: naive.specialty_breakdown(runtime, start, end), runs,
                       warm_up=False)
        comparisons.append(Comparison(
            key, f"specialty breakdown, {name}", measured[key].value, theirs.median_wall * 1000,
            agree=ours == {service: int(count) for service, count in theirs.result["cases"].items()},
        ))
    return comparisons
