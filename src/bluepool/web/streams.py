"""Open event streams: how many each worker serves, and whether a stream's reader may still
read it.

A stream is long-lived: the token that opened it may expire, its session may end (sign-out),
its user may be deactivated or change password or role while it is open. ``may_still_stream``
is the one check an open stream asks, every ``stream_recheck_s`` seconds and at once when its
user changes; when it says no, the stream closes (a browser's EventSource then reconnects and
is refused, 401).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from bluepool.bootstrap import Runtime
from bluepool.domain.access.roles import User
from bluepool.services.access import sessions
from bluepool.web import auth
from bluepool.web.deps import RuntimeDep, StreamSession, oauth2
from bluepool.web.errors import HTTPProblem


@dataclass(frozen=True, slots=True)
class StreamGrant:
    """Who opened a stream, as they were then, in which sign-in session, and until when the
    bearer token that opened it holds (None: opened with a ticket, so the session's own
    expiry bounds it)."""

    user: User
    session_id: str
    expires_at: datetime | None


def may_still_stream(runtime: Runtime, grant: StreamGrant, now: datetime | None = None) -> bool:
    """May the reader of an open stream still read it? No once the token that opened it
    has expired, its session has ended (signed out, expired, a refresh token replayed), the
    user is deactivated, or their password, role, agency or unit changed (what they may see
    was decided with those)."""
    now = now or datetime.now(UTC)
    if grant.expires_at is not None and now >= grant.expires_at:
        return False
    was = grant.user
    current = sessions.signed_in(runtime.context, was.username, grant.session_id)
    return (
        current is not None
        and current.active
        and auth.stamp(current.password_hash, current.role)
        == auth.stamp(was.password_hash, was.role)
        and (current.agency_id, current.unit_id) == (was.agency_id, was.unit_id)
    )


def _grant(
    request: Request,
    runtime: RuntimeDep,
    signed: StreamSession,
    token: Annotated[str | None, Depends(oauth2)],
) -> StreamGrant:
    by_token = token is not None and "ticket" not in request.query_params
    expires = auth.expiry(token, runtime.settings.secret_key) if by_token and token else None
    return StreamGrant(signed.user, signed.session_id, expires)


StreamGrantDep = Annotated[StreamGrant, Depends(_grant)]


@dataclass(eq=False)
class Slot:
    """One open stream's place; ``release`` gives it back (once, however often called)."""

    slots: StreamSlots
    username: str
    _released: bool = field(default=False, init=False)

    def release(self) -> None:
        self.slots._give_back(self)


class StreamSlots:
    """Count the open streams of one worker process, per user and in all."""

    def __init__(self, per_user: int, total: int) -> None:
        self.per_user = per_user
        self.total = total
        self._lock = threading.Lock()
        self._open: dict[str, int] = {}
        self._count = 0

    def take(self, username: str) -> Slot:
        """A place for one more stream of ``username``, or 429 when there is none."""
        with self._lock:
            if self._count >= self.total:
                raise _too_many(f"this server has {self.total} event streams open; try later")
            if self._open.get(username, 0) >= self.per_user:
                raise _too_many(
                    f"{self.per_user} event streams are open for this user; close one first"
                )
            self._open[username] = self._open.get(username, 0) + 1
            self._count += 1
        return Slot(self, username)

    def open_for(self, username: str) -> int:
        return self._open.get(username, 0)

    @property
    def open(self) -> int:
        return self._count

    def _give_back(self, slot: Slot) -> None:
        with self._lock:
            if slot._released:
                return
            slot._released = True
            self._count -= 1
            left = self._open[slot.username] - 1
            if left:
                self._open[slot.username] = left
            else:
                del self._open[slot.username]


def _too_many(detail: str) -> HTTPProblem:
    return HTTPProblem(429, detail, "too_many_streams", {"Retry-After": "5"})
