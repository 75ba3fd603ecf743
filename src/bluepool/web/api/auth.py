from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.security import OAuth2PasswordRequestForm

from bluepool.services import admin, views
from bluepool.web import auth
from bluepool.web.deps import CurrentUser, RuntimeDep
from bluepool.web.schemas import Problem, Token, UserPublic

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=Token, responses={401: {"model": Problem}})
def token(runtime: RuntimeDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """Sign in with username and password (OAuth2 password form); returns a bearer token."""
    if "\x00" in form.username or "\x00" in form.password or len(form.username) > 64:
        user = None
    else:
        user = admin.authenticate(runtime.context, form.username, form.password)
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


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> dict[str, object]:
    """The signed-in user."""
    return views.user(user)
