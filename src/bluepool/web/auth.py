"""Access tokens: signed JWTs (HS256) naming the user, with an expiry.

A token also carries a stamp of the user's password hash and role: changing either makes
every token issued before invalid, without a list of revoked tokens.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

ALGORITHM = "HS256"


def stamp(password_hash: str, role: str) -> str:
    """Return a short digest that changes when the password or the role changes."""
    return hashlib.sha256(f"{password_hash}|{role}".encode()).hexdigest()[:16]


def issue(username: str, user_stamp: str, secret: str, now: datetime, ttl: timedelta) -> str:
    claims = {"sub": username, "stp": user_stamp, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, ALGORITHM)


def read(token: str, secret: str) -> tuple[str, str] | None:
    """Return (username, stamp) from a valid, unexpired token, else None."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "stp"]}
        )
    except jwt.PyJWTError:
        return None
    sub, stp = claims.get("sub"), claims.get("stp")
    return (sub, stp) if isinstance(sub, str) and isinstance(stp, str) else None


def expiry(token: str, secret: str) -> datetime | None:
    """When a valid token expires (None: the token is not valid)."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return None
    return datetime.fromtimestamp(int(claims["exp"]), UTC)


class RecentUsers:
    """Remember who a token belongs to for a few seconds.

    Every request names its user; reading the user from the database each time would cost a
    transaction per request. A user changed through the API is forgotten at once (``clear``);
    a change made elsewhere (another worker, the CLI) shows within ``ttl_s``.
    """

    def __init__(self, ttl_s: float = 5.0, size: int = 10_000) -> None:
        self._ttl = ttl_s
        self._size = size
        self._seen: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Any | None:
        hit = self._seen.get(token)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, token: str, user: Any) -> None:
        with self._lock:
            if len(self._seen) >= self._size:
                self._seen.clear()
            self._seen[token] = (time.monotonic() + self._ttl, user)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
