"""The command line: python -m optior COMMAND; each command module registers its subcommands."""

from __future__ import annotations

import argparse
import importlib
import sys

from optior.config import settings_from_env
from optior.errors import OptiORError
from optior.services.runtime import build_runtime

# Each module defines register(subparsers); a subcommand sets `handler(runtime, args) -> exit code`.
COMMAND_MODULES = (
    "optior.cli.data", "optior.cli.metrics", "optior.cli.model", "optior.cli.plan", "optior.cli.admin",
    "optior.cli.bench",
)

EXIT_OK, EXIT_SOME_REJECTED, EXIT_UNUSABLE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m optior", description="OptiOR command line.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the command and return its exit code; user errors print one line."""
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "needs_runtime", True):
            runtime = build_runtime(settings_from_env())
            return args.handler(runtime, args)
        return args.handler(None, args)
    except OptiORError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_UNUSABLE
