"""Password hashes in the users file: 'method$salt$hex-digest', the format Werkzeug's security helpers write.

Hashing here uses the standard library only, so the layers below the web stack never import Werkzeug, and users
files written by earlier OptiOR versions (or by Werkzeug directly) keep working: new hashes are scrypt
(n=32768, r=8, p=1, 16-character salt), and scrypt and pbkdf2 hashes with any parameters are checked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

SALT_CHARACTERS = string.ascii_letters + string.digits
SALT_LENGTH = 16
SCRYPT_N, SCRYPT_R, SCRYPT_P = 32768, 8, 1


def _scrypt(password: str, salt: str, n: int, r: int, p: int) -> str:
    # hashlib's default memory cap (32 MiB) is just below what n=32768, r=8 needs (128 * n * r bytes, plus a margin).
    return hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p).hex()


def hash_password(password: str) -> str:
    """A salted scrypt hash of password, for the users file."""
    salt = "".join(secrets.choice(SALT_CHARACTERS) for _ in range(SALT_LENGTH))
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}${salt}${digest}"


def _digest(method: str, salt: str, password: str) -> str | None:
    """The digest of password under method ('scrypt:n:r:p' or 'pbkdf2:hash:iterations'), or None if unreadable."""
    name, *parameters = method.split(":")
    try:
        if name == "scrypt":
            n, r, p = map(int, parameters) if parameters else (SCRYPT_N, SCRYPT_R, SCRYPT_P)
            return _scrypt(password, salt, n, r, p)
        if name == "pbkdf2":
            hash_name = parameters[0] if parameters else "sha256"
            iterations = int(parameters[1]) if len(parameters) > 1 else 1_000_000
            return hashlib.pbkdf2_hmac(hash_name, password.encode(), salt.encode(), iterations).hex()
    except (ValueError, TypeError, OverflowError):  # parameters hashlib refuses, or a hash name it does not know
        return None
    return None


def password_matches(stored_hash: str, password: str) -> bool:
    """Does password match stored_hash? False, not an error, for a hash this module cannot read."""
    method, separator, rest = stored_hash.partition("$")
    salt, separator_2, expected = rest.partition("$")
    if not (separator and separator_2):
        return False
    digest = _digest(method, salt, password)
    return digest is not None and hmac.compare_digest(digest, expected)
