"""Password hashes: users files written by Werkzeug (earlier OptiOR versions) keep signing in, and ours read back."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from optior.services.passwords import hash_password, password_matches
from optior.services.users import authenticate, load_users

PASSWORD = "correct horse battery"


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2", "pbkdf2:sha512:20000", "scrypt:16384:8:1"])
def test_a_hash_werkzeug_wrote_still_signs_in(tmp_path, method):
    path = tmp_path / "users.txt"
    path.write_text(f"ann:admin:{generate_password_hash(PASSWORD, method=method)}\n", encoding="utf-8")
    users = load_users(path)

    assert authenticate(users, "ann", PASSWORD) == users["ann"]
    assert authenticate(users, "ann", PASSWORD + "x") is None


def test_a_new_hash_is_salted_scrypt_in_the_same_format():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)

    assert first.startswith("scrypt:32768:8:1$") and first != second
    assert check_password_hash(first, PASSWORD) and not check_password_hash(first, "wrong password")
    assert password_matches(first, PASSWORD) and not password_matches(first, "wrong password")


@pytest.mark.parametrize("stored", ["", "no-dollar-signs", "scrypt$salt", "md5$salt$abc", "scrypt:x:8:1$salt$abc",
                                    "pbkdf2:no-such-hash:10$salt$abc", "pbkdf2:sha256:0$salt$abc",
                                    f"scrypt:{2 ** 70}:8:1$salt$abc", "scrypt:-2:8:1$salt$abc"])
def test_an_unreadable_hash_refuses_the_password_without_an_error(stored):
    assert password_matches(stored, PASSWORD) is False
