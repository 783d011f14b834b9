"""Speed of the day planner: the simulation alone, a planned day in process and GET /api/plan, on this machine.

    python -m benchmarks.plan_speed                    # synthetic days, then the bundled sample (trains a model)
    python -m benchmarks.plan_speed --no-sample        # the simulation alone
    python -m benchmarks.plan_speed --repeat 20 --json result.json
    python -m benchmarks.plan_speed --csv big.csv  # e.g. `generate --cases 1000000 --rooms 60 --upcoming-days 1`
    python -m benchmarks.plan_speed --no-sample --database   # the database and model folder of OPTIOR_* as they are

Prints the best and median time of each step over --repeat runs (milliseconds), wall clock and this process's CPU
(on a shared machine the wall time mostly measures the wait for a core; the load average is printed with them).

Targets, so planning feels
instant: a 12-case room-day and a 20-room day of 12 cases, 10,000 draws each, in at most 300 ms in process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.special import ndtri

from optior.ml.spread import QUANTILE_LEVELS
from optior.plan.simulate import DayInput, TurnoverPools, simulate_day


def synthetic_day(rooms: int, cases_per_room: int, seed: int = 0) -> DayInput:
    """Log-normal case minutes (median 30-180, spread 0.25-0.45) back to back from 07:30, gamma turnovers."""
    rng = np.random.default_rng(seed)
    n = rooms * cases_per_room
    median = rng.uniform(30, 180, n)
    spread = rng.uniform(0.25, 0.45, n)
    minutes = median[:, None] * np.exp(spread[:, None] * ndtri(QUANTILE_LEVELS)[None, :])
    starts = 450 + np.cumsum(np.c_[np.zeros((rooms, 1)), (median.reshape(rooms, -1) + 30)[:, :-1]], axis=1)
    return DayInput(
        levels=QUANTILE_LEVELS, minutes=minutes, room=np.repeat(np.arange(rooms), cases_per_room),
        scheduled_start=starts.ravel(),
        turnovers=TurnoverPools(15 + rng.gamma(2.0, 6.0, 400), np.zeros(n, np.int64), np.full(n, 400)),
        staffed_start=420.0, staffed_end=1020.0, turnover_cutoff=90.0,
        bookings={"booked": np.round(median / 15) * 15, "recommended": np.ceil(median * 1.2 / 5) * 5},
    )


def timed(step: Callable[[], object], repeat: int) -> dict:
    step()  # warm caches (and imports)
    times, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        step()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return {"best_ms": round(min(times), 1), "median_ms": round(statistics.median(times), 1),
            "cpu_best_ms": round(min(cpu), 1), "cpu_median_ms": round(statistics.median(cpu), 1),
            "load_average": round(os.getloadavg()[0], 1)}


def planned_day_steps(runtime, repeat: int, label: str) -> dict:
    """plan_day in process and GET /api/plan (Flask test client) on the runtime's first day with scheduled cases."""
    from flask import Flask

    from optior.api import register_api
    from optior.services.planning import plan_day, planned_days
    from optior.web.context import attach_runtime

    day = planned_days(runtime)[0]
    plan = plan_day(runtime, day)
    app = Flask(__name__)
    attach_runtime(app, runtime)
    register_api(app)
    client = app.test_client()
    size = f"{plan.totals.rooms} rooms at {len(plan.sites)} site(s), {plan.totals.cases} cases, {label}"
    return {
        f"plan_day in process ({size})": timed(lambda: plan_day(runtime, day), repeat),
        f"GET /api/plan ({label}, test client)": timed(lambda: client.get(f"/api/plan?date={day}"), repeat),
    }


def sample_steps(repeat: int, source: Path) -> dict:
    """A planned day of `source` (default the bundled sample) in process and over HTTP (Flask test client),
    on SQLite; the file is imported and a model trained first (minutes for a million cases)."""
    from optior.config import Settings
    from optior.services.importing import import_cases
    from optior.services.runtime import build_runtime
    from optior.services.training import retrain

    with tempfile.TemporaryDirectory(prefix="optior-plan-bench-") as folder:
        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'bench.db'}", model_dir=Path(folder) / "m",
                            auto_seed=False)
        runtime = build_runtime(settings)
        import_cases(runtime, source=source, source_name=source.name)
        retrain(runtime)
        results = planned_day_steps(runtime, repeat, source.name)
        runtime.db.dispose()
    return results


def database_steps(repeat: int) -> dict:
    """A planned day of the database OPTIOR_DATABASE_URL names, with its active model, as it is (nothing imported)."""
    from optior.config import settings_from_env
    from optior.services.runtime import build_runtime

    runtime = build_runtime(settings_from_env())
    try:
        return planned_day_steps(runtime, repeat, runtime.db.url.get_backend_name())
    finally:
        runtime.db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--no-sample", action="store_true", help="skip the planned day (no model training)")
    parser.add_argument("--csv", type=Path, help="plan a day of this file instead of the bundled sample")
    parser.add_argument("--database", action="store_true",
                        help="also plan the first scheduled day of the OPTIOR_DATABASE_URL database with its model")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    results = {
        f"simulate 1 room x 12 cases x {args.draws:,} draws": timed(
            lambda: simulate_day(synthetic_day(1, 12), draws=args.draws), args.repeat),
        f"simulate 20 rooms x 12 cases x {args.draws:,} draws": timed(
            lambda: simulate_day(synthetic_day(20, 12), draws=args.draws), args.repeat),
    }
    if not args.no_sample:
        from optior.config import SAMPLE_CSV

        results |= sample_steps(args.repeat, args.csv or SAMPLE_CSV)
    if args.database:
        results |= database_steps(args.repeat)
    for name, figures in results.items():
        print(f"{name:<55} best {figures['best_ms']:>8.1f} ms   median {figures['median_ms']:>8.1f} ms   "
              f"CPU best {figures['cpu_best_ms']:>7.1f} ms   load {figures['load_average']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
