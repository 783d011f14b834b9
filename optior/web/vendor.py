"""Serve Bootstrap's CSS from the installed bootstrap-flask wheel, so no page needs a CDN."""

from __future__ import annotations

from pathlib import Path

import flask_bootstrap
from flask import Flask, send_from_directory

VENDOR_URL = "/vendor/bootstrap"
BOOTSTRAP_CSS_URL = f"{VENDOR_URL}/css/bootstrap.min.css"
_BOOTSTRAP_DIR = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5"


def register_vendor_route(server: Flask) -> None:
    """Add /vendor/bootstrap/<path> serving the packaged Bootstrap 5 files."""

    def vendor_file(path: str):
        return send_from_directory(_BOOTSTRAP_DIR, path, max_age=86400)

    server.add_url_rule(f"{VENDOR_URL}/<path:path>", "vendor_bootstrap", vendor_file)
