"""Sign-in for the whole app (HTTP Basic against the users file) and who the current caller is."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import math

from flask import Flask, Response, g, jsonify, request

from optior.config import Settings
from optior.errors import NotAllowed
from optior.services.access import ADMIN_TOKEN_VARIABLE, USERS_FILE_VARIABLE, Caller, admin_refusal
from optior.services.prediction_log import Viewer
from optior.services.sign_in import SignIn
from optior.services.users import User

log = logging.getLogger(__name__)
PUBLIC_PATHS = frozenset({"/api/health"})


def presented_bearer_token() -> str | None:
    """The token of an 'Authorization: Bearer <token>' header, if any."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _basic_credentials() -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        name, separator, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (name, password) if separator else None


def request_from_loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def signed_in_role() -> str | None:
    """The signed-in user's role for this request, or None when nobody signed in."""
    user: User | None = g.get("optior_user")
    return user.role if user else None


def current_viewer() -> Viewer:
    """Who is looking, for the case labels they may see: the signed-in user, or nobody signed in."""
    user: User | None = g.get("optior_user")
    return Viewer(name=user.name, is_admin=user.is_admin) if user else Viewer(name=None)


def signed_in_user_text() -> str:
    """'name (role)' of the signed-in user, or '' when nobody signed in."""
    user: User | None = g.get("optior_user")
    return f"{user.name} ({user.role})" if user else ""


def current_caller() -> Caller:
    """The caller of this request as the access rule sees it (web pages present no token)."""
    return Caller(token=presented_bearer_token(), role=signed_in_role(), from_loopback=request_from_loopback())


def require_admin(settings: Settings) -> None:
    """Raise NotAllowed, saying why, unless the current web user may change data."""
    refusal = admin_refusal(settings, current_caller())
    if refusal:
        raise NotAllowed(refusal.message)


def _refuse(status: int, message: str, challenge: bool, headers: dict[str, str] | None = None) -> Response:
    if request.path.startswith("/api/"):
        response = jsonify({"error": message, "details": {"header": "Authorization"}})
    else:
        response = Response(message, mimetype="text/plain")
    response.status_code = status
    response.headers.update(headers or {})
    if challenge:
        response.headers["WWW-Authenticate"] = 'Basic realm="OptiOR", charset="UTF-8"'
    return response


def install_authentication(server: Flask, settings: Settings) -> None:
    """Require sign-in on every route when a users file is set; otherwise serve only this machine by default."""
    sign_in = SignIn(settings.users_file) if settings.users_file else None
    users = sign_in.users() if sign_in else {}

    @server.before_request
    def _gate() -> Response | None:
        if request.path in PUBLIC_PATHS:
            return None
        if sign_in:
            credentials = _basic_credentials()
            outcome = sign_in.attempt(*credentials, address=request.remote_addr or "") if credentials else None
            if outcome and outcome.user:
                g.optior_user = outcome.user
                return None
            if outcome and outcome.retry_after:
                wait = math.ceil(outcome.retry_after)
                return _refuse(429, f"Too many failed sign-ins; try again in {wait} seconds.", challenge=False,
                               headers={"Retry-After": str(wait)})
            if admin_refusal(settings, Caller(token=presented_bearer_token())) is None:
                return None  # the admin token also opens the API for automation
            return _refuse(401, "Please sign in to OptiOR.", challenge=True)
        if settings.allow_anonymous_network or request_from_loopback():
            return None
        return _refuse(403, f"This OptiOR server has no user accounts, so it only answers its own machine. "
                            f"Set {USERS_FILE_VARIABLE} (python -m optior add-user) to let others sign in.",
                       challenge=False)

    for level, message in access_summary(settings, users):
        log.log(level, message)


def access_summary(settings: Settings, users: dict[str, User]) -> list[tuple[int, str]]:
    """What the startup log says about who can reach this server and who may change data."""
    lines: list[tuple[int, str]] = []
    if settings.users_file:
        admins = sum(user.is_admin for user in users.values())
        lines.append((logging.INFO if users else logging.WARNING,
                      f"Sign-in required: {len(users)} user account(s), {admins} administrator(s), from "
                      f"{settings.users_file} (re-read when it changes; python -m optior add-user adds one)."))
    elif settings.allow_anonymous_network:
        lines.append((logging.WARNING, "OptiOR is reachable from the network WITHOUT authentication "
                                       "(OPTIOR_ALLOW_ANONYMOUS is on). Anyone who can reach "
                                       f"{settings.host}:{settings.port} sees the data."))
    elif not settings.listens_on_loopback:
        lines.append((logging.WARNING, f"No user accounts: requests from other machines will be refused. Set "
                                       f"{USERS_FILE_VARIABLE} (python -m optior add-user) to let people sign in."))
    else:
        lines.append((logging.INFO, "No user accounts: OptiOR answers this machine only (listening on "
                                    f"{settings.host}), without sign-in."))
    if settings.admin_token:
        lines.append((logging.INFO, f"Data changes over the API need the {ADMIN_TOKEN_VARIABLE} bearer token."))
    return lines
