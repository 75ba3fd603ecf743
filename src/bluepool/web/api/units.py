from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, StationId, UnitId
from bluepool.services import admin, fleet, queries
from bluepool.services.ports import UnitFilter
from bluepool.web.deps import ContextDep, CurrentUser, PageDep
from bluepool.web.schemas import (
    PositionUpdate,
    Problem,
    StatusUpdate,
    UnitCreate,
    UnitPublic,
    UnitsPublic,
    UnitUpdate,
    UnitUpdateResult,
)

router = APIRouter(prefix="/units", tags=["units"])
ERRORS: dict[int | str, dict[str, Any]] = {
    c: {"model": Problem} for c in (400, 401, 403, 404, 409, 422)
}


@router.get("", response_model=UnitsPublic, responses=ERRORS)
def list_units(
    ctx: ContextDep,
    user: CurrentUser,
    page: PageDep,
    agency: str | None = None,
    status: UnitStatus | None = None,
    capability: str | None = None,
    station: str | None = None,
) -> dict[str, Any]:
    """The fleet, by unit id, with filters and pagination."""
    where = UnitFilter(
        AgencyId(agency) if agency else None,
        status,
        capability,
        StationId(station) if station else None,
    )
    return queries.units(ctx, where, page)


@router.get("/{unit_id}", response_model=UnitPublic, responses=ERRORS)
def get_unit(unit_id: str, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """One unit."""
    return queries.unit(ctx, unit_id)


@router.post("", status_code=201, response_model=UnitPublic, responses=ERRORS)
def create_unit(body: UnitCreate, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
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
    return admin.create_unit(ctx, user, unit)


@router.patch("/{unit_id}", response_model=UnitPublic, responses=ERRORS)
def update_unit(
    unit_id: str, body: UnitUpdate, ctx: ContextDep, user: CurrentUser
) -> dict[str, Any]:
    """Change a unit's name, kind, capabilities or station."""
    return admin.update_unit(
        ctx,
        user,
        unit_id,
        body.name,
        body.kind,
        frozenset(body.capabilities) if body.capabilities is not None else None,
        body.station,
    )


@router.delete("/{unit_id}", status_code=204, responses=ERRORS)
def delete_unit(unit_id: str, ctx: ContextDep, user: CurrentUser) -> Response:
    """Remove a unit that is not on an incident."""
    admin.delete_unit(ctx, user, unit_id)
    return Response(status_code=204)


@router.post("/{unit_id}/status", response_model=UnitUpdateResult, responses=ERRORS)
def set_status(
    unit_id: str, body: StatusUpdate, ctx: ContextDep, user: CurrentUser
) -> dict[str, Any]:
    """Set a unit's status (available, en_route, on_scene, busy, out_of_service, off_duty).

    Officers set only their own unit. A replay (same idempotency key) or an update older
    than the last applied changes nothing and answers ``applied: false``."""
    return fleet.set_status(ctx, user, unit_id, body.status, body.at, body.idempotency_key)


@router.post("/{unit_id}/positions", response_model=UnitUpdateResult, responses=ERRORS)
def report_position(
    unit_id: str, body: PositionUpdate, ctx: ContextDep, user: CurrentUser
) -> dict[str, Any]:
    """Report a unit's position fix (AVL). Older fixes than the last applied are ignored."""
    return fleet.report_position(
        ctx, user, unit_id, Location(body.lat, body.lon), body.at, body.idempotency_key
    )
