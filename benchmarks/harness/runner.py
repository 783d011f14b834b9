"""Run the whole benchmark: generate, import (several times), time the dashboard, the model and the served app."""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from benchmarks.harness import dashboard, model, serving
from benchmarks.harness.dataset import ImportRun, hospital, import_with_seed_command, write_dataset
from benchmarks.harness.machine import describe_machine
from benchmarks.harness.measure import BenchmarkError, Comparison, Measurement
from optior.config import Settings, settings_from_env, settings_to_env
from optior.services.data_admin import case_count, clear_cases
from optior.services.runtime import Runtime, build_runtime

IMPORT_TARGET_S_PER_MILLION = 60.0  # a minute a million cases: ten minutes for ten million
IMPORT_MEMORY_TARGET_MB = 2048.0


@dataclass(frozen=True)
class BenchOptions:
    """What to run: how many cases, timed runs per figure, the generated hospital, where, on which port.

    rooms and sites None choose them from the case count (dataset.hospital).
    """

    cases: int = 1_000_000
    runs: int = 3
    rooms: int | None = None
    sites: int | None = None
    seed: int = 42
    database_url: str | None = None
    replace: bool = False
    port: int = 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _child_env(settings: Settings, port: int, csv_bytes: int) -> dict[str, str]:
    """The environment of the import command and the served app: this benchmark's database, models and token."""
    served = settings.with_changes(auto_seed=False, host="127.0.0.1", port=port, debug=False, users_file=None,
                                   max_upload_mb=max(settings.max_upload_mb, round(csv_bytes / 1_048_576 + 1)))
    return {**os.environ, **settings_to_env(served)}


def _import(runtime: Runtime, csv_path: Path, env: dict, run: int, options: BenchOptions,
            say: Callable[[str], None]) -> ImportRun:
    """Empty the database, then import the CSV with the seed command; check every case was stored."""
    if case_count(runtime):
        clear_cases(runtime)
    imported = import_with_seed_command(
        csv_path, env, lambda rows: say(f"import {run}/{options.runs}: {rows:,} rows read"))
    report = imported.report
    if report["inserted"] != options.cases or report["rejected"]:
        raise BenchmarkError(f"The import stored {report['inserted']:,} of {options.cases:,} cases "
                             f"({report['rejected']:,} rejected).")
    say(f"import {run}/{options.runs}: {imported.seconds:.1f} s (cpu {imported.cpu_seconds:.1f} s), "
        f"peak {imported.peak_rss_mb:.0f} MB")
    return imported


def _import_measurements(done: list[ImportRun], cases: int) -> list[Measurement]:
    seconds, peaks = [run.seconds for run in done], [run.peak_rss_mb for run in done]
    cpu = statistics.fmean(run.cpu_seconds for run in done)
    return [
        Measurement("import", "import the generated CSV (python -m optior seed)", "import", "s",
                    statistics.median(seconds), max(1.0, cases / 1e6) * IMPORT_TARGET_S_PER_MILLION,
                    [round(s, 2) for s in seconds],
                    f"{cases:,} rows; {done[-1].progress_updates} progress updates; cpu {cpu:.0f} s"),
        Measurement("import_rss", "import process memory (peak RSS)", "memory", "MB", max(peaks),
                    IMPORT_MEMORY_TARGET_MB, [round(p, 1) for p in peaks], "largest of the runs"),
    ]


def _open(options: BenchOptions, work: Path) -> Runtime:
    """The benchmark's runtime: its own database (a temporary SQLite file by default), models and token."""
    settings = settings_from_env().with_changes(
        database_url=options.database_url or f"sqlite:///{work / 'bench.db'}", model_dir=work / "models",
        auto_seed=False, admin_token=secrets.token_urlsafe(24),
    )
    runtime = build_runtime(settings)
    stored = case_count(runtime)
    if stored and not options.replace:
        runtime.db.dispose()
        raise BenchmarkError(f"The database already holds {stored:,} cases and the benchmark deletes them; "
                             "run again with --replace to allow that, or name an empty database.")
    return runtime


def _in_process(runtime: Runtime, ranges: dashboard.Ranges, runs: int,
                say: Callable[[str], None]) -> tuple[list[Measurement], list[Comparison]]:
    """The dashboard's service calls beside the naive approach, then retrains and predictions, in this process."""
    say("timing the dashboard's service calls and the naive approach ...")
    services = dashboard.service_measurements(runtime, ranges, runs)
    comparisons = dashboard.naive_comparisons(runtime, ranges, runs, services)
    say(f"retraining {runs} time(s) ...")
    measurements = [*services.values(), model.retrain_measurement(runtime, runs),
                    model.prediction_measurement(runtime, runs, ranges.last + timedelta(days=7)),
                    model.day_distributions_measurement(runtime, runs, ranges.last + timedelta(days=7))]
    return measurements, comparisons


def _served(runtime: Runtime, ranges: dashboard.Ranges, env: dict, work: Path, runs: int,
            say: Callable[[str], None]) -> list[Measurement]:
    """Callbacks, predictions and memory of the app serving the database in its own process."""
    say("serving the database with python app.py: callbacks, predictions, memory, one retrain ...")
    requests = model.prediction_requests(runtime, model.PREDICTIONS_PER_RUN, ranges.last + timedelta(days=7))
    with serving.ServedApp(env, int(env["OPTIOR_PORT"]), work / "app.log") as app:
        return serving.serving_measurements(app, ranges, runs, requests, runtime.settings.admin_token)


def run_benchmark(options: BenchOptions, say: Callable[[str], None] = lambda _line: None) -> dict:
    """Run every measurement and return the JSON-ready result (benchmark, machine, measurements, comparisons).

    Import run 1 fills the database the other figures are measured on; the other import runs come last, so
    those figures see a table filled by one import (PostgreSQL without autovacuum would also scan the rows
    that a clear before a re-import leaves dead).
    """
    if options.cases <= 0 or options.runs <= 0:
        raise BenchmarkError("--cases and --runs must be positive.")
    rooms, sites = hospital(options.cases, options.rooms, options.sites)
    options = replace(options, rooms=rooms, sites=sites)
    began, started_at = time.perf_counter(), datetime.now().isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory(prefix="optior-bench-") as folder:
        work = Path(folder)
        runtime = _open(options, work)
        try:
            csv_path = work / "cases.csv"
            say(f"generating {options.cases:,} cases in {rooms} rooms over {sites} site(s) ...")
            write_dataset(csv_path, cases=options.cases, rooms=rooms, sites=sites, seed=options.seed,
                          today=date.today())
            env = _child_env(runtime.settings, options.port or _free_port(), csv_path.stat().st_size)
            imports = [_import(runtime, csv_path, env, 1, options, say)]
            ranges = dashboard.data_ranges(runtime)
            measurements, comparisons = _in_process(runtime, ranges, options.runs, say)
            measurements += _served(runtime, ranges, env, work, options.runs, say)
            imports += [_import(runtime, csv_path, env, run, options, say) for run in range(2, options.runs + 1)]
            machine = describe_machine(runtime)
            where = runtime.db.url.render_as_string(hide_password=True) if options.database_url else None
        finally:
            runtime.db.dispose()
    measurements = _import_measurements(imports, options.cases) + measurements
    return {
        "benchmark": {**asdict(options), "database_url": where, "database": machine["database"].split()[0],
                      "started_at": started_at, "duration_s": round(time.perf_counter() - began, 1)},
        "machine": machine,
        "measurements": [m.to_dict() for m in measurements],
        "comparisons": [c.to_dict() for c in comparisons],
        "targets_met": all(m.met is not False for m in measurements),
    }
