"""Every API failure as JSON: {"error", "details"} for 4xx, an error id only for a 500."""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from optior.api.serialize import json_ready
from optior.errors import (
    DatabaseBusy,
    DatabaseReadOnly,
    DatabaseUnavailable,
    InvalidCaseFile,
    InvalidInput,
    JobAlreadyRunning,
    ModelUnavailable,
    NotAllowed,
    NothingScheduled,
    OptiORError,
    RetrainFailed,
)
from optior.units import file_size

log = logging.getLogger(__name__)

API_PREFIX = "/api"
BUSY_RETRY_AFTER_S = 5  # a lock held by an import's transaction; the client may try again after this


class ApiError(OptiORError):
    """A refusal with its own HTTP status (authentication, content type, strict import)."""

    def __init__(self, status: int, message: str, details: object = None, headers: dict | None = None) -> None:
        super().__init__(message, details)
        self.status = status
        self.headers = headers or {}


_STATUS_BY_ERROR: tuple[tuple[type[OptiORError], int], ...] = (
    (InvalidInput, 400),
    (InvalidCaseFile, 400),
    (NotAllowed, 403),
    (NothingScheduled, 404),
    (JobAlreadyRunning, 409),
    (ModelUnavailable, 409),
    (DatabaseUnavailable, 503),
    (DatabaseReadOnly, 503),
    (DatabaseBusy, 503),
    (RetrainFailed, 500),
)


def error_response(status: int, message: str, details: object = None, headers: dict | None = None) -> Response:
    """A JSON error body with the status; details default to an empty object."""
    response = jsonify({"error": message, "details": json_ready(details) if details is not None else {}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def status_for(error: OptiORError) -> int:
    """The HTTP status of a user-caused error (413 for a file over the size limit)."""
    if isinstance(error, ApiError):
        return error.status
    if isinstance(error, InvalidCaseFile) and isinstance(error.details, dict) and "limit_bytes" in error.details:
        return 413
    return next((status for kind, status in _STATUS_BY_ERROR if isinstance(error, kind)), 400)


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def _user_error(error: OptiORError) -> Response:
    headers = error.headers if isinstance(error, ApiError) else None
    if isinstance(error, DatabaseBusy):
        headers = {"Retry-After": str(BUSY_RETRY_AFTER_S)}
    return error_response(status_for(error), error.message, error.details, headers)


def _http_error(error: HTTPException) -> Response | HTTPException:
    """Werkzeug's 404/405/413/400 as JSON under /api; other paths keep Flask's own pages."""
    if not is_api_path(request.path) or error.code is None:
        return error
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    if error.code == 413:
        limit = request.max_content_length
        limit_text = f" of {file_size(limit)}" if limit else ""
        return error_response(413, f"The request body is over the size limit{limit_text}.",
                              {"field": "body", "limit_bytes": limit}, headers)
    return error_response(error.code, error.description or error.name, {}, headers)


def _unexpected(_error: Exception) -> Response:
    """Log the traceback under an id and tell the caller only the id."""
    error_id = uuid.uuid4().hex[:12]
    log.exception("API internal error %s on %s %s", error_id, request.method, request.path)
    response = jsonify({"error": "internal error", "error_id": error_id})
    response.status_code = 500
    return response


def register_error_handlers(server: Flask, blueprint: Blueprint) -> None:
    """JSON for every error in the API views, and for Flask's own HTTP errors under /api."""
    server.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(HTTPException, _http_error)  # found before the catch-all below
    blueprint.register_error_handler(OptiORError, _user_error)
    blueprint.register_error_handler(Exception, _unexpected)
