"""Plain JSON-able views of the domain, shared by the API, the event stream and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bluepool.domain.access.roles import User
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Station
from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.recommend import Recommendation
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.geo import Location
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule
from bluepool.services.ports import ChangeRecord


def _t(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def location(loc: Location | None) -> dict[str, float] | None:
    return None if loc is None else {"lat": loc.lat, "lon": loc.lon}


def unit(u: Unit) -> dict[str, Any]:
    return {
        "id": u.id,
        "agency": u.agency_id,
        "name": u.name,
        "kind": u.kind,
        "capabilities": sorted(u.capabilities),
        "station": u.station_id,
        "status": u.status.value,
        "location": location(u.location),
        "jurisdiction": u.jurisdiction_id,
        "incident_id": u.incident_id,
        "workload": u.workload,
        "status_at": _t(u.status_at),
        "position_at": _t(u.position_at),
        "version": u.version,
    }


def incident(i: Incident) -> dict[str, Any]:
    return {
        "id": i.id,
        "call_type": i.call_type,
        "priority": i.priority,
        "location": location(i.location),
        "jurisdiction": i.jurisdiction_id,
        "description": i.description,
        "status": i.status.value,
        "received_at": _t(i.received_at),
        "closed_at": _t(i.closed_at),
        "assignments": [
            {
                "unit_id": a.unit_id,
                "status": a.status.value,
                "assigned_at": _t(a.assigned_at),
                "cleared_at": _t(a.cleared_at),
            }
            for a in i.assignments
        ],
        "timeline": [
            {
                "at": _t(e.at),
                "kind": e.kind,
                "actor": e.actor,
                "unit_id": e.unit_id,
                "detail": e.detail,
            }
            for e in i.timeline
        ],
        "version": i.version,
    }


def recommendation(r: Recommendation) -> dict[str, Any]:
    return {
        "incident_id": r.incident_id,
        "method": r.method,
        "candidates": [
            {
                "unit_id": c.unit_id,
                "agency": c.agency_id,
                "eta_seconds": round(c.eta_seconds, 1),
                "fills": sorted(c.fills),
                "own_agency": c.own_agency,
                "proposed": c.proposed,
                "reasons": list(c.reasons),
            }
            for c in r.candidates
        ],
        "proposed": [{"capability": cap, "unit_id": uid} for cap, uid in r.proposed],
        "shortfalls": [{"capability": s.capability, "missing": s.missing} for s in r.shortfalls],
        "excluded": [
            {"unit_id": e.unit_id, "agency": e.agency_id, "reason": e.reason} for e in r.excluded
        ],
    }


def agency(a: Agency) -> dict[str, Any]:
    return {"id": a.id, "name": a.name}


def jurisdiction(j: Jurisdiction, geometry: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"id": j.id, "name": j.name, "agency": j.agency_id}
    if geometry:
        out["geometry"] = j.geometry
    return out


def station(s: Station) -> dict[str, Any]:
    return {
        "id": s.id,
        "agency": s.agency_id,
        "name": s.name,
        "location": location(s.location),
    }


def call_type(c: CallType) -> dict[str, Any]:
    return {
        "code": c.code,
        "name": c.name,
        "default_priority": c.default_priority,
        "plan": [{"capability": r.capability, "count": r.count} for r in c.plan],
    }


def _opt(values: frozenset[str] | None) -> list[str] | None:
    return None if values is None else sorted(values)


def rule(r: SharingRule) -> dict[str, Any]:
    return {
        "jurisdictions": _opt(r.jurisdictions),
        "call_types": _opt(r.call_types),
        "capabilities": _opt(r.capabilities),
        "max_priority": r.max_priority,
        "summary": r.describe(),
    }


def policy(p: SharingPolicy) -> dict[str, Any]:
    return {
        "agency": p.agency_id,
        "home_reserve": p.home_reserve,
        "rules": [rule(r) for r in p.rules],
    }


def user(u: User) -> dict[str, Any]:
    return {
        "username": u.username,
        "role": u.role.value,
        "full_name": u.full_name,
        "agency": u.agency_id,
        "unit_id": u.unit_id,
        "active": u.active,
    }


def change(c: ChangeRecord) -> dict[str, Any]:
    return {
        "at": _t(c.at),
        "actor": c.actor,
        "action": c.action,
        "entity": c.entity,
        "entity_id": c.entity_id,
        "data": c.data,
    }
