"""Requests to a Dash app as OptiOR's own page in a browser sends them (origin, token cookie and header)."""

from __future__ import annotations

from flask.testing import FlaskClient

from optior.web.request_guard import CSRF_COOKIE, CSRF_HEADER

PAGE_ORIGIN = "http://localhost"  # the Flask test client's host


def callback_headers(client: FlaskClient) -> dict[str, str]:
    """The headers dash-renderer adds to a callback from a page this client has loaded (it holds the cookie)."""
    cookie = client.get_cookie(CSRF_COOKIE)
    assert cookie is not None, "load a page first: the token cookie comes with it"
    return {"Origin": PAGE_ORIGIN, "Sec-Fetch-Site": "same-origin", CSRF_HEADER: cookie.value}
