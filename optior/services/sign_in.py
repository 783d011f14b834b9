"""Sign-in that checks a password hash once, not on every request, and slows down password guessing.

A password check (scrypt) costs about 100 ms of CPU. A browser resends HTTP Basic credentials with every request
(each asset and callback), so a verified credential is remembered: keyed by an HMAC of name and password under a
secret made at process start, never the password itself, together with the password hash it matched. A changed
password (the users file is re-read when it changes) or a restart forgets it.

Failed sign-ins are counted per client address and per user name; past the limit, further attempts are refused
for the rest of the window without checking the password, and one check runs at a time. Counts live in this
process's memory (each gunicorn worker counts on its own). A remembered credential is never throttled, so guessing
at a name does not lock out its owner's open session.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from optior.errors import InvalidInput
from optior.services import users as accounts
from optior.services.users import User

log = logging.getLogger(__name__)
REMEMBER_SECONDS = 30 * 60  # idle time after which a credential is checked again (each use restarts it)
REMEMBERED_MAX = 4096
FAILURE_WINDOW_SECONDS = 5 * 60
FAILURES_PER_ADDRESS = 20  # a hospital network behind one proxy shares an address
FAILURES_PER_NAME = 10
TRACKED_KEYS_MAX = 10_000


class FailureLimiter:
    """At most `limit` failures per key within a sliding window; memory bounded by max_keys (oldest dropped)."""

    def __init__(self, limit: int, window_seconds: float, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = TRACKED_KEYS_MAX) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window_seconds, clock, max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float | None:
        """Seconds until key may try again, or None when it may try now."""
        with self._lock:
            times = self._failures.get(key)
            if times is None or len(times) < self.limit:
                return None
            wait = self.window - (self.clock() - times[0])
            return wait if wait > 0 else None

    def record(self, key: str) -> bool:
        """Count one failure; True when this one reached the limit."""
        now = self.clock()
        with self._lock:
            times = self._failures.pop(key, None) or deque(maxlen=self.limit)
            while times and now - times[0] >= self.window:
                times.popleft()
            times.append(now)
            self._failures[key] = times
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
            return len(times) == self.limit


class UserDirectory:
    """The accounts of a users file, re-read when the file changes; a broken edit keeps the last good accounts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = self._read_stamp()
        self._users = accounts.load_users(path)
        self._lock = threading.Lock()

    def _read_stamp(self) -> tuple[int, int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def current(self) -> dict[str, User]:
        stamp = self._read_stamp()
        if stamp == self._stamp or stamp is None:
            return self._users
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._users = accounts.load_users(self.path)
                except (InvalidInput, OSError, UnicodeDecodeError) as error:
                    log.error("The users file %s could not be re-read; keeping the accounts read before: %s",
                              self.path, getattr(error, "message", error))
                self._stamp = stamp
        return self._users


@dataclass(frozen=True)
class SignInOutcome:
    """The signed-in user, or None; retry_after (seconds) when refused without checking, after too many failures."""

    user: User | None
    retry_after: float | None = None


class SignIn:
    """Check credentials against a users file once, remember them, and throttle failures."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.directory = UserDirectory(path)
        self.clock = clock
        self._secret = secrets.token_bytes(32)
        self._remembered: OrderedDict[bytes, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()
        # One password check at a time: guessers queue for one core and leave the others to signed-in users.
        self._checking = threading.Lock()
        self.by_address = FailureLimiter(FAILURES_PER_ADDRESS, FAILURE_WINDOW_SECONDS, clock=clock)
        self.by_name = FailureLimiter(FAILURES_PER_NAME, FAILURE_WINDOW_SECONDS, clock=clock)

    def users(self) -> dict[str, User]:
        return self.directory.current()

    def _key(self, name: str, password: str) -> bytes:
        credential = name.encode("utf-8") + b"\0" + password.encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, credential, hashlib.sha256).digest()

    def _remembered_user(self, key: bytes, user: User | None) -> User | None:
        """The user when this credential was verified against the user's current hash and used recently."""
        now = self.clock()
        with self._lock:
            entry = self._remembered.get(key)
            if entry is None or user is None:
                return None
            password_hash, expires = entry
            if expires <= now or not hmac.compare_digest(password_hash, user.password_hash):
                del self._remembered[key]
                return None
            self._remembered[key] = (password_hash, now + REMEMBER_SECONDS)
            self._remembered.move_to_end(key)
        return user

    def _remember(self, key: bytes, user: User) -> None:
        with self._lock:
            self._remembered[key] = (user.password_hash, self.clock() + REMEMBER_SECONDS)
            self._remembered.move_to_end(key)
            while len(self._remembered) > REMEMBERED_MAX:
                self._remembered.popitem(last=False)

    def _wait(self, address_key: str, name_key: str) -> float | None:
        waits = [wait for wait in (self.by_address.retry_after(address_key), self.by_name.retry_after(name_key))
                 if wait is not None]
        return max(waits) if waits else None

    def attempt(self, name: str, password: str, *, address: str) -> SignInOutcome:
        """Sign in name with password from a client address."""
        users = self.users()
        key = self._key(name, password)
        user = self._remembered_user(key, users.get(name))
        if user is not None:
            return SignInOutcome(user)
        address_key, name_key = f"address:{address}", f"name:{name[:64]}"
        if (wait := self._wait(address_key, name_key)) is not None:
            return SignInOutcome(None, retry_after=wait)
        with self._checking:
            if (wait := self._wait(address_key, name_key)) is not None:  # failures counted while this one queued
                return SignInOutcome(None, retry_after=wait)
            user = accounts.authenticate(users, name, password)
            if user is None:
                for limiter, limited_key in ((self.by_address, address_key), (self.by_name, name_key)):
                    if limiter.record(limited_key):
                        log.warning("Too many failed sign-ins for %r; refusing it for up to %d s.", limited_key,
                                    FAILURE_WINDOW_SECONDS)
                return SignInOutcome(None)
        self._remember(key, user)
        return SignInOutcome(user)
