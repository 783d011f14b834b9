"""Data commands: seed (import a CSV), generate (sample data), clear."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from optior.cli import EXIT_OK, EXIT_SOME_REJECTED, EXIT_UNUSABLE
from optior.services.data_admin import clear_cases, write_generated_cases
from optior.services.importing import import_cases
from optior.services.runtime import Runtime


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in YYYY-MM-DD form") from None


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive whole number")
    return int(text)


def _print_progress(rows: int) -> None:
    print(f"\r  {rows:,} rows read", end="", file=sys.stderr, flush=True)


def _seed(runtime: Runtime, args: argparse.Namespace) -> int:
    path = Path(args.csv) if args.csv else runtime.settings.sample_csv
    report = import_cases(
        runtime, source=path, source_name=path.name, strict=args.strict, replace=args.replace,
        progress=_print_progress, size_limit=False,
    )
    print(file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), default=str, indent=2))
    else:
        print(report.summary())
        for problem in report.rejections[: args.show]:
            print(f"  line {problem.line}: {problem.reason}")
        if report.rejected > args.show:
            print(f"  ... and {report.rejected - args.show} more rejected rows (use --json for up to 1,000)")
        if report.warned:
            print(f"  {report.warned} rows imported with warnings (use --json to list them)")
    if not report.written:
        return EXIT_UNUSABLE
    return EXIT_SOME_REJECTED if report.rejected else EXIT_OK


def _generate(_runtime: None, args: argparse.Namespace) -> int:
    written = write_generated_cases(Path(args.out), args.cases, seed=args.seed, start=args.start, rooms=args.rooms,
                                    sites=args.sites, upcoming_days=args.upcoming_days)
    total = written.completed + written.scheduled
    scheduled = f" ({written.scheduled:,} of them scheduled, without actual times)" if written.scheduled else ""
    print(f"Wrote {total:,} cases to {args.out}{scheduled}")
    return EXIT_OK


def _clear(runtime: Runtime, args: argparse.Namespace) -> int:
    if not args.yes:
        print("error: clearing deletes every case; run again with --yes to confirm", file=sys.stderr)
        return EXIT_UNUSABLE
    print(f"Removed {clear_cases(runtime):,} cases.")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    seed = subparsers.add_parser(
        "seed", help="import an OR case CSV of any size (default: the bundled sample); OPTIOR_MAX_UPLOAD_MB "
                     "limits uploads through the web page and the API only",
    )
    seed.add_argument("--csv", help="CSV file to import (default: data/sample_cases.csv)")
    seed.add_argument("--replace", action="store_true", help="remove all existing cases first")
    seed.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
    seed.add_argument("--json", action="store_true", help="print the import report as JSON")
    seed.add_argument("--show", type=int, default=20, help="rejected rows to list (default 20)")
    seed.set_defaults(handler=_seed)

    generate = subparsers.add_parser("generate", help="write a realistic generated case history CSV")
    generate.add_argument("--cases", type=_positive_int, default=2500)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--start", type=_iso_date, default=date(2026, 7, 1), help="first day, YYYY-MM-DD")
    generate.add_argument("--rooms", type=_positive_int, default=9, help="OR suites in all (default 9)")
    generate.add_argument("--sites", type=_positive_int, default=1,
                          help="hospitals the rooms are spread over, each numbering its rooms from 1; more than "
                               "one adds a Site column (default 1)")
    generate.add_argument("--upcoming-days", type=int, choices=range(0, 31), default=0, metavar="N",
                          help="also write N more weekdays of scheduled cases without actual times (0-30)")
    generate.add_argument("--out", required=True, help="CSV file to write")
    generate.set_defaults(handler=_generate, needs_runtime=False)

    clear = subparsers.add_parser("clear", help="delete every case (needs --yes)")
    clear.add_argument("--yes", action="store_true", help="confirm the deletion")
    clear.set_defaults(handler=_clear)
