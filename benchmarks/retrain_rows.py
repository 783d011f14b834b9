"""Does training on the latest dates only cost accuracy? Several choices of training rows, one holdout.

    OPTIOR_DATABASE_URL=postgresql+psycopg://USER@HOST/DB python -m benchmarks.retrain_rows
    python -m benchmarks.retrain_rows --latest 400000 200000 --spread 400000 --json result.json

The holdout is the one a capped retrain (optior.ml.row_choice, default cap) evaluates on: every case of the
latest fifth of the dates it reads. Each variant trains on cases dated before it and is evaluated on all of it:
`full` on every earlier case, `latest N` on the latest whole dates holding at most N cases (what a capped
retrain trains on), `spread N` on whole dates drawn at random from the whole earlier history (a date-stratified
sample of about N cases). The rows are read once (this comparison needs the full table; a retrain never does).
Prints one Markdown row per variant: training cases, holdout MAE, median error, 80% range coverage, the largest
calibration gap over P10-P90, pinball loss, MAE on rarely seen surgeon-and-procedure pairs, and the wall time
of train_and_evaluate (fit both candidates, evaluate, refit the chosen one on training plus holdout).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.harness.machine import describe_machine
from optior.config import settings_from_env
from optior.db.training_data import cases_by_date, read_case_rows
from optior.ml.evaluation import time_split
from optior.ml.row_choice import TRAINING_ROW_CAP, choose_rows
from optior.ml.training import train_and_evaluate
from optior.services.runtime import build_runtime


def _holdout_from(counts: list, cap: int) -> pd.Timestamp:
    """The first holdout date of a retrain capped at `cap`: the latest fifth of the dates it reads."""
    choice = choose_rows(counts, cap=cap)
    dates = pd.Series(pd.to_datetime([day for day, _ in counts if choice.since is None or day >= choice.since]))
    return dates[time_split(dates)].min()


def _spread_dates(counts: pd.Series, target: int, seed: int) -> pd.Index:
    """Whole dates drawn at random from the whole history until they hold about `target` cases."""
    order = np.random.default_rng(seed).permutation(len(counts))
    shuffled = counts.iloc[order]
    return shuffled.index[: int(np.searchsorted(shuffled.cumsum().to_numpy(), target, side="right"))]


def _minutes(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _row(name: str, rows: pd.DataFrame, holdout_from: pd.Timestamp) -> dict:
    began = time.perf_counter()
    outcome = train_and_evaluate(rows, holdout_from=holdout_from.date())
    seconds = time.perf_counter() - began
    model = outcome.metrics["model"]
    calibration = model["quantile_calibration"]
    rare = next(band for band in model["by_frequency"] if band["band"] == "<5")
    return {
        "variant": name, "train_cases": outcome.n_train, "train_first": outcome.train_dates[0],
        "holdout_cases": outcome.n_test, "estimator": outcome.model.estimator,
        "mae": model["mae"], "median_ae": model["median_ae"], "coverage_80": model["interval_coverage"],
        "calibration_gap": max(abs(share - float(level)) for level, share in calibration.items()),
        "pinball": model["pinball_loss"], "rare_mae": rare["mae"], "rare_cases": rare["n"],
        "booked_mae": outcome.metrics["baselines"]["booked"]["mae"], "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=int, default=TRAINING_ROW_CAP, help="the cap whose holdout is used")
    parser.add_argument("--latest", type=int, nargs="*", default=[400_000, 200_000, 100_000])
    parser.add_argument("--spread", type=int, nargs="*", default=[400_000])
    parser.add_argument("--no-full", action="store_true", help="leave out the fit on every earlier case")
    parser.add_argument("--json", type=Path, help="also write the rows and the machine here")
    args = parser.parse_args(argv)

    runtime = build_runtime(settings_from_env())
    with runtime.db.read() as connection:
        counts = cases_by_date(connection)
        rows = read_case_rows(connection)
    holdout_from = _holdout_from(counts, args.cap)
    earlier = pd.Series({pd.Timestamp(day): n for day, n in counts if pd.Timestamp(day) < holdout_from})
    in_holdout = rows["case_date"] >= holdout_from
    variants = [] if args.no_full else [("full", rows)]
    for target in args.latest:
        since = choose_rows([(day, n) for day, n in earlier.items()], cap=target).since
        variants.append((f"latest {target:,}", rows[in_holdout | (rows["case_date"] >= pd.Timestamp(since))]))
    for target in args.spread:
        dates = _spread_dates(earlier, target, seed=0)
        variants.append((f"spread {target:,}", rows[in_holdout | rows["case_date"].isin(dates)]))
    del rows
    results = []
    machine = describe_machine(runtime)
    print("| training rows | cases | from | model | holdout MAE | median AE | 80% coverage | calibration gap "
          "| pinball | MAE, pairs seen <5 times | booked MAE | time |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, subset in variants:
        result = _row(name, subset.reset_index(drop=True), holdout_from)
        results.append(result)
        print(f"| {name} | {result['train_cases']:,} | {result['train_first']} | {result['estimator']} "
              f"| {result['mae']:.2f} | {result['median_ae']:.2f} | {result['coverage_80']:.1%} "
              f"| {result['calibration_gap']:.3f} | {result['pinball']:.2f} | {_minutes(result['rare_mae'])} "
              f"({result['rare_cases']:,}) | {result['booked_mae']:.2f} | {result['seconds']:.0f} s |", flush=True)
        if args.json:  # after every variant: a long run keeps what it measured
            args.json.write_text(json.dumps({"machine": machine, "rows": results}, indent=2))
    print(f"\nHoldout: {results[0]['holdout_cases']:,} cases from {holdout_from.date()}; machine: {machine}; "
          f"load average at the end: {[round(value, 2) for value in os.getloadavg()]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
