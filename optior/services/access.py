"""Who may change data (import, clear, retrain): one rule shared by the API and the UI."""

from __future__ import annotations

import hmac

from optior.config import Settings

ADMIN_TOKEN_VARIABLE = "OPTIOR_ADMIN_TOKEN"


def admin_refusal_reason(settings: Settings) -> str | None:
    """Why data-changing actions are switched off on this deployment, or None when they can be allowed.

    They are off when no admin token is set and the server listens on a non-loopback address: anyone
    on the network could otherwise clear the data. The text says how to switch them on.
    """
    if settings.admin_token or settings.listens_on_loopback:
        return None
    return (
        f"Data-changing actions (import, clear, retrain) are disabled: the server listens on "
        f"{settings.host}, not only on this machine, and no admin token is set. Set {ADMIN_TOKEN_VARIABLE} "
        "and send it as 'Authorization: Bearer <token>' to enable them."
    )


def admin_allowed(settings: Settings, presented_token: str | None) -> bool:
    """True when a caller presenting this token (None: no token) may change data."""
    if not settings.admin_token:
        return admin_refusal_reason(settings) is None
    if presented_token is None:
        return False
    return hmac.compare_digest(presented_token.encode("utf-8"), settings.admin_token.encode("utf-8"))
