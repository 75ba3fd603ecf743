"""Access tokens: signed JWTs (HS256) naming the user, with an expiry."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"


def issue(username: str, secret: str, now: datetime, ttl: timedelta) -> str:
    return jwt.encode({"sub": username, "iat": now, "exp": now + ttl}, secret, ALGORITHM)


def read(token: str, secret: str) -> str | None:
    """Return the username in a valid, unexpired token, else None."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.PyJWTError:
        return None
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None
