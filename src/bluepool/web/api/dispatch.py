"""The dispatch API: incidents (take a call, recommend, assign, close), units (the fleet,
status and position updates) and routes. Responses are the dispatch records."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from bluepool.domain.dispatch.positions import PositionFix
from bluepool.domain.dispatch.records import (
    AssignResult,
    IncidentPage,
    IncidentRecord,
    PositionBatchResult,
    PositionHistory,
    RecommendationRecord,
    UnitPage,
    UnitRecord,
    UnitUpdateResult,
)
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.geojson import Feature
from bluepool.domain.shared.ids import AgencyId, StationId, UnitId
from bluepool.services.dispatch import fleet, incidents, maps, positions, units
from bluepool.services.ports import UnitFilter
from bluepool.web.deps import ContextDep, CurrentUser, PageDep
from bluepool.web.schemas.common import Problem
from bluepool.web.schemas.dispatch import (
    AssignmentCreate,
    IncidentCreate,
    PositionBatch,
    PositionUpdate,
    StatusUpdate,
    UnitCreate,
    UnitUpdate,
)
from bluepool.web.schemas.floor import IncidentSearch
from bluepool.web.schemas.incidents import IncidentClose

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}
INCIDENTS: list[str | Enum] = ["incidents"]
UNITS: list[str | Enum] = ["units"]


# incidents -------------------------------------------------------------------------------


@router.post(
    "/incidents", status_code=201, response_model=IncidentRecord, tags=INCIDENTS, responses=ERRORS
)
def create_incident(body: IncidentCreate, ctx: ContextDep, user: CurrentUser) -> IncidentRecord:
    """Receive a call for service. The jurisdiction is derived from the location."""
    return incidents.create_incident(
        ctx,
        user,
        body.call_type,
        Location(body.location.lat, body.location.lon),
        body.priority,
        body.description,
        body.address,
        body.caller_name,
        body.caller_phone,
    )


@router.get("/incidents", response_model=IncidentPage, tags=INCIDENTS, responses=ERRORS)
def list_incidents(
    ctx: ContextDep, user: CurrentUser, page: PageDep, where: IncidentSearch
) -> IncidentPage:
    """Incidents, newest first, with filters (the search: status, jurisdiction, priority,
    call type, received between, address, unit, free text) and pagination."""
    return incidents.list_incidents(ctx, user, where, page)


@router.get(
    "/incidents/{incident_id}", response_model=IncidentRecord, tags=INCIDENTS, responses=ERRORS
)
def get_incident(incident_id: str, ctx: ContextDep, user: CurrentUser) -> IncidentRecord:
    """One incident with its assignments and timeline."""
    return incidents.get_incident(ctx, user, incident_id)


@router.get(
    "/incidents/{incident_id}/recommendation",
    response_model=RecommendationRecord,
    tags=INCIDENTS,
    responses=ERRORS,
)
def get_recommendation(
    incident_id: str, ctx: ContextDep, user: CurrentUser
) -> RecommendationRecord:
    """The units that can serve the incident now, ranked by ETA, and those excluded, with
    reasons; ``proposed`` fills the call type's response plan."""
    return incidents.recommendation(ctx, user, incident_id)


@router.post(
    "/incidents/{incident_id}/assignments",
    status_code=201,
    response_model=AssignResult,
    tags=INCIDENTS,
    responses=ERRORS,
)
def assign_unit(
    incident_id: str, body: AssignmentCreate, ctx: ContextDep, user: CurrentUser
) -> AssignResult:
    """Dispatch a unit. 409 when the unit cannot take it (busy, taken meanwhile, or not
    allowed by its agency's sharing policy or reserve).

    With ``override: {reason}``, a unit that only its agency's sharing policy or home
    reserve excludes is assigned all the same, marked as an override on the timeline, in
    the change log and in the audit log: 403 for a role that may not override, 422
    without a reason."""
    reason = body.override.reason if body.override is not None else None
    return incidents.assign(ctx, user, incident_id, body.unit_id, reason)


@router.post(
    "/incidents/{incident_id}/close",
    response_model=IncidentRecord,
    tags=INCIDENTS,
    responses=ERRORS,
)
def close_incident(
    incident_id: str, body: IncidentClose, ctx: ContextDep, user: CurrentUser
) -> IncidentRecord:
    """Close the incident with a disposition (``GET /closing`` lists them; another, or
    none: 422 ``bad_disposition``) and an optional report number, and free every unit
    still on it."""
    return incidents.close_incident(ctx, user, incident_id, body.disposition, body.report_number)


# GeoJSON is passed through as it is (response_model=None): a standard format, and a
# road network is too big to validate on every request.
@router.get("/incidents/{incident_id}/route", response_model=None, tags=INCIDENTS, responses=ERRORS)
def get_route(incident_id: str, unit_id: str, ctx: ContextDep, user: CurrentUser) -> Feature:
    """A unit's fastest road route to the incident, as a GeoJSON Feature (LineString) with
    ``duration_s`` and ``length_m``; 409 without a road network."""
    return maps.route(ctx, user, incident_id, unit_id)


@router.get("/roads.geojson", response_model=None, tags=["roads"], responses=ERRORS)
def roads_geojson(ctx: ContextDep, user: CurrentUser) -> Feature:
    """The collective's road network as GeoJSON (for maps without a tile server); 404
    without a road network."""
    return maps.roads(ctx, user)


# units -----------------------------------------------------------------------------------


@router.get("/units", response_model=UnitPage, tags=UNITS, responses=ERRORS)
def list_units(
    ctx: ContextDep,
    user: CurrentUser,
    page: PageDep,
    agency: str | None = None,
    status: UnitStatus | None = None,
    capability: str | None = None,
    station: str | None = None,
) -> UnitPage:
    """The fleet, by unit id, with filters and pagination."""
    where = UnitFilter(
        AgencyId(agency) if agency else None,
        status,
        capability,
        StationId(station) if station else None,
    )
    return units.list_units(ctx, user, where, page)


@router.get("/units/{unit_id}", response_model=UnitRecord, tags=UNITS, responses=ERRORS)
def get_unit(unit_id: str, ctx: ContextDep, user: CurrentUser) -> UnitRecord:
    """One unit."""
    return units.get_unit(ctx, user, unit_id)


@router.post("/units", status_code=201, response_model=UnitRecord, tags=UNITS, responses=ERRORS)
def create_unit(body: UnitCreate, ctx: ContextDep, user: CurrentUser) -> UnitRecord:
    """Add a unit to an agency's fleet (agency admin of that agency, or collective admin)."""
    unit = Unit(
        UnitId(body.id),
        AgencyId(body.agency),
        body.kind,
        frozenset(body.capabilities),
        StationId(body.station) if body.station else None,
        body.name,
        location=Location(body.location.lat, body.location.lon) if body.location else None,
    )
    return fleet.create_unit(ctx, user, unit)


@router.patch("/units/{unit_id}", response_model=UnitRecord, tags=UNITS, responses=ERRORS)
def update_unit(unit_id: str, body: UnitUpdate, ctx: ContextDep, user: CurrentUser) -> UnitRecord:
    """Change a unit's name, kind, capabilities or station."""
    return fleet.update_unit(
        ctx,
        user,
        unit_id,
        body.name,
        body.kind,
        frozenset(body.capabilities) if body.capabilities is not None else None,
        body.station,
    )


@router.delete("/units/{unit_id}", status_code=204, tags=UNITS, responses=ERRORS)
def delete_unit(unit_id: str, ctx: ContextDep, user: CurrentUser) -> Response:
    """Remove a unit that is not on an incident."""
    fleet.delete_unit(ctx, user, unit_id)
    return Response(status_code=204)


@router.post(
    "/units/{unit_id}/status", response_model=UnitUpdateResult, tags=UNITS, responses=ERRORS
)
def set_status(
    unit_id: str, body: StatusUpdate, ctx: ContextDep, user: CurrentUser
) -> UnitUpdateResult:
    """Set a unit's status (available, en_route, on_scene, busy, out_of_service, off_duty);
    out_of_service needs a ``reason`` (422 without one).

    Officers set only their own unit. Clearing a unit
    (available) before it reached its call needs ``confirm: true`` (else 409
    ``confirm_clear``). A replay (same idempotency key) or an update older than the last
    applied changes nothing and answers ``applied: false``."""
    return units.set_status(
        ctx,
        user,
        unit_id,
        body.status,
        body.at,
        body.idempotency_key,
        body.reason,
        body.confirm,
    )


@router.post(
    "/units/{unit_id}/positions", response_model=UnitUpdateResult, tags=UNITS, responses=ERRORS
)
def report_position(
    unit_id: str, body: PositionUpdate, ctx: ContextDep, user: CurrentUser
) -> UnitUpdateResult:
    """Report a unit's position fix (AVL). Older fixes than the last applied are ignored."""
    return units.report_position(
        ctx, user, unit_id, Location(body.lat, body.lon), body.at, body.idempotency_key
    )


@router.get(
    "/units/{unit_id}/positions", response_model=PositionHistory, tags=UNITS, responses=ERRORS
)
def position_history(
    unit_id: str,
    ctx: ContextDep,
    user: CurrentUser,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=positions.MAX_HISTORY)] = 1000,
) -> PositionHistory:
    """A unit's position history in [since, until), oldest first, for replay and
    analytics (kept for ``BLUEPOOL_POSITION_RETENTION_HOURS``)."""
    return positions.position_history(ctx, user, unit_id, since, until, limit)


@router.post("/positions", response_model=PositionBatchResult, tags=UNITS, responses=ERRORS)
def report_positions(
    body: PositionBatch, ctx: ContextDep, user: CurrentUser
) -> PositionBatchResult:
    """Report many units' position fixes at once (an AVL gateway): up to 5,000 per batch,
    in one transaction. All or nothing: a bad fix refuses the whole batch (422, or 403
    for a unit the user may not report), naming its index (``fixes[3]``). Every fix goes
    to the position history; a unit moves only to a fix newer than its position."""
    return positions.report_positions(
        ctx,
        user,
        [
            PositionFix(UnitId(f.unit_id), f.at, Location(f.lat, f.lon), f.speed, f.heading)
            for f in body.fixes
        ],
    )
