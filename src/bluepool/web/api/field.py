"""The officer's phone: the emergency button, backup, self-initiated incidents and the
acknowledgement of an assignment (``services.dispatch.field``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bluepool.domain.dispatch.records import EmergencyResult, IncidentRecord
from bluepool.domain.shared.geo import Location
from bluepool.services.dispatch import field
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.common import Problem
from bluepool.web.schemas.dispatch import BackupRequest, EmergencyPress, FieldIncidentCreate

router = APIRouter(tags=["units"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}


@router.post(
    "/units/{unit_id}/emergency", status_code=201, response_model=EmergencyResult, responses=ERRORS
)
def emergency(
    unit_id: str, ctx: ContextDep, user: CurrentUser, body: EmergencyPress | None = None
) -> EmergencyResult:
    """Officer in distress: every dispatcher is alerted (event ``alert.emergency``) and a
    P1 incident of the collective's emergency call type opens at the device's position, or
    the unit's last fix, or its station. Pressed again while it is open: the same incident
    (``created: false``), and the alert again."""
    where = body.location if body is not None else None
    location = Location(where.lat, where.lon) if where is not None else None
    return field.emergency(ctx, user, unit_id, location)


@router.post("/units/{unit_id}/backup", response_model=IncidentRecord, responses=ERRORS)
def request_backup(
    unit_id: str, ctx: ContextDep, user: CurrentUser, body: BackupRequest | None = None
) -> IncidentRecord:
    """Ask for another unit on the unit's incident (event ``alert.backup``); 409
    ``not_assigned`` when the unit is on none."""
    return field.request_backup(ctx, user, unit_id, body.detail if body is not None else "")


@router.post("/units/{unit_id}/acknowledge", response_model=IncidentRecord, responses=ERRORS)
def acknowledge(unit_id: str, ctx: ContextDep, user: CurrentUser) -> IncidentRecord:
    """The crew acknowledges its current assignment (a timeline entry; once)."""
    return field.acknowledge(ctx, user, unit_id)


@router.post(
    "/units/{unit_id}/incidents", status_code=201, response_model=IncidentRecord, responses=ERRORS
)
def self_initiate(
    unit_id: str, body: FieldIncidentCreate, ctx: ContextDep, user: CurrentUser
) -> IncidentRecord:
    """Start an incident the crew came upon (a call type marked ``self_initiated``), the
    unit on scene; at the given location or the unit's last position fix."""
    where = Location(body.location.lat, body.location.lon) if body.location else None
    return field.self_initiate(ctx, user, unit_id, body.call_type, where, body.description)
