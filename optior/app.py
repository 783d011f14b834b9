"""The composition root: create_app builds the OptiOR Dash app from every package (runtime, first-run data, the page
frame, pages, API, request checks, vendor CSS, headers).

Nothing in optior imports this module; app.py, the CLI, tests and benchmarks do (tests/test_architecture.py).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

from dash import Dash
from dash.dash import _default_index

import optior.pages
import optior.shell
from optior.api import register_api
from optior.config import PROJECT_ROOT, Settings, settings_from_env
from optior.services.runtime import build_runtime
from optior.services.startup import prepare_first_run
from optior.shell.layout import shell_layout
from optior.shell.status import show_callback_error
from optior.web.auth import install_authentication
from optior.web.context import attach_runtime
from optior.web.dash_requests import install_dash_request_checks
from optior.web.request_guard import install_request_guard
from optior.web.security import add_security_headers
from optior.web.vendor import BOOTSTRAP_CSS_URL, register_vendor_route

log = logging.getLogger(__name__)
# Screen readers pick their voice from the document's language.
INDEX_HTML = _default_index.replace("<html>", '<html lang="en">', 1)


def _register_pages_and_callbacks() -> None:
    """Import every module in optior/shell (the frame's callbacks) and optior/pages (each registers its page with
    dash.register_page, and its callbacks), so a page is one file."""
    for package in (optior.shell, optior.pages):
        for module in pkgutil.iter_modules(package.__path__, prefix=f"{package.__name__}."):
            importlib.import_module(module.name)


def create_app(settings: Settings | None = None) -> Dash:
    """Create the app for settings (default: from the environment); seeds sample data on first run."""
    settings = settings or settings_from_env()
    runtime = build_runtime(settings)
    if settings.auto_seed:
        for line in prepare_first_run(runtime):
            log.info(line)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(PROJECT_ROOT / "assets"),
        external_stylesheets=[BOOTSTRAP_CSS_URL],
        title="OptiOR",
        update_title="",  # keep the page title while callbacks run
        # Otherwise Dash calls every page's layout on its first request to build a validation layout, and
        # answers 500 to that request if the database is down then; the page router reports outages itself.
        suppress_callback_exceptions=True,
        on_error=show_callback_error,
    )
    app.index_string = INDEX_HTML
    attach_runtime(app.server, runtime)
    install_request_guard(app.server, settings)
    install_dash_request_checks(app)
    install_authentication(app.server, settings)
    register_vendor_route(app.server)
    add_security_headers(app.server)
    register_api(app.server)
    _register_pages_and_callbacks()
    app.layout = shell_layout
    return app
