"""Refuse what another web site could make a browser send: foreign Host names, cross-origin writes, forged callbacks.

Runs before sign-in, so a refused request costs no password check and reaches no service. The rules:
- Host must name an allowed host (Settings.host_names), else 400: a DNS-rebinding page reaches us under its own name.
- A request that may change something (any method but GET, HEAD, OPTIONS) is refused with 403 when the browser
  says it comes from another origin: Sec-Fetch-Site other than same-origin, or an Origin that is not this
  server's own (an allowed host name with the request's host and port). Scripts (curl, the admin token) send
  neither header and are judged by sign-in and the admin rule alone.
- A Dash callback must also carry what only OptiOR's own pages send: 'Content-Type: application/json' (another
  site would need a CORS preflight, which is never granted) and an X-CSRFToken header equal to the _csrf_token
  cookie (dash-renderer copies that cookie into the header by itself; other sites can neither read nor set it).
- Reads from another site's page (images, scripts, fetch) are refused too; following a link to OptiOR is not.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets

from flask import Flask, Response, jsonify, request

from optior.config import Settings
from optior.web.origin import host_allowed, same_origin

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DASH_CALLBACK_PATH = "/_dash-update-component"
# The names dash-renderer reads and sends by default (Dash's csrf_token_name and csrf_header_name).
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
ALLOWED_HOSTS_VARIABLE = "OPTIOR_ALLOWED_HOSTS"


def _refusal(status: int, message: str, header: str) -> Response:
    response = jsonify({"error": message, "details": {"header": header}})
    response.status_code = status
    return response


def _page_token() -> str | None:
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if _TOKEN.match(token) else None


def _cross_site_refusal(settings: Settings) -> Response | None:
    """403 when the browser says this request comes from a page of another origin and may change something."""
    site = request.headers.get("Sec-Fetch-Site")
    if request.method in SAFE_METHODS:
        navigation = request.method == "GET" and request.headers.get("Sec-Fetch-Mode") == "navigate"
        if site in {"cross-site", "same-site"} and not navigation:
            return _refusal(403, "OptiOR does not answer requests made by other web sites' pages.", "Sec-Fetch-Site")
        return None
    if site is not None and site != "same-origin":
        return _refusal(403, "Changes are only accepted from OptiOR's own pages, not from another web site.",
                        "Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if origin is not None and not same_origin(origin, request.host, settings.host_names):
        return _refusal(403, "Changes are only accepted from OptiOR's own pages, not from another web site "
                             f"(origin {origin[:100]!r}).", "Origin")
    return None


def _callback_refusal() -> Response | None:
    """403 unless a Dash callback carries the JSON content type and the page's token, as OptiOR's pages send."""
    if request.mimetype != "application/json":
        return _refusal(403, "Page updates are only accepted as JSON from OptiOR's own pages.", "Content-Type")
    token, presented = _page_token(), request.headers.get(CSRF_HEADER, "")
    if token is None or not hmac.compare_digest(token.encode(), presented.encode()):
        return _refusal(403, f"This page update lacks the page's {CSRF_HEADER} token; reload the page.", CSRF_HEADER)
    return None


def install_request_guard(server: Flask, settings: Settings) -> None:
    """Check Host, origin and the callback token before anything else runs; hand pages their token."""
    allowed = settings.host_names
    log.info("Answering requests for host names %s (%s adds more).", ", ".join(sorted(allowed)),
             ALLOWED_HOSTS_VARIABLE)

    @server.before_request
    def _guard() -> Response | None:
        if not host_allowed(request.host, allowed):
            return _refusal(400, f"Unknown host name {request.host[:100]!r}; an administrator can allow it with "
                                 f"{ALLOWED_HOSTS_VARIABLE}.", "Host")
        refusal = _cross_site_refusal(settings)
        if refusal is None and request.method == "POST" and request.path == DASH_CALLBACK_PATH:
            refusal = _callback_refusal()
        return refusal

    @server.after_request
    def _hand_out_token(response: Response) -> Response:
        """Give a browser without a valid token one (not HttpOnly: dash-renderer reads it to send it back)."""
        if _page_token() is None and not request.path.startswith("/api/"):
            response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(32), path="/", samesite="Strict",
                                secure=request.is_secure, httponly=False)
        return response
