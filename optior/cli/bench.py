"""The bench command: generate N cases, then time import, dashboard, retrain, prediction and memory against targets."""

from __future__ import annotations

import argparse
import json
import sys

from optior.cli import EXIT_OK
from optior.errors import OptiORError

EXIT_TARGET_MISSED = 1
HARNESS_MISSING = ("The benchmark harness is not importable: it lives in benchmarks/harness of the source checkout, "
                   "not in the installed app. Run python -m optior bench from the repository root.")


def _say(line: str) -> None:
    print(f"bench: {line}", file=sys.stderr, flush=True)


def _bench(_runtime: None, args: argparse.Namespace) -> int:
    # The harness is a tool beside the app (benchmarks/harness), loaded only when run; it also loads scikit-learn.
    try:
        from benchmarks.harness.report import render
        from benchmarks.harness.runner import BenchOptions, run_benchmark
    except ModuleNotFoundError as error:
        if error.name not in ("benchmarks", "benchmarks.harness"):
            raise
        raise OptiORError(HARNESS_MISSING) from None

    options = BenchOptions(cases=args.cases, runs=args.runs, rooms=args.rooms, sites=args.sites, seed=args.seed,
                           database_url=args.database_url, replace=args.replace, port=args.port)
    result = run_benchmark(options, _say)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return EXIT_OK if result["targets_met"] else EXIT_TARGET_MISSED


def register(subparsers: argparse._SubParsersAction) -> None:
    bench = subparsers.add_parser(
        "bench", help="benchmark import, dashboard, retrain, prediction and memory on N generated cases",
        description="Generate N cases, import them into a fresh database (a temporary SQLite file unless "
                    "--database-url is given), time every figure against its target (median of --runs runs) "
                    "beside the naive read-everything approach, and print a table or JSON. Exit 0 when every "
                    "target is met, 1 when one is missed, 2 on an error.",
    )
    bench.add_argument("--cases", type=int, default=1_000_000, help="cases to generate (default 1,000,000)")
    bench.add_argument("--runs", type=int, default=3, help="timed runs per figure (default 3)")
    bench.add_argument("--rooms", type=int, help="OR suites in the generated system (default 100 up to a million "
                                                 "cases, above that enough for a history of at most 50 years)")
    bench.add_argument("--sites", type=int, help="hospitals the rooms are spread over (default 1 up to a million "
                                                 "cases, above that one per 18 rooms, at most 12)")
    bench.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    bench.add_argument("--database-url", metavar="URL",
                       help="benchmark this database (e.g. postgresql+psycopg://...); default: a temporary SQLite file")
    bench.add_argument("--replace", action="store_true", help="allow deleting the cases already in --database-url")
    bench.add_argument("--port", type=int, default=0, help="loopback port of the served app (default: any free one)")
    bench.add_argument("--json", action="store_true", help="print the result as JSON instead of tables")
    bench.set_defaults(handler=_bench, needs_runtime=False)
