"""Mount the JSON API under /api on the app's Flask server: routes, body limits, JSON errors."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from optior.api import analytics_views, data_views, live_views, model_views, plan_views
from optior.api.errors import API_PREFIX, is_api_path, register_error_handlers
from optior.api.openapi import openapi_document
from optior.api.operation import Operation
from optior.api.serialize import json_response
from optior.services.access import admin_refusal_reason
from optior.web.context import current_runtime

log = logging.getLogger(__name__)
BLUEPRINT_NAME = "api"
JSON_BODY_LIMIT = 1024 * 1024
MULTIPART_ALLOWANCE = 64 * 1024  # boundaries and part headers around an uploaded file


def openapi() -> Response:
    """The OpenAPI 3 description of every endpoint, generated from ROUTES."""
    routes = ((API_PREFIX + path, method, operation) for path, method, _, operation in ROUTES)
    return json_response(openapi_document(current_runtime().settings, routes))


OPENAPI = Operation("openapi", "This document.", None, "OpenAPI 3.1")

# (path under /api, method, view, its description); the OpenAPI document is generated from exactly these.
ROUTES: tuple[tuple[str, str, Callable[[], Response], Operation], ...] = (
    ("/health", "GET", data_views.health, data_views.HEALTH),
    ("/seed", "POST", data_views.seed, data_views.SEED),
    ("/clear", "DELETE", data_views.clear, data_views.CLEAR),
    ("/schedule", "GET", analytics_views.schedule, analytics_views.SCHEDULE),
    ("/analytics", "GET", analytics_views.analytics_view, analytics_views.ANALYTICS),
    ("/metrics", "GET", analytics_views.metrics_view, analytics_views.METRICS),
    ("/metrics/sites", "GET", analytics_views.site_comparison_view, analytics_views.SITE_COMPARISON),
    ("/predict", "POST", model_views.predict, model_views.PREDICT),
    ("/retrain", "POST", model_views.retrain, model_views.RETRAIN),
    ("/jobs", "GET", model_views.job, model_views.JOB),
    ("/models", "GET", model_views.models, model_views.MODELS),
    ("/models/live", "GET", live_views.live, live_views.LIVE),
    ("/plan", "GET", plan_views.plan, plan_views.PLAN),
    ("/plan", "POST", plan_views.what_if, plan_views.WHAT_IF),
    ("/openapi.json", "GET", openapi, OPENAPI),
)


def _limit_body() -> None:
    """Allow an upload of the configured size on /api/seed (plus multipart framing), small bodies elsewhere."""
    if request.endpoint != f"{BLUEPRINT_NAME}.seed":
        request.max_content_length = JSON_BODY_LIMIT
        return
    limit = current_runtime().settings.max_upload_bytes
    multipart = request.mimetype == "multipart/form-data"
    request.max_content_length = limit + MULTIPART_ALLOWANCE if multipart else limit


def _api_routing(allowed: dict[str, list[str]]) -> Callable[[], Response | None]:
    """Answer 404, 405 (with Allow) and OPTIONS for /api paths ourselves, ahead of the pages' catch-all."""

    def route() -> Response | None:
        if not is_api_path(request.path):
            return None
        methods = allowed.get(request.path)
        if methods is None:
            raise NotFound(f"There is no API endpoint at {request.path}; see {API_PREFIX}/openapi.json.")
        if request.method == "OPTIONS":
            response = Response(status=204, headers={"Allow": ", ".join(methods)})
            del response.headers["Content-Type"]
            return response
        if request.method not in methods:
            raise MethodNotAllowed(
                valid_methods=methods,
                description=f"{request.method} is not allowed on {request.path}; allowed: {', '.join(methods)}.",
            )
        return None

    return route


def register_api(server: Flask) -> None:
    """Add the /api endpoints, their JSON error handling and body limits to the Flask server.

    The server must already have its Runtime attached; when data changes are switched off (no admin
    token, non-loopback address) the log says so and how to enable them.
    """
    blueprint = Blueprint(BLUEPRINT_NAME, __name__, url_prefix=API_PREFIX)
    for path, method, view, _ in ROUTES:
        blueprint.add_url_rule(path, view_func=view, methods=[method])
    blueprint.before_request(_limit_body)
    register_error_handlers(server, blueprint)
    server.register_blueprint(blueprint)
    allowed: dict[str, list[str]] = {}  # a path may have a view per method (GET and POST /plan)
    for rule in server.url_map.iter_rules():
        if rule.endpoint.startswith(f"{BLUEPRINT_NAME}."):
            allowed[rule.rule] = sorted(set(allowed.get(rule.rule, ())) | set(rule.methods or ()))
    server.before_request(_api_routing(allowed))
    with server.app_context():
        refusal = admin_refusal_reason(current_runtime().settings)
    if refusal:
        log.warning(refusal)
