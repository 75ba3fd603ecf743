"""Agencies, jurisdictions, stations, call types (with response plans) and sharing policies."""

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
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId, StationId
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule
from bluepool.geo.shapes import polygonal
from bluepool.services import admin, queries
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas import (
    AgencyIn,
    AgencyPublic,
    AgencyUpdate,
    CallTypeIn,
    CallTypePublic,
    JurisdictionIn,
    JurisdictionPublic,
    PolicyIn,
    PolicyPublic,
    Problem,
    StationIn,
    StationPublic,
)

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (401, 403, 404, 409, 422)}


# agencies


@router.get("/agencies", response_model=list[AgencyPublic], tags=["agencies"])
def list_agencies(ctx: ContextDep, user: CurrentUser) -> list[dict[str, Any]]:
    """The member agencies of the collective."""
    return queries.agencies(ctx)


@router.post(
    "/agencies",
    status_code=201,
    response_model=AgencyPublic,
    tags=["agencies"],
    responses=ERRORS,
)
def create_agency(body: AgencyIn, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """Admit an agency to the collective (collective admin)."""
    return admin.save_agency(ctx, user, Agency(AgencyId(body.id), body.name), create=True)


@router.get(
    "/agencies/{agency_id}",
    response_model=AgencyPublic,
    tags=["agencies"],
    responses=ERRORS,
)
def get_agency(agency_id: str, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    return queries.agency(ctx, agency_id)


@router.put(
    "/agencies/{agency_id}",
    response_model=AgencyPublic,
    tags=["agencies"],
    responses=ERRORS,
)
def update_agency(
    agency_id: str, body: AgencyUpdate, ctx: ContextDep, user: CurrentUser
) -> dict[str, Any]:
    """Rename an agency (its admin or the collective admin)."""
    return admin.save_agency(ctx, user, Agency(AgencyId(agency_id), body.name), create=False)


@router.delete("/agencies/{agency_id}", status_code=204, tags=["agencies"], responses=ERRORS)
def delete_agency(agency_id: str, ctx: ContextDep, user: CurrentUser) -> Response:
    """Remove an agency that has no units or jurisdictions left (collective admin)."""
    admin.delete_agency(ctx, user, agency_id)
    return Response(status_code=204)


@router.get(
    "/agencies/{agency_id}/policy",
    response_model=PolicyPublic,
    tags=["sharing"],
    responses=ERRORS,
)
def get_policy(agency_id: str, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """What the agency lends, to whom, and how many units it keeps at home."""
    return queries.policy(ctx, agency_id)


@router.put(
    "/agencies/{agency_id}/policy",
    response_model=PolicyPublic,
    tags=["sharing"],
    responses=ERRORS,
)
def put_policy(
    agency_id: str, body: PolicyIn, ctx: ContextDep, user: CurrentUser
) -> dict[str, Any]:
    """Set the agency's sharing policy (its admin or the collective admin)."""

    def opt(values: list[str] | None) -> frozenset[Any] | None:
        return None if values is None else frozenset(values)

    policy = SharingPolicy(
        AgencyId(agency_id),
        body.home_reserve,
        tuple(
            SharingRule(
                opt(r.jurisdictions),
                opt(r.call_types),
                opt(r.capabilities),
                r.max_priority,
            )
            for r in body.rules
        ),
    )
    return admin.save_policy(ctx, user, policy)


@router.get("/policies", response_model=list[PolicyPublic], tags=["sharing"])
def list_policies(ctx: ContextDep, user: CurrentUser) -> list[dict[str, Any]]:
    """Every agency's sharing policy."""
    return queries.policies(ctx)


# jurisdictions


def _geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    return polygonal(geometry, "geometry")[0]  # repaired if need be: geo.shapes says why


@router.get("/jurisdictions", response_model=list[JurisdictionPublic], tags=["jurisdictions"])
def list_jurisdictions(
    ctx: ContextDep, user: CurrentUser, geometry: bool = False
) -> list[dict[str, Any]]:
    """Jurisdictions and the agency answering for each (``geometry=true`` adds GeoJSON)."""
    return queries.jurisdictions(ctx, geometry)


@router.get("/jurisdictions.geojson", tags=["jurisdictions"])
def jurisdictions_geojson(ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """All jurisdictions as one GeoJSON FeatureCollection (for maps)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": j["id"],
                "geometry": j["geometry"],
                "properties": {"id": j["id"], "name": j["name"], "agency": j["agency"]},
            }
            for j in queries.jurisdictions(ctx, True)
        ],
    }


@router.get(
    "/jurisdictions/{jurisdiction_id}",
    response_model=JurisdictionPublic,
    tags=["jurisdictions"],
    responses=ERRORS,
)
def get_jurisdiction(jurisdiction_id: str, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    return queries.jurisdiction(ctx, jurisdiction_id)


@router.post(
    "/jurisdictions",
    status_code=201,
    response_model=JurisdictionPublic,
    tags=["jurisdictions"],
    responses=ERRORS,
)
def create_jurisdiction(body: JurisdictionIn, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """Add a jurisdiction (collective admin)."""
    j = Jurisdiction(
        JurisdictionId(body.id),
        body.name,
        AgencyId(body.agency),
        _geometry(body.geometry),
    )
    return admin.save_jurisdiction(ctx, user, j, create=True)


@router.put(
    "/jurisdictions/{jurisdiction_id}",
    response_model=JurisdictionPublic,
    tags=["jurisdictions"],
    responses=ERRORS,
)
def update_jurisdiction(
    jurisdiction_id: str, body: JurisdictionIn, ctx: ContextDep, user: CurrentUser
) -> dict[str, Any]:
    """Redraw a jurisdiction or hand it to another agency (collective admin)."""
    if body.id != jurisdiction_id:
        raise Invalid("the id in the body differs from the path", code="id_mismatch")
    j = Jurisdiction(
        JurisdictionId(body.id),
        body.name,
        AgencyId(body.agency),
        _geometry(body.geometry),
    )
    return admin.save_jurisdiction(ctx, user, j, create=False)


@router.delete(
    "/jurisdictions/{jurisdiction_id}",
    status_code=204,
    tags=["jurisdictions"],
    responses=ERRORS,
)
def delete_jurisdiction(jurisdiction_id: str, ctx: ContextDep, user: CurrentUser) -> Response:
    admin.delete_jurisdiction(ctx, user, jurisdiction_id)
    return Response(status_code=204)


@router.get("/roads.geojson", tags=["roads"], responses=ERRORS)
def roads_geojson(ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """The collective's road network as GeoJSON (for maps without a tile server); 404
    without a road network."""
    return queries.roads(ctx)


# stations


@router.get("/stations", response_model=list[StationPublic], tags=["stations"])
def list_stations(
    ctx: ContextDep, user: CurrentUser, agency: str | None = None
) -> list[dict[str, Any]]:
    return queries.stations(ctx, agency)


@router.get(
    "/stations/{station_id}",
    response_model=StationPublic,
    tags=["stations"],
    responses=ERRORS,
)
def get_station(station_id: str, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    return queries.station(ctx, station_id)


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
    response_model=StationPublic,
    tags=["stations"],
    responses=ERRORS,
)
def create_station(body: StationIn, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """Add a station to an agency (its admin or the collective admin)."""
    return admin.save_station(ctx, user, _station(body), create=True)


@router.put(
    "/stations/{station_id}",
    response_model=StationPublic,
    tags=["stations"],
    responses=ERRORS,
)
def update_station(
    station_id: str, body: StationIn, ctx: ContextDep, user: CurrentUser
) -> dict[str, Any]:
    if body.id != station_id:
        raise Invalid("the id in the body differs from the path", code="id_mismatch")
    return admin.save_station(ctx, user, _station(body), create=False)


@router.delete("/stations/{station_id}", status_code=204, tags=["stations"], responses=ERRORS)
def delete_station(station_id: str, ctx: ContextDep, user: CurrentUser) -> Response:
    admin.delete_station(ctx, user, station_id)
    return Response(status_code=204)


# call types and response plans


def _call_type(body: CallTypeIn) -> CallType:
    return CallType(
        CallTypeCode(body.code),
        body.name,
        body.default_priority,
        tuple(Requirement(r.capability, r.count) for r in body.plan),
    )


@router.get("/call-types", response_model=list[CallTypePublic], tags=["call types"])
def list_call_types(ctx: ContextDep, user: CurrentUser) -> list[dict[str, Any]]:
    """Call types with their response plans (run cards)."""
    return queries.call_types(ctx)


@router.get(
    "/call-types/{code}",
    response_model=CallTypePublic,
    tags=["call types"],
    responses=ERRORS,
)
def get_call_type(code: str, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    return queries.call_type(ctx, code)


@router.post(
    "/call-types",
    status_code=201,
    response_model=CallTypePublic,
    tags=["call types"],
    responses=ERRORS,
)
def create_call_type(body: CallTypeIn, ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """Add a call type and its response plan (collective admin)."""
    return admin.save_call_type(ctx, user, _call_type(body), create=True)


@router.put(
    "/call-types/{code}",
    response_model=CallTypePublic,
    tags=["call types"],
    responses=ERRORS,
)
def update_call_type(
    code: str, body: CallTypeIn, ctx: ContextDep, user: CurrentUser
) -> dict[str, Any]:
    if body.code != code:
        raise Invalid("the code in the body differs from the path", code="id_mismatch")
    return admin.save_call_type(ctx, user, _call_type(body), create=False)


@router.delete("/call-types/{code}", status_code=204, tags=["call types"], responses=ERRORS)
def delete_call_type(code: str, ctx: ContextDep, user: CurrentUser) -> Response:
    admin.delete_call_type(ctx, user, code)
    return Response(status_code=204)
