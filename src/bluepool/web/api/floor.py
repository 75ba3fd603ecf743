"""Watching the dispatch floor: the timers and their acknowledgement, the calls waiting for
a unit, and the supervisor panel's figures."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from fastapi import APIRouter

from bluepool.domain.dispatch.floor import FloorView, PendingCalls
from bluepool.domain.dispatch.records import IncidentRecord
from bluepool.domain.dispatch.timers import TimersView
from bluepool.services.dispatch import floor
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.common import Problem
from bluepool.web.schemas.floor import Acknowledgement

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}
FLOOR: list[str | Enum] = ["floor"]


@router.get("/timers", response_model=TimersView, tags=FLOOR, responses=ERRORS)
def get_timers(ctx: ContextDep, user: CurrentUser) -> TimersView:
    """The collective's timers per priority (seconds; null: not timed) and every timer
    running on an open incident with its ``due_at``, the soonest due first: a call
    unassigned, a unit dispatched but not en route, a unit on scene (welfare check)."""
    return floor.running_timers(ctx, user)


@router.post(
    "/incidents/{incident_id}/acknowledgements",
    status_code=201,
    response_model=IncidentRecord,
    tags=FLOOR,
    responses=ERRORS,
)
def acknowledge(
    incident_id: str, body: Acknowledgement, ctx: ContextDep, user: CurrentUser
) -> IncidentRecord:
    """Acknowledge a running timer (a welfare check done, a late unit chased): the timeline
    records it and the timer starts again. 409 when no such timer runs."""
    return floor.acknowledge(ctx, user, incident_id, body.timer, body.unit_id)


@router.get("/pending", response_model=PendingCalls, tags=FLOOR, responses=ERRORS)
def get_pending(ctx: ContextDep, user: CurrentUser, unit_id: str | None = None) -> PendingCalls:
    """The calls waiting for a unit, most urgent first; with ``unit_id``, only those that
    unit may take now (what the console offers when a unit comes free)."""
    return floor.pending(ctx, user, unit_id)


@router.get("/floor", response_model=FloorView, tags=FLOOR, responses=ERRORS)
def get_floor(ctx: ContextDep, user: CurrentUser, since: datetime | None = None) -> FloorView:
    """The supervisor panel (supervisors, collective admin): each agency's available units
    against its home reserve, and each dispatcher's incidents created and units assigned
    since ``since`` (default: the last 12 hours)."""
    return floor.floor(ctx, user, since)
