"""Measure the dashboard's analytics and OR metric services against their speed targets.

    python -m benchmarks.metrics_speed --cases 1000000
    python -m benchmarks.metrics_speed --cases 100000 --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Generates N cases (all dated in the past) with the sample generator, imports them through the
normal import service, then times each service call (median of --repeat runs after one warm-up).
--reuse skips generation and import when the database already holds cases.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from optior.config import Settings
from optior.ingest.generator import write_cases_csv
from optior.services import analytics
from optior.services.importing import import_cases
from optior.services.metrics import or_metrics
from optior.services.runtime import Runtime, build_runtime

CASES_PER_ROOM_DAY = 4.0 * 0.9  # the generator's own planning figure


def _load(runtime: Runtime, cases: int, rooms: int, work_dir: Path) -> None:
    today = date.today()
    weekdays_needed = int(cases / (rooms * CASES_PER_ROOM_DAY)) + 10
    start = (pd.Timestamp(today) - pd.offsets.BDay(weekdays_needed)).date()
    csv_path = work_dir / "cases.csv"
    began = time.perf_counter()
    written = write_cases_csv(csv_path, cases, start=start, rooms=rooms)
    generated = time.perf_counter()
    report = import_cases(runtime, source=csv_path, source_name=csv_path.name, replace=True, today=today)
    imported = time.perf_counter()
    print(
        f"generated {written:,} cases in {generated - began:.1f} s; imported in {imported - generated:.1f} s "
        f"({report.summary()})"
    )


def _time(call: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median and best wall-clock ms, and best CPU ms of this process (SQLite runs in it; PostgreSQL does not)."""
    call()  # warm-up: connection pool, statement cache
    wall, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return statistics.median(wall), min(wall), min(cpu)


def _ranges(runtime: Runtime) -> dict[str, tuple[date, date, float]]:
    """The measured ranges, each ending on the last day with cases, with its target in ms."""
    extent = analytics.data_extent(runtime)
    first, last = date.fromisoformat(extent["first_day"]), date.fromisoformat(extent["last_day"])
    return {
        "1 day": (last, last, 50.0),
        "3 months": (last - timedelta(days=91), last, 300.0),
        "1 year": (last - timedelta(days=364), last, 500.0),
        "all data": (first, last, 1000.0),
    }


def _measurements(runtime: Runtime) -> list[tuple[str, str, float, Callable[[], object]]]:
    """(call, range, target ms, call) for every measured service call."""
    ranges = _ranges(runtime)
    last = ranges["1 day"][0]
    rows: list[tuple[str, str, float, Callable[[], object]]] = [
        ("data_extent", "all data", 1000.0, lambda: analytics.data_extent(runtime)),
        ("day_schedule", "1 day", 50.0, lambda: analytics.day_schedule(runtime, day=last)),
        ("day_summary", "1 day", 50.0, lambda: analytics.day_summary(runtime, day=last)),
        ("nearest_days_with_cases", "1 day", 50.0,
         lambda: analytics.nearest_days_with_cases(runtime, day=last + timedelta(days=1))),
    ]
    for name in ("3 months", "1 year", "all data"):
        start, end, target = ranges[name]
        rows.append(("specialty_breakdown", name, target,
                     lambda start=start, end=end: analytics.specialty_breakdown(runtime, start=start, end=end)))
    for name, (start, end, target) in ranges.items():
        rows.append(("or_metrics", name, target,
                     lambda start=start, end=end: or_metrics(runtime, start=start, end=end)))
    return rows


def _cases_per_range(runtime: Runtime) -> dict[str, int]:
    return {
        name: sum(row["cases"] for row in analytics.specialty_breakdown(runtime, start=start, end=end))
        for name, (start, end, _) in _ranges(runtime).items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases to generate (default 100,000)")
    parser.add_argument("--rooms", type=int, default=100, help="OR suites in the generated hospital (default 100)")
    parser.add_argument("--database-url", help="database to use (default: a temporary SQLite file)")
    parser.add_argument("--reuse", action="store_true", help="keep the cases already in the database")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per call (default 5)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        url = args.database_url or f"sqlite:///{work_dir / 'bench.db'}"
        runtime = build_runtime(Settings(database_url=url, auto_seed=False))
        if not (args.reuse and analytics.data_extent(runtime)["case_count"]):
            _load(runtime, args.cases, args.rooms, work_dir)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"database: {runtime.db.url.render_as_string(hide_password=True)}; "
              f"{analytics.data_extent(runtime)['case_count']:,} cases; load average {load} on {os.cpu_count()} CPUs\n")
        print(f"{'call':<24} {'range':<9} {'cases':>9} {'median ms':>10} {'best ms':>8} {'cpu ms':>7} "
              f"{'target':>7}  verdict")
        over, cases = 0, _cases_per_range(runtime)
        for label, range_name, target, call in _measurements(runtime):
            median, best, cpu = _time(call, args.repeat)
            verdict = "ok" if median <= target else "OVER"
            over += verdict == "OVER"
            print(f"{label:<24} {range_name:<9} {cases[range_name]:>9,} {median:>10.1f} {best:>8.1f} {cpu:>7.1f} "
                  f"{target:>7.0f}  {verdict}")
        runtime.db.dispose()
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
