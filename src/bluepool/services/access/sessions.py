"""Sign-in sessions: started by a sign-in, kept alive by refresh tokens, ended by sign-out.

The web layer signs short-lived access tokens naming a session (``web.auth``); this module
keeps the sessions themselves. A refresh token is ``<session id>.<secret>``, and only the
secret's hash is stored. Each refresh replaces it (rotation); a refresh token used a second
time means two parties hold it, so the session ends for both. A session also ends when it
expires, when its user is deactivated, or when their password or role changes (the
session's ``stamp``).

Stream tickets open the event stream once (browsers' EventSource sends no headers): a
ticket is random, lives seconds, is kept as a hash, and the first use deletes it, which
holds across worker processes because the database decides who deleted the row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bluepool.domain.access.roles import User
from bluepool.domain.access.sessions import Session, StreamTicket, digest, stamp
from bluepool.domain.shared.errors import Forbidden, NotFound
from bluepool.domain.shared.ids import Username
from bluepool.services.context import Context
from bluepool.services.ports import UnitOfWork

#: How long a stream ticket may wait for its one use.
STREAM_TICKET_TTL = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Grant:
    """A live session's user and its new refresh token (given out once, never stored)."""

    user: User
    session_id: str
    refresh_token: str
    expires_at: datetime


def user_stamp(user: User) -> str:
    return stamp(user.password_hash, user.role)


def start_session(ctx: Context, user: User, ttl: timedelta) -> Grant:
    """Start a session for ``user``, who has just signed in; it lasts ``ttl`` at most."""
    now = ctx.clock.now()
    session_id, secret = secrets.token_urlsafe(16), secrets.token_urlsafe(32)
    session = Session(session_id, user.username, user_stamp(user), now, now + ttl, digest(secret))
    with ctx.uow() as uow:
        uow.sessions.add(session)
        uow.commit()
    return Grant(user, session_id, f"{session_id}.{secret}", session.expires_at)


def refresh(ctx: Context, refresh_token: str) -> Grant | None:
    """Swap a refresh token for a new one; None when it opens no live session. A token
    used before (rotated away) ends its session."""
    session_id, _, secret = refresh_token.partition(".")
    if not session_id or not secret:
        return None
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = uow.sessions.get(session_id)
        if session is None:
            return None
        user = _live_user(uow, session, now)
        if user is None:
            uow.sessions.revoke(session_id, now)
            uow.commit()
            return None
        new_secret = secrets.token_urlsafe(32)
        if not uow.sessions.rotate(session_id, digest(secret), digest(new_secret), now):
            # Not the current token: an old one replayed (or a guess). Whoever holds the
            # session's tokens, it ends; its user signs in again.
            uow.sessions.revoke(session_id, now)
            uow.commit()
            return None
        uow.commit()
    return Grant(user, session_id, f"{session_id}.{new_secret}", session.expires_at)


def end_session(ctx: Context, user: User, session_id: str) -> None:
    """Sign out: end ``user``'s session ``session_id`` (a user ends only their own)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = _own(uow, user, session_id)
        uow.sessions.revoke(session.id, now)
        uow.commit()


def signed_in(ctx: Context, username: str, session_id: str) -> User | None:
    """The user an access token names, while the token's session is live."""
    now = ctx.clock.now()
    with ctx.reader() as uow:
        session = uow.sessions.get(session_id)
        if session is None or session.username != username:
            return None
        return _live_user(uow, session, now)


def issue_stream_ticket(
    ctx: Context, user: User, session_id: str, ttl: timedelta = STREAM_TICKET_TTL
) -> str:
    """A ticket that opens the event stream once, within ``ttl``, as ``user``."""
    now = ctx.clock.now()
    ticket = secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        session = _own(uow, user, session_id)
        uow.stream_tickets.add(StreamTicket(digest(ticket), session.id, user.username, now + ttl))
        uow.commit()
    return ticket


def redeem_stream_ticket(ctx: Context, ticket: str) -> tuple[User, str] | None:
    """Use a stream ticket: its user and session while both are live, else None. A ticket
    is spent by its first use, whatever the answer."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        found = uow.stream_tickets.take(digest(ticket), now)
        session = uow.sessions.get(found.session_id) if found is not None else None
        user = _live_user(uow, session, now) if session is not None else None
        uow.commit()
    if found is None or user is None or user.username != found.username:
        return None
    return user, found.session_id


def _live_user(uow: UnitOfWork, session: Session, now: datetime) -> User | None:
    user = uow.users.get(Username(session.username))
    if user is None or not user.active or not session.live(now, user_stamp(user)):
        return None
    return user


def _own(uow: UnitOfWork, user: User, session_id: str) -> Session:
    session = uow.sessions.get(session_id)
    if session is None:
        raise NotFound(f"no session {session_id}")
    if session.username != user.username:
        raise Forbidden("a user ends or uses only their own session")
    return session
