"""Schema commands: migrate (upgrade the database in place to this release's schema) and init (the same)."""

from __future__ import annotations

import argparse

from optior.cli import EXIT_OK
from optior.config import settings_from_env
from optior.services.runtime import migrate_database


def _migrate(_runtime: None, _args: argparse.Namespace) -> int:
    result = migrate_database(settings_from_env())
    print(f"Database: {result.database}")
    print(result.summary())
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    help_text = "create or upgrade the database schema in place (keeps every row; a no-op when current)"
    subparsers.add_parser("migrate", help=help_text).set_defaults(handler=_migrate, needs_runtime=False)
    subparsers.add_parser("init", help="the same as migrate").set_defaults(handler=_migrate, needs_runtime=False)
