from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from bluepool.domain.dispatch.incidents import IncidentStatus
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import CallTypeCode, JurisdictionId
from bluepool.services import dispatch, queries, views
from bluepool.services.ports import IncidentFilter
from bluepool.web.deps import ContextDep, CurrentUser, PageDep
from bluepool.web.schemas import (
    AssignmentCreate,
    AssignResult,
    IncidentCreate,
    IncidentPublic,
    IncidentsPublic,
    Problem,
    RecommendationPublic,
)

router = APIRouter(prefix="/incidents", tags=["incidents"])
ERRORS: dict[int | str, dict[str, Any]] = {
    c: {"model": Problem} for c in (400, 401, 403, 404, 409, 422)
}


@router.post("", status_code=201, response_model=IncidentPublic, responses=ERRORS)
def create_incident(body: IncidentCreate, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """Receive a call for service. The jurisdiction is derived from the location."""
    return dispatch.create_incident(
        ctx,
        user,
        body.call_type,
        Location(body.location.lat, body.location.lon),
        body.priority,
        body.description,
    )


@router.get("", response_model=IncidentsPublic, responses=ERRORS)
def list_incidents(
    ctx: ContextDep,
    user: CurrentUser,
    page: PageDep,
    status: IncidentStatus | None = None,
    open: Annotated[bool | None, Query(description="only open (true) or closed (false)")] = None,
    jurisdiction: str | None = None,
    priority: Annotated[int | None, Query(ge=1, le=5)] = None,
    call_type: str | None = None,
) -> dict[str, Any]:
    """Incidents, newest first, with filters and pagination."""
    where = IncidentFilter(
        status,
        open,
        JurisdictionId(jurisdiction) if jurisdiction else None,
        priority,
        CallTypeCode(call_type) if call_type else None,
    )
    return queries.incidents(ctx, where, page)


@router.get("/{incident_id}", response_model=IncidentPublic, responses=ERRORS)
def get_incident(incident_id: str, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """One incident with its assignments and timeline."""
    return queries.incident(ctx, incident_id)


@router.get(
    "/{incident_id}/recommendation",
    response_model=RecommendationPublic,
    responses=ERRORS,
)
def get_recommendation(incident_id: str, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """The units that can serve the incident now, ranked by ETA, and those excluded, with
    reasons; ``proposed`` fills the call type's response plan."""
    return views.recommendation(dispatch.recommendation(ctx, user, incident_id))


@router.post(
    "/{incident_id}/assignments",
    status_code=201,
    response_model=AssignResult,
    responses=ERRORS,
)
def assign_unit(
    incident_id: str, body: AssignmentCreate, ctx: ContextDep, user: CurrentUser
) -> dict[str, Any]:
    """Dispatch a unit. 409 when the unit cannot take it (busy, taken meanwhile, or not
    allowed by its agency's sharing policy or reserve)."""
    return dispatch.assign(ctx, user, incident_id, body.unit_id)


@router.post("/{incident_id}/close", response_model=IncidentPublic, responses=ERRORS)
def close_incident(incident_id: str, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """Close the incident and free every unit still on it."""
    return dispatch.close_incident(ctx, user, incident_id)


@router.get("/{incident_id}/route", responses=ERRORS)
def get_route(incident_id: str, unit_id: str, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """A unit's fastest road route to the incident, as a GeoJSON Feature (LineString) with
    ``duration_s`` and ``length_m``; 409 without a road network."""
    return dispatch.route(ctx, user, incident_id, unit_id)
