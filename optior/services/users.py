"""Sign-in accounts for the web app and API: a file of user names, roles and password hashes."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from optior.errors import InvalidInput
from optior.services.passwords import hash_password, password_matches

ROLES = ("viewer", "admin")
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
# Checked against when the user name is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = hash_password("optior-no-such-user")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def load_users(path: Path) -> dict[str, User]:
    """Read a users file (lines 'name:role:hash'; '#' starts a comment); a bad line names its number."""
    users: dict[str, User] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, rest = line.partition(":")
        role, _, password_hash = rest.partition(":")
        if not _NAME.match(name) or role not in ROLES or not password_hash:
            raise InvalidInput(f"Line {number} of {path} is not 'name:role:hash' with role viewer or admin.",
                               {"field": "users_file", "line": number})
        users[name] = User(name, role, password_hash)
    return users


def authenticate(users: dict[str, User], name: str, password: str) -> User | None:
    """The user when the password matches, else None."""
    user = users.get(name)
    if user is None:
        password_matches(_DUMMY_HASH, password)
        return None
    return user if password_matches(user.password_hash, password) else None


def save_user(path: Path, *, name: str, password: str, role: str) -> None:
    """Add or replace a user in the users file (written to a temporary file, then renamed)."""
    if not _NAME.match(name):
        raise InvalidInput("User names are 1-64 letters, digits or . _ @ -.", {"field": "name"})
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.", {"field": "role"})
    if len(password) < 10:
        raise InvalidInput("Passwords need at least 10 characters.", {"field": "password"})
    users = load_users(path) if path.exists() else {}
    users[name] = User(name, role, hash_password(password))
    text = "".join(f"{u.name}:{u.role}:{u.password_hash}\n" for u in users.values())
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as handle:
        handle.write("# OptiOR users: name:role:password-hash (python -m optior add-user)\n" + text)
    os.chmod(handle.name, 0o600)
    os.replace(handle.name, path)
