"""The collective API: agencies, jurisdictions, stations, call types (with response plans).
Responses are the collective's records."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from bluepool.domain.collective.agencies import (
    Agency,
    CallType,
    Jurisdiction,
    Requirement,
    Station,
)
from bluepool.domain.collective.records import (
    AgencyRecord,
    CallTypeRecord,
    JurisdictionRecord,
    StationRecord,
)
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.geojson import FeatureCollection, GeoJSON
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId, StationId
from bluepool.geo.shapes import polygonal
from bluepool.services.collective import agencies, call_types, jurisdictions, stations
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.collective import (
    AgencyIn,
    AgencyUpdate,
    CallTypeIn,
    JurisdictionIn,
    StationIn,
)
from bluepool.web.schemas.common import Problem, QueryFlag

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}


# agencies


@router.get("/agencies", response_model=tuple[AgencyRecord, ...], tags=["agencies"])
def list_agencies(ctx: ContextDep, user: CurrentUser) -> tuple[AgencyRecord, ...]:
    """The member agencies of the collective."""
    return agencies.list_agencies(ctx, user)


@router.post(
    "/agencies",
    status_code=201,
    response_model=AgencyRecord,
    tags=["agencies"],
    responses=ERRORS,
)
def create_agency(body: AgencyIn, ctx: ContextDep, user: CurrentUser) -> AgencyRecord:
    """Admit an agency to the collective (collective admin)."""
    return agencies.save_agency(ctx, user, Agency(AgencyId(body.id), body.name), create=True)


@router.get(
    "/agencies/{agency_id}",
    response_model=AgencyRecord,
    tags=["agencies"],
    responses=ERRORS,
)
def get_agency(agency_id: str, ctx: ContextDep, user: CurrentUser) -> AgencyRecord:
    return agencies.get_agency(ctx, user, agency_id)


@router.put(
    "/agencies/{agency_id}",
    response_model=AgencyRecord,
    tags=["agencies"],
    responses=ERRORS,
)
def update_agency(
    agency_id: str, body: AgencyUpdate, ctx: ContextDep, user: CurrentUser
) -> AgencyRecord:
    """Rename an agency (its admin or the collective admin)."""
    return agencies.save_agency(ctx, user, Agency(AgencyId(agency_id), body.name), create=False)


@router.delete("/agencies/{agency_id}", status_code=204, tags=["agencies"], responses=ERRORS)
def delete_agency(agency_id: str, ctx: ContextDep, user: CurrentUser) -> Response:
    """Remove an agency that has no units or jurisdictions left (collective admin)."""
    agencies.delete_agency(ctx, user, agency_id)
    return Response(status_code=204)


# jurisdictions


def _geometry(geometry: GeoJSON) -> GeoJSON:
    return polygonal(geometry, "geometry")[0]  # repaired if need be: geo.shapes says why


@router.get("/jurisdictions", response_model=tuple[JurisdictionRecord, ...], tags=["jurisdictions"])
def list_jurisdictions(
    ctx: ContextDep, user: CurrentUser, geometry: QueryFlag = False
) -> tuple[JurisdictionRecord, ...]:
    """Jurisdictions and the agency answering for each (``geometry=true`` adds GeoJSON)."""
    return jurisdictions.list_jurisdictions(ctx, user, geometry)


@router.get("/jurisdictions.geojson", response_model=None, tags=["jurisdictions"])
def jurisdictions_geojson(ctx: ContextDep, user: CurrentUser) -> FeatureCollection:
    """All jurisdictions as one GeoJSON FeatureCollection (for maps)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": j.id,
                "geometry": j.geometry or {},
                "properties": {"id": j.id, "name": j.name, "agency": j.agency},
            }
            for j in jurisdictions.list_jurisdictions(ctx, user, True)
        ],
    }


@router.get(
    "/jurisdictions/{jurisdiction_id}",
    response_model=JurisdictionRecord,
    tags=["jurisdictions"],
    responses=ERRORS,
)
def get_jurisdiction(
    jurisdiction_id: str, ctx: ContextDep, user: CurrentUser
) -> JurisdictionRecord:
    return jurisdictions.get_jurisdiction(ctx, user, jurisdiction_id)


@router.post(
    "/jurisdictions",
    status_code=201,
    response_model=JurisdictionRecord,
    tags=["jurisdictions"],
    responses=ERRORS,
)
def create_jurisdiction(
    body: JurisdictionIn, ctx: ContextDep, user: CurrentUser
) -> JurisdictionRecord:
    """Add a jurisdiction (collective admin)."""
    j = Jurisdiction(
        JurisdictionId(body.id),
        body.name,
        AgencyId(body.agency),
        _geometry(body.geometry),
    )
    return jurisdictions.save_jurisdiction(ctx, user, j, create=True)


@router.put(
    "/jurisdictions/{jurisdiction_id}",
    response_model=JurisdictionRecord,
    tags=["jurisdictions"],
    responses=ERRORS,
)
def update_jurisdiction(
    jurisdiction_id: str, body: JurisdictionIn, ctx: ContextDep, user: CurrentUser
) -> JurisdictionRecord:
    """Redraw a jurisdiction or hand it to another agency (collective admin)."""
    if body.id != jurisdiction_id:
        raise Invalid("the id in the body differs from the path", code="id_mismatch")
    j = Jurisdiction(
        JurisdictionId(body.id),
        body.name,
        AgencyId(body.agency),
        _geometry(body.geometry),
    )
    return jurisdictions.save_jurisdiction(ctx, user, j, create=False)


@router.delete(
    "/jurisdictions/{jurisdiction_id}",
    status_code=204,
    tags=["jurisdictions"],
    responses=ERRORS,
)
def delete_jurisdiction(jurisdiction_id: str, ctx: ContextDep, user: CurrentUser) -> Response:
    jurisdictions.delete_jurisdiction(ctx, user, jurisdiction_id)
    return Response(status_code=204)


# stations


@router.get("/stations", response_model=tuple[StationRecord, ...], tags=["stations"])
def list_stations(
    ctx: ContextDep, user: CurrentUser, agency: str | None = None
) -> tuple[StationRecord, ...]:
    return stations.list_stations(ctx, user, agency)


@router.get(
    "/stations/{station_id}",
    response_model=StationRecord,
    tags=["stations"],
    responses=ERRORS,
)
def get_station(station_id: str, ctx: ContextDep, user: CurrentUser) -> StationRecord:
    return stations.get_station(ctx, user, station_id)


def _station(body: StationIn) -> Station:
    return Station(
        StationId(body.id),
        AgencyId(body.agency),
        body.name,
        Location(body.location.lat, body.location.lon),
    )


@router.post(
    "/stations",
    status_code=201,
    response_model=StationRecord,
    tags=["stations"],
    responses=ERRORS,
)
def create_station(body: StationIn, ctx: ContextDep, user: CurrentUser) -> StationRecord:
    """Add a station to an agency (its admin or the collective admin)."""
    return stations.save_station(ctx, user, _station(body), create=True)


@router.put(
    "/stations/{station_id}",
    response_model=StationRecord,
    tags=["stations"],
    responses=ERRORS,
)
def update_station(
    station_id: str, body: StationIn, ctx: ContextDep, user: CurrentUser
) -> StationRecord:
    if body.id != station_id:
        raise Invalid("the id in the body differs from the path", code="id_mismatch")
    return stations.save_station(ctx, user, _station(body), create=False)


@router.delete("/stations/{station_id}", status_code=204, tags=["stations"], responses=ERRORS)
def delete_station(station_id: str, ctx: ContextDep, user: CurrentUser) -> Response:
    stations.delete_station(ctx, user, station_id)
    return Response(status_code=204)


# call types and response plans


def _call_type(body: CallTypeIn) -> CallType:
    return CallType(
        CallTypeCode(body.code),
        body.name,
        body.default_priority,
        tuple(Requirement(r.capability, r.count) for r in body.plan),
        self_initiated=body.self_initiated,
        emergency=body.emergency,
    )


@router.get("/call-types", response_model=tuple[CallTypeRecord, ...], tags=["call types"])
def list_call_types(ctx: ContextDep, user: CurrentUser) -> tuple[CallTypeRecord, ...]:
    """Call types with their response plans (run cards)."""
    return call_types.list_call_types(ctx, user)


@router.get(
    "/call-types/{code}",
    response_model=CallTypeRecord,
    tags=["call types"],
    responses=ERRORS,
)
def get_call_type(code: str, ctx: ContextDep, user: CurrentUser) -> CallTypeRecord:
    return call_types.get_call_type(ctx, user, code)


@router.post(
    "/call-types",
    status_code=201,
    response_model=CallTypeRecord,
    tags=["call types"],
    responses=ERRORS,
)
def create_call_type(body: CallTypeIn, ctx: ContextDep, user: CurrentUser) -> CallTypeRecord:
    """Add a call type and its response plan (collective admin)."""
    return call_types.save_call_type(ctx, user, _call_type(body), create=True)


@router.put(
    "/call-types/{code}",
    response_model=CallTypeRecord,
    tags=["call types"],
    responses=ERRORS,
)
def update_call_type(
    code: str, body: CallTypeIn, ctx: ContextDep, user: CurrentUser
) -> CallTypeRecord:
    if body.code != code:
        raise Invalid("the code in the body differs from the path", code="id_mismatch")
    return call_types.save_call_type(ctx, user, _call_type(body), create=False)


@router.delete("/call-types/{code}", status_code=204, tags=["call types"], responses=ERRORS)
def delete_call_type(code: str, ctx: ContextDep, user: CurrentUser) -> Response:
    call_types.delete_call_type(ctx, user, code)
    return Response(status_code=204)
