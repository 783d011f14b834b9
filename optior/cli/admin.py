"""Administration commands: add-user (sign-in accounts), purge-labels (erase stored case labels)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from optior.cli import EXIT_OK, EXIT_UNUSABLE
from optior.config import settings_from_env
from optior.services.runtime import Runtime
from optior.services.users import ROLES, save_user


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 10 characters): ")
    if getpass.getpass("Repeat it: ") != first:
        raise SystemExit("error: the passwords differ")
    return first


def _add_user(_runtime: None, args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else settings_from_env().users_file
    if path is None:
        print("error: name the users file with --file or OPTIOR_USERS_FILE", file=sys.stderr)
        return EXIT_UNUSABLE
    save_user(path, name=args.name, password=_read_password(args.password_stdin), role=args.role)
    print(f"Saved {args.role} '{args.name}' in {path}. Start OptiOR with OPTIOR_USERS_FILE={path}.")
    return EXIT_OK


def _purge_labels(runtime: Runtime, _args: argparse.Namespace) -> int:
    from optior.services.prediction import purge_prediction_labels  # loads scikit-learn: only when run

    erased = purge_prediction_labels(runtime)
    print(f"Erased the case label of {erased:,} logged predictions.")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    add_user = subparsers.add_parser("add-user", help="add or update a sign-in account (password is hashed)")
    add_user.add_argument("name")
    add_user.add_argument("--role", choices=ROLES, default="viewer")
    add_user.add_argument("--file", help="users file (default: OPTIOR_USERS_FILE)")
    add_user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add_user.set_defaults(handler=_add_user, needs_runtime=False)

    purge = subparsers.add_parser("purge-labels", help="erase every case label stored with logged predictions")
    purge.set_defaults(handler=_purge_labels)
