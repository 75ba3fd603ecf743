"""Central dispatch use cases: take a call, recommend units, assign, close.

Every use case has the same four beats: open the unit of work, load, ask the domain, commit;
then publish what happened to live subscribers.
"""

from __future__ import annotations

import uuid
from typing import Any

from bluepool.domain.access import roles as access
from bluepool.domain.access.roles import User
from bluepool.domain.collective.agencies import CallType
from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.recommend import Collective, IncidentView, Recommendation, recommend
from bluepool.domain.shared.errors import (
    Conflict,
    Invalid,
    NotFound,
    PolicyForbids,
    UnitUnavailable,
)
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import CallTypeCode, IncidentId, UnitId
from bluepool.services import views
from bluepool.services.context import Context
from bluepool.services.ports import ChangeRecord, UnitOfWork


def create_incident(
    ctx: Context,
    user: User,
    call_type: str,
    location: Location,
    priority: int | None = None,
    description: str = "",
) -> dict[str, Any]:
    """Receive a call: the jurisdiction comes from the location."""
    access.require_dispatch(user)
    jurisdiction = ctx.locator().locate(location)
    with ctx.uow() as uow:
        ct = _call_type(uow, CallTypeCode(call_type))
        now = ctx.clock.now()
        incident = Incident.receive(
            IncidentId(uuid.uuid4().hex[:12]),
            ct.code,
            ct.default_priority if priority is None else priority,
            location,
            jurisdiction,
            now,
            user.username,
            description,
        )
        uow.incidents.add(incident)
        view = views.incident(incident)
        uow.changes.add(
            ChangeRecord(now, user.username, "create", "incident", incident.id, _brief(view))
        )
        uow.commit()
    ctx.publisher.publish({"type": "incident.created", "incident": view})
    return view


def recommendation(ctx: Context, user: User, incident_id: str) -> Recommendation:
    """Rank the units that can serve an incident now, with the reasons."""
    with ctx.reader() as uow:
        incident = _incident(uow, IncidentId(incident_id))
        return _recommend(ctx, uow, incident)


def assign(ctx: Context, user: User, incident_id: str, unit_id: str) -> dict[str, Any]:
    """Dispatch a unit to an incident, if it may serve it now.

    The unit must be a candidate of the incident's recommendation (available, capable,
    allowed by its agency's sharing policy and reserve). The write is checked against
    concurrent changes, so a unit is never committed to two incidents.
    """
    access.require_dispatch(user)
    with ctx.uow() as uow:
        incident = _incident(uow, IncidentId(incident_id))
        found = uow.units.get(UnitId(unit_id))
        if found is None:
            raise NotFound(f"no unit {unit_id}", code="unit_not_found")
        # Lending agencies' reserves are fleet-wide: decide with the agency held, on a fresh
        # read of its units.
        uow.lock_agency(found.agency_id)
        unit = uow.units.get(found.id) or found
        rec = _recommend(ctx, uow, incident)
        candidate = next((c for c in rec.candidates if c.unit_id == unit.id), None)
        if candidate is None:
            reason = next((e.reason for e in rec.excluded if e.unit_id == unit.id), "not eligible")
            detail = f"unit {unit.id} cannot take incident {incident.id}: {reason}"
            if not unit.is_available:
                raise UnitUnavailable(detail)
            if reason.startswith("agency "):  # does not lend / keeps units at home
                raise PolicyForbids(detail)
            code = "not_capable" if reason.startswith("lacks") else "not_eligible"
            raise Conflict(detail, code=code)
        now = ctx.clock.now()
        detail = "; ".join(candidate.reasons)
        incident.assign(unit, now, user.username, detail)
        uow.units.update(unit)
        uow.incidents.update(incident)
        uow.changes.add(
            ChangeRecord(
                now,
                user.username,
                "assign",
                "incident",
                incident.id,
                {"unit_id": unit.id, "eta_seconds": round(candidate.eta_seconds, 1)},
            )
        )
        uow.commit()
        incident_view, unit_view = views.incident(incident), views.unit(unit)
    ctx.publisher.publish({"type": "unit.assigned", "incident": incident_view, "unit": unit_view})
    return {
        "incident_id": incident.id,
        "unit_id": unit.id,
        "eta_seconds": round(candidate.eta_seconds, 1),
        "reasons": list(candidate.reasons),
        "incident": incident_view,
        "unit": unit_view,
    }


def route(ctx: Context, user: User, incident_id: str, unit_id: str) -> dict[str, Any]:
    """Return a unit's road route to an incident as a GeoJSON Feature."""
    if ctx.router is None:
        raise Conflict(
            "no road network is loaded (bluepool import roads, then serve --roads)",
            code="no_road_network",
        )
    with ctx.reader() as uow:
        incident = _incident(uow, IncidentId(incident_id))
        unit = uow.units.get(UnitId(unit_id))
    if unit is None:
        raise NotFound(f"no unit {unit_id}", code="unit_not_found")
    if unit.location is None:
        raise Invalid(f"unit {unit.id} has no known position", code="position_unknown")
    feature = ctx.router.route(unit.location, incident.location)
    feature["properties"].update({"unit_id": unit.id, "incident_id": incident.id})
    return feature


def close_incident(ctx: Context, user: User, incident_id: str) -> dict[str, Any]:
    """Close an incident and free every unit still on it."""
    access.require_dispatch(user)
    with ctx.uow() as uow:
        incident = _incident(uow, IncidentId(incident_id))
        units = {uid: u for uid in incident.active_units() if (u := uow.units.get(uid))}
        now = ctx.clock.now()
        incident.close(now, user.username, units)
        for u in units.values():
            uow.units.update(u)
        uow.incidents.update(incident)
        uow.changes.add(ChangeRecord(now, user.username, "close", "incident", incident.id))
        uow.commit()
        view = views.incident(incident)
        unit_views = [views.unit(u) for u in units.values()]
    ctx.publisher.publish({"type": "incident.closed", "incident": view})
    for uv in unit_views:
        ctx.publisher.publish({"type": "unit.updated", "unit": uv})
    return view


def collective(uow: UnitOfWork) -> Collective:
    """Read the standing facts the recommender works within."""
    return Collective(
        jurisdiction_agency=uow.jurisdictions.owners(),
        policies={p.agency_id: p for p in uow.policies.list()},
        agency_names={a.id: a.name for a in uow.agencies.list()},
    )


def _recommend(ctx: Context, uow: UnitOfWork, incident: Incident) -> Recommendation:
    ct = _call_type(uow, incident.call_type)
    view = IncidentView(
        incident.id,
        incident.call_type,
        incident.priority,
        incident.location,
        incident.jurisdiction_id,
    )
    units = uow.units.list()
    assigned = set(incident.active_units())
    on_scene = [u.capabilities for u in units if u.id in assigned]
    return recommend(view, ct.plan, units, collective(uow), ctx.travel, on_scene)


def _incident(uow: UnitOfWork, incident_id: IncidentId) -> Incident:
    incident = uow.incidents.get(incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}", code="incident_not_found")
    return incident


def _call_type(uow: UnitOfWork, code: CallTypeCode) -> CallType:
    ct = uow.call_types.get(code)
    if ct is None:
        known = ", ".join(sorted(c.code for c in uow.call_types.list()))
        raise Invalid(f"no call type {code!r}; known: {known}", code="unknown_call_type")
    return ct


def _brief(view: dict[str, Any]) -> dict[str, Any]:
    return {k: view[k] for k in ("call_type", "priority", "location", "jurisdiction")}
