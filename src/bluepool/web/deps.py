"""Request dependencies as Annotated aliases: the runtime, its context, the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool

from bluepool.bootstrap import Runtime
from bluepool.domain.access.roles import User
from bluepool.services.access import sessions
from bluepool.services.context import Context
from bluepool.services.ports import Page
from bluepool.web import auth

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# The dependencies that only read the request are ``async``: FastAPI runs a plain ``def``
# dependency in its thread pool, and a hop there and back per dependency per request was a
# good part of a small request's cost.
async def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(_runtime)]


async def _context(runtime: RuntimeDep) -> Context:
    return runtime.context


ContextDep = Annotated[Context, Depends(_context)]


@dataclass(frozen=True, slots=True)
class Signed:
    """The signed-in user and the session their access token names."""

    user: User
    session_id: str


def _signed(request: Request, runtime: Runtime, token: str | None) -> Signed:
    recent: auth.RecentUsers = request.app.state.recent_users
    signed: Signed | None = recent.get(token) if token else None
    if signed is not None:
        return signed
    claims = auth.read(token, runtime.settings.secret_key) if token else None
    user = (
        sessions.signed_in(runtime.context, claims.username, claims.session_id) if claims else None
    )
    if user is not None and claims and claims.stamp != auth.stamp(user.password_hash, user.role):
        user = None  # the password or role changed since the token was issued
    if user is None or claims is None or not token:
        raise _unauthenticated(
            "sign in first: POST /api/v1/auth/token" if not token else "invalid or expired token"
        )
    signed = Signed(user, claims.session_id)
    recent.put(token, signed)
    return signed


def _unauthenticated(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def _signed_in(request: Request, runtime: Runtime, token: str | None) -> Signed:
    """The token's user and session: from the recent users at once, else read in the
    thread pool (the read may touch the database)."""
    if token:
        recent: auth.RecentUsers = request.app.state.recent_users
        signed: Signed | None = recent.get(token)
        if signed is not None:
            return signed
    return await run_in_threadpool(_signed, request, runtime, token)


async def _current_session(
    request: Request, runtime: RuntimeDep, token: Annotated[str | None, Depends(oauth2)]
) -> Signed:
    return await _signed_in(request, runtime, token)


async def _current_user(signed: Annotated[Signed, Depends(_current_session)]) -> User:
    return signed.user


async def _stream_session(
    runtime: RuntimeDep,
    request: Request,
    token: Annotated[str | None, Depends(oauth2)],
    ticket: Annotated[
        str | None,
        Query(
            max_length=128,
            description="A stream ticket (POST /api/v1/events/ticket): browsers' "
            "EventSource cannot send an Authorization header.",
        ),
    ] = None,
) -> Signed:
    # A ticket is short-lived and single-use, so the URL (and any log of it) holds no
    # credential worth taking; other clients send their bearer token as usual.
    if ticket is None:
        return await _signed_in(request, runtime, token)
    redeemed = await run_in_threadpool(sessions.redeem_stream_ticket, runtime.context, ticket)
    if redeemed is None:
        raise _unauthenticated("invalid, used or expired stream ticket")
    return Signed(*redeemed)


async def _stream_user(signed: Annotated[Signed, Depends(_stream_session)]) -> User:
    return signed.user


CurrentSession = Annotated[Signed, Depends(_current_session)]
CurrentUser = Annotated[User, Depends(_current_user)]
StreamUser = Annotated[User, Depends(_stream_user)]
#: The event stream's reader and the session that opened it (a ticket's, or a token's).
StreamSession = Annotated[Signed, Depends(_stream_session)]


async def _page(
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(_page)]
