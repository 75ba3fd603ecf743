"""The read side: what the API, the console and the CLI show."""

from __future__ import annotations

from typing import Any

from bluepool.domain.errors import NotFound
from bluepool.domain.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    StationId,
    UnitId,
)
from bluepool.services import views
from bluepool.services.context import Context
from bluepool.services.ports import IncidentFilter, Page, UnitFilter


def _page(items: list[dict[str, Any]], total: int, page: Page) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


def units(ctx: Context, where: UnitFilter, page: Page) -> dict[str, Any]:
    with ctx.reader() as uow:
        found, total = uow.units.find(where, page)
        return _page([views.unit(u) for u in found], total, page)


def unit(ctx: Context, unit_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        u = uow.units.get(UnitId(unit_id))
        if u is None:
            raise NotFound(f"no unit {unit_id}", code="unit_not_found")
        return views.unit(u)


def incidents(ctx: Context, where: IncidentFilter, page: Page) -> dict[str, Any]:
    with ctx.reader() as uow:
        found, total = uow.incidents.find(where, page)
        return _page([views.incident(i) for i in found], total, page)


def incident(ctx: Context, incident_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        i = uow.incidents.get(IncidentId(incident_id))
        if i is None:
            raise NotFound(f"no incident {incident_id}", code="incident_not_found")
        return views.incident(i)


def agencies(ctx: Context) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [views.agency(a) for a in sorted(uow.agencies.list(), key=lambda a: a.id)]


def agency(ctx: Context, agency_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        a = uow.agencies.get(AgencyId(agency_id))
        if a is None:
            raise NotFound(f"no agency {agency_id}", code="agency_not_found")
        return views.agency(a)


def jurisdictions(ctx: Context, geometry: bool) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [
            views.jurisdiction(j, geometry)
            for j in sorted(uow.jurisdictions.list(), key=lambda j: j.id)
        ]


def jurisdiction(ctx: Context, jurisdiction_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        j = uow.jurisdictions.get(JurisdictionId(jurisdiction_id))
        if j is None:
            raise NotFound(f"no jurisdiction {jurisdiction_id}", code="jurisdiction_not_found")
        return views.jurisdiction(j)


def stations(ctx: Context, agency_id: str | None) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [
            views.station(s)
            for s in sorted(uow.stations.list(), key=lambda s: s.id)
            if agency_id is None or s.agency_id == agency_id
        ]


def station(ctx: Context, station_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        s = uow.stations.get(StationId(station_id))
        if s is None:
            raise NotFound(f"no station {station_id}", code="station_not_found")
        return views.station(s)


def call_types(ctx: Context) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [views.call_type(c) for c in sorted(uow.call_types.list(), key=lambda c: c.code)]


def call_type(ctx: Context, code: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        c = uow.call_types.get(CallTypeCode(code))
        if c is None:
            raise NotFound(f"no call type {code}", code="call_type_not_found")
        return views.call_type(c)


def policies(ctx: Context) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [views.policy(p) for p in sorted(uow.policies.list(), key=lambda p: p.agency_id)]


def policy(ctx: Context, agency_id: str) -> dict[str, Any]:
    with ctx.reader() as uow:
        if uow.agencies.get(AgencyId(agency_id)) is None:
            raise NotFound(f"no agency {agency_id}", code="agency_not_found")
        p = uow.policies.get(AgencyId(agency_id))
        return views.policy(p) if p else {"agency": agency_id, "home_reserve": 0, "rules": []}


def users(ctx: Context, agency_id: str | None) -> list[dict[str, Any]]:
    with ctx.reader() as uow:
        return [
            views.user(u)
            for u in sorted(uow.users.list(), key=lambda u: u.username)
            if agency_id is None or u.agency_id == agency_id
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
