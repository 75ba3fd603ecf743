"""Request bodies of the access API (users) and the sign-in answer. Responses are
``domain.access.records``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bluepool.domain.access.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from bluepool.domain.access.roles import Role
from bluepool.domain.shared.ids import MAX_ID_LENGTH
from bluepool.web.schemas.common import Flag, Name, Slug, Strict, Tag


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    #: Seconds the access token is valid; refresh it before (POST /api/v1/auth/refresh).
    expires_in: int
    #: Single-use: each refresh returns a new one; a used one ends the session.
    refresh_token: str
    role: str
    username: str
    agency: str | None = None
    unit_id: str | None = None


class Refresh(Strict):
    refresh_token: str = Field(min_length=1, max_length=256)


class StreamTicket(BaseModel):
    """Opens the event stream once: GET /api/v1/events?ticket=..."""

    ticket: str
    expires_in: int


class UserCreate(Strict):
    username: str = Slug
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    role: Role
    full_name: Name = ""
    agency: Tag | None = None
    unit_id: Tag | None = None


class UserUpdate(Strict):
    role: Role | None = None
    full_name: Name | None = None
    unit_id: str | None = Field(
        default=None, max_length=MAX_ID_LENGTH, description='"" unlinks the unit'
    )
    active: Flag | None = None
    password: str | None = Field(
        default=None, min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH
    )
