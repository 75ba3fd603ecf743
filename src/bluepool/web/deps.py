"""Request dependencies as Annotated aliases: the runtime, its context, the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool

from bluepool.bootstrap import Runtime
from bluepool.domain.access.roles import User
from bluepool.services.access import users
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


def _user(request: Request, runtime: Runtime, token: str | None) -> User:
    recent: auth.RecentUsers = request.app.state.recent_users
    user: User | None = recent.get(token) if token else None
    if user is not None:
        return user
    claims = auth.read(token, runtime.settings.secret_key) if token else None
    user = users.signed_in(runtime.context, claims[0]) if claims else None
    if user is not None and claims and claims[1] != auth.stamp(user.password_hash, user.role):
        user = None  # the password or role changed since the token was issued
    if user is not None and user.active and token:
        recent.put(token, user)
    if user is None or not user.active:
        raise HTTPException(
            401,
            "sign in first: POST /api/v1/auth/token" if not token else "invalid or expired token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


async def _signed_in(request: Request, runtime: Runtime, token: str | None) -> User:
    """The token's user: from the recent users at once, else read in the thread pool
    (the read may touch the database)."""
    if token:
        recent: auth.RecentUsers = request.app.state.recent_users
        user: User | None = recent.get(token)
        if user is not None:
            return user
    return await run_in_threadpool(_user, request, runtime, token)


async def _current_user(
    request: Request, runtime: RuntimeDep, token: Annotated[str | None, Depends(oauth2)]
) -> User:
    return await _signed_in(request, runtime, token)


async def _stream_user(
    runtime: RuntimeDep, request: Request, token: Annotated[str | None, Depends(oauth2)]
) -> User:
    # Browsers' EventSource cannot send headers: the event stream alone also takes the token
    # as ``?access_token=``.
    return await _signed_in(request, runtime, token or request.query_params.get("access_token"))


CurrentUser = Annotated[User, Depends(_current_user)]
StreamUser = Annotated[User, Depends(_stream_user)]


async def _page(
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(_page)]
