"""Sign-in sessions and event-stream tickets, as the server keeps them.

A session is what a sign-in starts: short-lived access tokens name it, and its refresh token
(kept only as a hash) gets new ones. It ends when it is revoked (sign-out, a refresh token
used twice), when it expires, or when the user's password or role changes (``stamp``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.shared.ids import Username


def stamp(password_hash: str, role: str) -> str:
    """Return a short digest that changes when the password or the role changes."""
    return hashlib.sha256(f"{password_hash}|{role}".encode()).hexdigest()[:16]


def digest(secret: str) -> str:
    """What the server keeps of a refresh token or a ticket: its SHA-256 (they are random
    and long, so a fast hash is enough; a leaked table holds nothing usable)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(slots=True)
class Session:
    id: str
    username: Username
    #: The user's ``stamp`` at sign-in: a change of password or role ends the session.
    stamp: str
    created_at: datetime
    expires_at: datetime
    refresh_hash: str
    revoked_at: datetime | None = None

    def live(self, now: datetime, current_stamp: str) -> bool:
        return self.revoked_at is None and now < self.expires_at and current_stamp == self.stamp


@dataclass(frozen=True, slots=True)
class StreamTicket:
    """Opens the event stream once, soon after it was issued, for one session's user."""

    ticket_hash: str
    session_id: str
    username: Username
    expires_at: datetime
