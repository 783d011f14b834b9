"""The admin check of the data-changing endpoints: a bearer token, compared in constant time."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from optior.api.errors import ApiError
from optior.services.access import ADMIN_TOKEN_VARIABLE, admin_refusal
from optior.web.auth import current_caller
from optior.web.context import current_runtime


def check_admin() -> None:
    """Raise 401 when the token (or an admin sign-in) is missing or wrong, 403 when changes are off here."""
    refusal = admin_refusal(current_runtime().settings, current_caller())
    if refusal is None:
        return
    if refusal.status == 401:
        raise ApiError(401, refusal.message, {"header": "Authorization"},
                       headers={"WWW-Authenticate": 'Bearer realm="optior"'})
    raise ApiError(403, refusal.message, {"setting": ADMIN_TOKEN_VARIABLE})


def admin_only(view: Callable) -> Callable:
    """Decorate a view so it runs only for callers allowed to change data."""

    @wraps(view)
    def checked(*args, **kwargs):
        check_admin()
        return view(*args, **kwargs)

    return checked
