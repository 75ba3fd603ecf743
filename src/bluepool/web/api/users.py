"""Users and the change log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from bluepool.domain.access import roles as access
from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId, UnitId, Username
from bluepool.services import admin, queries
from bluepool.web.deps import ContextDep, CurrentUser, PageDep
from bluepool.web.schemas import (
    ChangesPublic,
    Problem,
    UserCreate,
    UserPublic,
    UserUpdate,
)

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (401, 403, 404, 409, 422)}


@router.get("/users", response_model=list[UserPublic], tags=["users"], responses=ERRORS)
def list_users(
    ctx: ContextDep, user: CurrentUser, agency: str | None = None
) -> list[dict[str, Any]]:
    """Users; an agency admin sees their own agency's."""
    if user.role is Role.AGENCY_ADMIN:
        agency = user.agency_id
    elif user.role not in access.READ_ALL:
        raise Forbidden(f"{user.role.value} cannot list users")
    return queries.users(ctx, agency)


@router.post(
    "/users",
    status_code=201,
    response_model=UserPublic,
    tags=["users"],
    responses=ERRORS,
)
def create_user(body: UserCreate, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """Create a user (an agency admin: in their own agency)."""
    new = User(
        Username(body.username),
        body.role,
        full_name=body.full_name,
        agency_id=AgencyId(body.agency) if body.agency else None,
        unit_id=UnitId(body.unit_id) if body.unit_id else None,
    )
    return admin.create_user(ctx, user, new, body.password)


@router.patch("/users/{username}", response_model=UserPublic, tags=["users"], responses=ERRORS)
def update_user(
    username: str, body: UserUpdate, request: Request, ctx: ContextDep, user: CurrentUser
) -> dict[str, Any]:
    """Change a user's role, name, unit, password, or deactivate them."""
    changed = admin.update_user(
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


@router.get("/changes", response_model=ChangesPublic, tags=["audit"], responses=ERRORS)
def list_changes(
    ctx: ContextDep,
    user: CurrentUser,
    page: PageDep,
    entity: str | None = None,
    entity_id: str | None = None,
) -> dict[str, Any]:
    """The change log: who changed what, when (newest first)."""
    if user.role not in access.READ_ALL:
        raise Forbidden(f"{user.role.value} cannot read the change log")
    return queries.changes(ctx, entity, entity_id, page)
