"""Sign-in throttling: rate limits per client address and per user name, and a lockout
with back-off after repeated failures. Counters live in the ``limits`` library's storage:
in this process (``memory://``) by default, in Redis when several workers share them
(``BLUEPOOL_RATE_LIMIT_STORAGE=redis://...``).

The lockout is keyed by the name typed, whether or not such a user exists, so a locked
answer tells nothing about which names exist. It always ends: after ``failures`` wrong
passwords the name is locked for ``base_s``, doubled by each further failure up to
``max_s``; failures are forgotten ``window_s`` after the first, and a successful sign-in
forgets them at once. Attempts refused while locked do not count.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Refusal:
    retry_after_s: int
    detail: str
    code: str


def lock_seconds(failures: int, threshold: int, base_s: int, max_s: int) -> int:
    """How long a name is locked after its ``failures``-th failure in a row (0: not)."""
    if failures < threshold:
        return 0
    return min(base_s << min(failures - threshold, 32), max_s)


class SignInThrottle:
    def __init__(
        self,
        storage_url: str = "memory://",
        per_address: str = "60/minute",
        per_username: str = "10/minute",
        failures: int = 5,
        base_s: int = 30,
        max_s: int = 900,
        window_s: int = 3600,
        prefix: str = "bluepool",
    ) -> None:
        storage = storage_from_string(storage_url)
        if not isinstance(storage, Storage):
            raise ValueError(f"not a synchronous rate-limit storage: {storage_url}")
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_address = parse_many(per_address)
        self.per_username = parse_many(per_username)
        self.failures = failures
        self.base_s = base_s
        self.max_s = max_s
        self.window_s = window_s
        self.prefix = prefix

    def check(self, address: str, username: str) -> Refusal | None:
        """Count one attempt; a Refusal when it must not go ahead."""
        name = self._key(username)
        try:
            for item in self.per_address:
                if not self.limiter.hit(item, self.prefix, "address", address):
                    return self._limited(item, "address", address)
            for item in self.per_username:
                if not self.limiter.hit(item, self.prefix, "name", name):
                    return self._limited(item, "name", name)
            lock = self._lock(name)
            if self.storage.get(lock) > 0:
                wait = max(1, math.ceil(self.storage.get_expiry(lock) - time.time()))
                return Refusal(
                    wait, "too many failed sign-ins for this name; try again later", "locked"
                )
        except Exception:  # the storage (Redis) is down: sign-in stays open
            log.warning("sign-in throttle storage unavailable; not throttling", exc_info=True)
        return None

    def failed(self, username: str) -> None:
        name = self._key(username)
        try:
            count = self.storage.incr(self._fails(name), self.window_s)
            seconds = lock_seconds(count, self.failures, self.base_s, self.max_s)
            if seconds:
                lock = self._lock(name)
                self.storage.clear(lock)
                self.storage.incr(lock, seconds)
        except Exception:
            log.warning("sign-in throttle storage unavailable", exc_info=True)

    def succeeded(self, username: str) -> None:
        name = self._key(username)
        try:
            self.storage.clear(self._fails(name))
            self.storage.clear(self._lock(name))
        except Exception:
            log.warning("sign-in throttle storage unavailable", exc_info=True)

    def _limited(self, item: RateLimitItem, kind: str, key: str) -> Refusal:
        stats = self.limiter.get_window_stats(item, self.prefix, kind, key)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        whom = "from this address" if kind == "address" else "for this user name"
        return Refusal(wait, f"too many sign-in attempts {whom}; try again later", "rate_limited")

    def _key(self, username: str) -> str:
        # Names are hashed: the storage (Redis) holds no user names.
        return hashlib.sha256(username.casefold().encode()).hexdigest()[:32]

    def _fails(self, name: str) -> str:
        return f"{self.prefix}/signin-failures/{name}"

    def _lock(self, name: str) -> str:
        return f"{self.prefix}/signin-lock/{name}"
