"""The read side: what the API, the console and the CLI show."""

from __future__ import annotations

from typing import Any, TypeVar

from bluepool.domain.shared.errors import NotFound
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    StationId,
    UnitId,
)
from bluepool.services import views
from bluepool.services.context import Context
from bluepool.services.ports import IncidentFilter, Page, Repository, UnitFilter

T = TypeVar("T")


def found(repo: Repository[Any, T], key: str, what: str) -> T:
    """Return the item under ``key``, or raise NotFound ("no unit P-9", code unit_not_found)."""
    item = repo.get(key)
    if item is None:
        raise NotFound(f"no {what} {key}", code=f"{what.replace(' ', '_')}_not_found")
    return item


def _page(items: list[dict[str, Any]], total: int, page: Page) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


def units(ctx: Context, where: UnitFilter, page: Page) -> dict[str, Any]:
    with ctx.reader() as uow:
        found, total = uow.units.find(where, page)
        return _page([views.unit(u) for u in found], total, page)


def unit(ctx: Context, unit_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        return views.unit(found(uow.units, UnitId(unit_id), "unit"))


def incidents(ctx: Context, where: IncidentFilter, page: Page) -> dict[str, Any]:
    with ctx.reader() as uow:
        found, total = uow.incidents.find(where, page)
        return _page([views.incident(i) for i in found], total, page)


def incident(ctx: Context, incident_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        return views.incident(found(uow.incidents, IncidentId(incident_id), "incident"))


def agencies(ctx: Context) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [views.agency(a) for a in uow.agencies.list()]


def agency(ctx: Context, agency_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        return views.agency(found(uow.agencies, AgencyId(agency_id), "agency"))


def jurisdictions(ctx: Context, geometry: bool) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [views.jurisdiction(j, geometry) for j in uow.jurisdictions.list()]


def jurisdiction(ctx: Context, jurisdiction_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        return views.jurisdiction(
            found(uow.jurisdictions, JurisdictionId(jurisdiction_id), "jurisdiction")
        )


def stations(ctx: Context, agency_id: str | None) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [
            views.station(s)
            for s in uow.stations.list()
            if agency_id is None or s.agency_id == agency_id
        ]


def station(ctx: Context, station_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        return views.station(found(uow.stations, StationId(station_id), "station"))


def call_types(ctx: Context) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [views.call_type(c) for c in uow.call_types.list()]


def call_type(ctx: Context, code: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        return views.call_type(found(uow.call_types, CallTypeCode(code), "call type"))


def policies(ctx: Context) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [views.policy(p) for p in uow.policies.list()]


def policy(ctx: Context, agency_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        if uow.agencies.get(AgencyId(agency_id)) is None:
            raise NotFound(f"no agency {agency_id}", code="agency_not_found")
        p = uow.policies.get(AgencyId(agency_id))
        return views.policy(p) if p else {"agency": agency_id, "home_reserve": 0, "rules": []}


def users(ctx: Context, agency_id: str | None) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [
            views.user(u) for u in uow.users.list() if agency_id is None or u.agency_id == agency_id
        ]


def changes(ctx: Context, entity: str | None, entity_id: str | None, page: Page) -> dict[str, Any]:
    with ctx.reader() as uow:
        found, total = uow.changes.find(entity, entity_id, page)
        return _page([views.change(c) for c in found], total, page)


def roads(ctx: Context) -> dict[str, Any]:
    """The road network as GeoJSON, for maps."""
    if ctx.router is None:
        raise NotFound("no road network is loaded", code="no_road_network")
    return ctx.router.roads()
