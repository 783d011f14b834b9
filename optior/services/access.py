"""Who may see OptiOR and who may change data (import, clear, retrain): one rule for API and UI."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from optior.config import Settings

ADMIN_TOKEN_VARIABLE = "OPTIOR_ADMIN_TOKEN"
USERS_FILE_VARIABLE = "OPTIOR_USERS_FILE"
ADMINS_ONLY = "Only administrators can import, clear data or retrain the model; sign in with an administrator account."


@dataclass(frozen=True)
class Caller:
    """Who is asking: a presented bearer token, a signed-in user's role, and whether from this machine."""

    token: str | None = None
    role: str | None = None
    from_loopback: bool = True


@dataclass(frozen=True)
class Refusal:
    """Why a data change is refused: 401 (prove who you are) or 403 (not allowed here), and what to do."""

    status: int
    message: str


def _token_matches(settings: Settings, token: str | None) -> bool:
    if not settings.admin_token or token is None:
        return False
    return hmac.compare_digest(token.encode("utf-8"), settings.admin_token.encode("utf-8"))


def admin_refusal_reason(settings: Settings) -> str | None:
    """Why data changes are off for everyone on this deployment (for the startup log), or None."""
    if settings.admin_token or settings.users_file or settings.listens_on_loopback:
        return None
    return (
        f"Data-changing actions (import, clear, retrain) are disabled: the server listens on "
        f"{settings.host}, not only on this machine, and neither an admin token nor user accounts are set. "
        f"Set {ADMIN_TOKEN_VARIABLE} (sent as 'Authorization: Bearer <token>') or {USERS_FILE_VARIABLE} "
        "with an admin user to enable them."
    )


def admin_refusal(settings: Settings, caller: Caller) -> Refusal | None:
    """None when the caller may change data; otherwise the status and message to answer with.

    Allowed: the admin token, or a signed-in admin. With neither token nor accounts configured, only
    callers on this machine of a server that listens on loopback (the single-user laptop setup).
    """
    if _token_matches(settings, caller.token) or caller.role == "admin":
        return None
    if caller.role is not None:  # signed in, so who it is is known: not allowed rather than unauthenticated
        return Refusal(403, ADMINS_ONLY)
    if settings.admin_token:
        return Refusal(401, "This action needs the admin token ('Authorization: Bearer <token>') "
                            "or an administrator account.")
    if settings.users_file:
        return Refusal(403, ADMINS_ONLY)
    reason = admin_refusal_reason(settings)
    if reason:
        return Refusal(403, reason)
    if not caller.from_loopback:
        return Refusal(403, f"Data changes are only allowed from this machine; set {ADMIN_TOKEN_VARIABLE} "
                            f"or {USERS_FILE_VARIABLE} to allow them over the network.")
    return None
