"""The access API: sign in (a bearer token), the signed-in user, and keeping users."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

from bluepool.domain.access.records import UserRecord
from bluepool.domain.access.roles import User
from bluepool.domain.shared.ids import AgencyId, UnitId, Username
from bluepool.services.access import users
from bluepool.web import auth
from bluepool.web.deps import ContextDep, CurrentUser, RuntimeDep
from bluepool.web.schemas.access import Token, UserCreate, UserUpdate
from bluepool.web.schemas.common import Problem

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (401, 403, 404, 409, 422)}


@router.post(
    "/auth/token", response_model=Token, tags=["auth"], responses={401: {"model": Problem}}
)
def token(
    runtime: RuntimeDep, request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    """Sign in with username and password (OAuth2 password form); returns a bearer token.
    Every attempt, refused or not, is in the audit log."""
    address = request.client.host if request.client else None
    user = users.authenticate(runtime.context, form.username, form.password, address)
    if user is None:
        raise HTTPException(
            401, "wrong username or password", headers={"WWW-Authenticate": "Bearer"}
        )
    ttl = timedelta(minutes=runtime.settings.token_ttl_minutes)
    access_token = auth.issue(
        user.username,
        auth.stamp(user.password_hash, user.role),
        runtime.settings.secret_key,
        runtime.context.clock.now(),
        ttl,
    )
    return Token(
        access_token=access_token,
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
