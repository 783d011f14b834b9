"""The admin check of the data-changing endpoints: a bearer token, compared in constant time."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import request

from optior.api.errors import ApiError
from optior.services.access import ADMIN_TOKEN_VARIABLE, admin_allowed, admin_refusal_reason
from optior.web.context import current_runtime


def _presented_token() -> str | None:
    """The token of an 'Authorization: Bearer <token>' header (parsed here: tokens may contain '=')."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def check_admin() -> None:
    """Raise 403 when data changes are switched off here, 401 when the token is missing or wrong."""
    settings = current_runtime().settings
    reason = admin_refusal_reason(settings)
    if reason:
        raise ApiError(403, reason, {"setting": ADMIN_TOKEN_VARIABLE})
    if not admin_allowed(settings, _presented_token()):
        raise ApiError(
            401,
            "This action needs the admin token: send 'Authorization: Bearer <token>'.",
            {"header": "Authorization"},
            headers={"WWW-Authenticate": 'Bearer realm="optior"'},
        )


def admin_only(view: Callable) -> Callable:
    """Decorate a view so it runs only for callers allowed to change data."""

    @wraps(view)
    def checked(*args, **kwargs):
        check_admin()
        return view(*args, **kwargs)

    return checked
