"""Measure retraining and single predictions against the duration model's speed targets (issue 3).

    python benchmarks/train_predict.py --cases 1000000
    python benchmarks/train_predict.py --cases 100000 --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Generates N cases (all dated in the past) with the sample generator, imports them through the normal
import service, then times a full retrain (read, fit both candidates, evaluate, save, record; median of
--runs) and single in-process predictions through predict_duration (logged, as the app does).
Targets: retrain at most 120 s on 1M cases (2 cores), one prediction at most 30 ms median.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optior.config import Settings  # noqa: E402
from optior.db.training_data import count_cases, read_case_rows  # noqa: E402
from optior.ingest.generator import write_cases_csv  # noqa: E402
from optior.ml.registry import load_model  # noqa: E402
from optior.services.importing import import_cases  # noqa: E402
from optior.services.prediction import form_options, predict_duration  # noqa: E402
from optior.services.runtime import Runtime, build_runtime  # noqa: E402
from optior.services.training import retrain  # noqa: E402

CASES_PER_ROOM_DAY = 4.0 * 0.9  # the generator's own planning figure
RETRAIN_TARGET_S = 120.0
PREDICT_TARGET_MS = 30.0


def _load(runtime: Runtime, cases: int, rooms: int, work_dir: Path) -> None:
    today = date.today()
    weekdays_needed = int(cases / (rooms * CASES_PER_ROOM_DAY)) + 10
    start = (pd.Timestamp(today) - pd.offsets.BDay(weekdays_needed)).date()
    csv_path = work_dir / "cases.csv"
    began = time.perf_counter()
    written = write_cases_csv(csv_path, cases, start=start, rooms=rooms)
    generated = time.perf_counter()
    report = import_cases(runtime, source=csv_path, source_name=csv_path.name, replace=True, today=today)
    print(f"generated {written:,} cases in {generated - began:.1f} s; imported in "
          f"{time.perf_counter() - generated:.1f} s ({report.summary()})")


def _seconds(call) -> tuple[float, object]:
    began = time.perf_counter()
    result = call()
    return time.perf_counter() - began, result


def _prediction_inputs(runtime: Runtime, count: int) -> list[dict]:
    """Realistic requests: services, procedures, rooms and surgeons drawn from the stored cases."""
    options = form_options(runtime)
    requests = []
    for index in range(count):
        service = options["services"][index % len(options["services"])]
        procedures = options["procedures"][service]
        surgeons = options["surgeons"].get(service) or [None]
        requests.append({
            "service": service,
            "cpt_code": procedures[index % len(procedures)]["cpt_code"],
            "or_suite": options["rooms"][index % len(options["rooms"])],
            "case_date": "2026-12-01",
            "scheduled_start": f"{7 + index % 9:02d}:30",
            "booked_minutes": 60 + 15 * (index % 12),
            "surgeon": surgeons[index % len(surgeons)],
        })
    return requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to generate (default 1,000,000)")
    parser.add_argument("--rooms", type=int, default=100, help="OR suites in the generated hospital (default 100)")
    parser.add_argument("--database-url", help="database to use (default: a temporary SQLite file)")
    parser.add_argument("--reuse", action="store_true", help="keep the cases already in the database")
    parser.add_argument("--runs", type=int, default=3, help="timed retrains (default 3)")
    parser.add_argument("--predictions", type=int, default=300, help="timed single predictions (default 300)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        url = args.database_url or f"sqlite:///{work_dir / 'bench.db'}"
        runtime = build_runtime(Settings(database_url=url, model_dir=work_dir / "models", auto_seed=False))
        with runtime.db.read() as connection:
            stored = count_cases(connection)
        if not (args.reuse and stored):
            _load(runtime, args.cases, args.rooms, work_dir)
        with runtime.db.read() as connection:
            print(f"database: {runtime.db.url.render_as_string(hide_password=True)}; "
                  f"{count_cases(connection):,} cases")
            read_s, _ = _seconds(lambda: read_case_rows(connection))
        print(f"reading the training rows: {read_s:.1f} s")

        retrain_runs = []
        for run in range(args.runs):
            seconds, result = _seconds(lambda: retrain(runtime, force=True))
            retrain_runs.append(seconds)
            card = result["card"]
            print(f"retrain {run + 1}: {seconds:.1f} s ({card['estimator']['name']}; candidates "
                  + ", ".join(f"{name} MAE {c['mae']:.2f}" for name, c in card["candidates"].items())
                  + f"; coverage {card['model']['interval_coverage']:.3f})")
        model_file = runtime.settings.model_dir / card["file_name"]
        print(f"model file: {model_file.stat().st_size / 1e6:.1f} MB")

        load_model.cache_clear()
        requests = _prediction_inputs(runtime, args.predictions)
        cold_s, _ = _seconds(lambda: predict_duration(runtime, **requests[0]))
        print(f"first prediction in a fresh process (SHA-256 check + load): {cold_s * 1000:.0f} ms")
        timings = [_seconds(lambda r=r: predict_duration(runtime, **r))[0] * 1000 for r in requests]
        options_s, _ = _seconds(lambda: form_options(runtime))
        runtime.db.dispose()

    retrain_median = statistics.median(retrain_runs)
    predict_median = statistics.median(timings)
    print()
    print(f"retrain median of {len(retrain_runs)}: {retrain_median:.1f} s (target {RETRAIN_TARGET_S:.0f} s) "
          f"{'ok' if retrain_median <= RETRAIN_TARGET_S else 'OVER'}")
    print(f"prediction median of {len(timings)}: {predict_median:.1f} ms, p95 "
          f"{statistics.quantiles(timings, n=20)[-1]:.1f} ms (target {PREDICT_TARGET_MS:.0f} ms) "
          f"{'ok' if predict_median <= PREDICT_TARGET_MS else 'OVER'}")
    print(f"form_options: {options_s * 1000:.0f} ms")
    return 0 if retrain_median <= RETRAIN_TARGET_S and predict_median <= PREDICT_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
