"""The change log: who changed what, when."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bluepool.services import changelog
from bluepool.services.ports import ChangePage
from bluepool.web.deps import ContextDep, CurrentUser, PageDep
from bluepool.web.schemas.common import Problem

router = APIRouter(tags=["audit"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}


@router.get("/changes", response_model=ChangePage, responses=ERRORS)
def list_changes(
    ctx: ContextDep,
    user: CurrentUser,
    page: PageDep,
    entity: str | None = None,
    entity_id: str | None = None,
) -> ChangePage:
    """The change log: who changed what, when (newest first)."""
    return changelog.changes(ctx, user, entity, entity_id, page)
