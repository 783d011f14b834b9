"""Errors a user can cause; the edges (pages, API, CLI) turn them into messages."""

from __future__ import annotations


class OptiORError(Exception):
    """Base of every user-facing error: `message` is safe to show, `details` is structured help."""

    def __init__(self, message: str, details: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidCaseFile(OptiORError):
    """The uploaded or named file is not a usable OR case CSV (nothing was written)."""


class InvalidInput(OptiORError):
    """A form field, API parameter or CLI option has a bad value; `details` names the field."""


class JobAlreadyRunning(OptiORError):
    """Another retrain or import holds the lock."""


class ModelUnavailable(OptiORError):
    """No usable trained model (none yet, file missing, or checksum mismatch)."""


class RetrainFailed(OptiORError):
    """A retrain stopped by an unexpected error (its message carries the id under which it was logged)."""


class DatabaseUnavailable(OptiORError):
    """The database cannot be reached or used right now (down, unreachable, locked); try again shortly."""


class NotAllowed(OptiORError):
    """The signed-in user (or this machine) may not do this, e.g. change data without the admin role."""


class NothingScheduled(OptiORError):
    """A plan was asked for a day with no scheduled cases; `details` lists the days that have some."""
