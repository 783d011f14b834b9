"""Give callbacks and API views the Runtime of the app that is serving the current request."""

from __future__ import annotations

from flask import Flask, current_app

from optior.services.runtime import Runtime

_EXTENSION_KEY = "optior"


def attach_runtime(server: Flask, runtime: Runtime) -> None:
    server.extensions[_EXTENSION_KEY] = runtime


def current_runtime() -> Runtime:
    """The Runtime bound to the Flask app handling this request (one per app, never a module global)."""
    return current_app.extensions[_EXTENSION_KEY]
