"""The access API: sign in (a short-lived bearer token and a refresh token), refresh, sign
out, stream tickets, the signed-in user, and keeping users."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

from bluepool.bootstrap import Runtime
from bluepool.domain.access.records import UserRecord
from bluepool.domain.access.roles import User
from bluepool.domain.shared.ids import AgencyId, UnitId, Username
from bluepool.services.access import sessions, users
from bluepool.web import auth
from bluepool.web.deps import ContextDep, CurrentSession, CurrentUser, RuntimeDep
from bluepool.web.errors import HTTPProblem
from bluepool.web.schemas.access import Refresh, StreamTicket, Token, UserCreate, UserUpdate
from bluepool.web.schemas.common import Problem
from bluepool.web.throttle import SignInThrottle

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}


@router.post(
    "/auth/token",
    response_model=Token,
    tags=["auth"],
    responses={c: {"model": Problem} for c in (401, 429, 503)},
)
def token(
    request: Request,
    runtime: RuntimeDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    """Sign in with username and password (OAuth2 password form); returns a short-lived
    bearer token and a refresh token. Too many attempts (per address or user name), or a
    name locked after repeated failures, get 429 with Retry-After; 503 when the server is
    hashing as many passwords as it can."""
    username = form.username
    throttle: SignInThrottle = request.app.state.sign_in
    refusal = throttle.check(request.client.host if request.client else "", username[:64])
    if refusal is not None:
        raise HTTPProblem(
            429, refusal.detail, refusal.code, {"Retry-After": str(refusal.retry_after_s)}
        )
    if "\x00" in username or "\x00" in form.password or len(username) > 64:
        user = None
    else:
        user = users.authenticate(runtime.context, username, form.password)
    if user is None:
        throttle.failed(username[:64])
        raise HTTPException(
            401, "wrong username or password", headers={"WWW-Authenticate": "Bearer"}
        )
    throttle.succeeded(username)
    ttl = timedelta(minutes=runtime.settings.session_ttl_minutes)
    return _tokens(runtime, sessions.start_session(runtime.context, user, ttl))


@router.post(
    "/auth/refresh",
    response_model=Token,
    tags=["auth"],
    responses={c: {"model": Problem} for c in (401, 422)},
)
def refresh(body: Refresh, request: Request, runtime: RuntimeDep) -> Token:
    """Swap a refresh token for a new access token and a new refresh token. A refresh
    token works once: using one again ends its session (sign in again)."""
    grant = sessions.refresh(runtime.context, body.refresh_token)
    if grant is None:
        request.app.state.recent_users.clear()  # the session may just have been revoked
        raise HTTPException(
            401, "invalid or expired refresh token", headers={"WWW-Authenticate": "Bearer"}
        )
    return _tokens(runtime, grant)


@router.post("/auth/logout", status_code=204, tags=["auth"], responses={401: {"model": Problem}})
def logout(request: Request, ctx: ContextDep, signed: CurrentSession) -> None:
    """Sign out: end the session; its access and refresh tokens stop working."""
    sessions.end_session(ctx, signed.user, signed.session_id)
    request.app.state.recent_users.clear()


@router.post(
    "/events/ticket",
    response_model=StreamTicket,
    tags=["events"],
    responses={401: {"model": Problem}},
)
def stream_ticket(ctx: ContextDep, signed: CurrentSession) -> StreamTicket:
    """A ticket that opens the event stream once, within 30 seconds:
    ``GET /api/v1/events?ticket=...`` (browsers' EventSource sends no Authorization
    header)."""
    ttl = sessions.STREAM_TICKET_TTL
    ticket = sessions.issue_stream_ticket(ctx, signed.user, signed.session_id, ttl)
    return StreamTicket(ticket=ticket, expires_in=int(ttl.total_seconds()))


def _tokens(runtime: Runtime, grant: sessions.Grant) -> Token:
    user = grant.user
    now = runtime.context.clock.now()
    ttl = min(
        timedelta(minutes=runtime.settings.token_ttl_minutes),
        max(grant.expires_at - now, timedelta(seconds=1)),
    )
    access_token = auth.issue(
        user.username,
        auth.stamp(user.password_hash, user.role),
        grant.session_id,
        runtime.settings.secret_key,
        now,
        ttl,
    )
    return Token(
        access_token=access_token,
        expires_in=int(ttl.total_seconds()),
        refresh_token=grant.refresh_token,
        role=user.role.value,
        username=user.username,
        agency=user.agency_id,
        unit_id=user.unit_id,
    )


@router.get("/auth/me", response_model=UserRecord, tags=["auth"])
def me(user: CurrentUser) -> UserRecord:
    """The signed-in user."""
    return users.me(user)


@router.get("/users", response_model=tuple[UserRecord, ...], tags=["users"], responses=ERRORS)
def list_users(
    ctx: ContextDep, user: CurrentUser, agency: str | None = None
) -> tuple[UserRecord, ...]:
    """Users; an agency admin sees their own agency's."""
    return users.list_users(ctx, user, agency)


@router.post("/users", status_code=201, response_model=UserRecord, tags=["users"], responses=ERRORS)
def create_user(body: UserCreate, ctx: ContextDep, user: CurrentUser) -> UserRecord:
    """Create a user (an agency admin: in their own agency)."""
    new = User(
        Username(body.username),
        body.role,
        full_name=body.full_name,
        agency_id=AgencyId(body.agency) if body.agency else None,
        unit_id=UnitId(body.unit_id) if body.unit_id else None,
    )
    return users.create_user(ctx, user, new, body.password)


@router.patch("/users/{username}", response_model=UserRecord, tags=["users"], responses=ERRORS)
def update_user(
    username: str, body: UserUpdate, request: Request, ctx: ContextDep, user: CurrentUser
) -> UserRecord:
    """Change a user's role, name, unit, password, or deactivate them."""
    changed = users.update_user(
        ctx,
        user,
        username,
        body.role,
        body.full_name,
        body.unit_id,
        body.active,
        body.password,
    )
    request.app.state.recent_users.clear()  # the role or status may have changed
    return changed
