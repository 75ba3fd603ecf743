"""Access tokens: signed JWTs (HS256) naming the user and their sign-in session, with a
short expiry (``services.access.sessions`` keeps the sessions).

A token also carries a stamp of the user's password hash and role: changing either makes
every token issued before invalid at once. Signing out (or a refresh token used twice)
revokes the session: its access tokens stop working at once on the worker that saw it, and
within ``RecentUsers``' few seconds on the others.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from bluepool.domain.access.sessions import stamp

ALGORITHM = "HS256"
__all__ = ["ALGORITHM", "Claims", "RecentUsers", "expiry", "issue", "read", "stamp"]


@dataclass(frozen=True, slots=True)
class Claims:
    username: str
    stamp: str
    session_id: str


def issue(
    username: str,
    user_stamp: str,
    session_id: str,
    secret: str,
    now: datetime,
    ttl: timedelta,
) -> str:
    claims = {"sub": username, "stp": user_stamp, "sid": session_id, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, ALGORITHM)


def read(token: str, secret: str) -> Claims | None:
    """Return the claims of a valid, unexpired token, else None."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "stp", "sid"]},
        )
    except jwt.PyJWTError:
        return None
    sub, stp, sid = claims.get("sub"), claims.get("stp"), claims.get("sid")
    if isinstance(sub, str) and isinstance(stp, str) and isinstance(sid, str):
        return Claims(sub, stp, sid)
    return None


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
