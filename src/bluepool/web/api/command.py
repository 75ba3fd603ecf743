"""Dispatch in command: divert a unit from a less urgent call, recall a unit from a call.
(An override is an assignment with ``override: {reason}``, in ``dispatch.py``.)"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Body

from bluepool.domain.dispatch.records import AssignResult, RecallResult
from bluepool.services.dispatch import command
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.common import Problem
from bluepool.web.schemas.dispatch import DiversionCreate, RecallRequest

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}
INCIDENTS: list[str | Enum] = ["incidents"]


@router.post(
    "/incidents/{incident_id}/diversions",
    status_code=201,
    response_model=AssignResult,
    tags=INCIDENTS,
    responses=ERRORS,
)
def divert_unit(
    incident_id: str, body: DiversionCreate, ctx: ContextDep, user: CurrentUser
) -> AssignResult:
    """Take one of the recommendation's diversion offers: the unit leaves its less urgent
    call for this one, in one transaction. The call it leaves goes back to the queue when
    no unit is left on it (event ``incident.requeued``); ``diverted_from`` is that call as
    it now stands. 409 when the unit is no longer on a less urgent call (or was taken
    meanwhile)."""
    return command.divert(ctx, user, incident_id, body.unit_id)


@router.post(
    "/incidents/{incident_id}/assignments/{unit_id}/recall",
    response_model=RecallResult,
    tags=INCIDENTS,
    responses=ERRORS,
)
def recall_unit(
    incident_id: str,
    unit_id: str,
    ctx: ContextDep,
    user: CurrentUser,
    body: Annotated[RecallRequest | None, Body()] = None,
) -> RecallResult:
    """Take a unit off an incident (``reason`` optional): the unit is available again, and
    the call goes back to the queue when no unit is left on it (``requeued: true``, event
    ``incident.requeued``). 409 when the unit is not on the incident."""
    return command.recall(ctx, user, incident_id, unit_id, body.reason if body else "")
