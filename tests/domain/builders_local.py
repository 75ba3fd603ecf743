"""Builders for the domain tests: ``a_unit(...)``, ``an_incident(...)``, ``a_collective(...)``.

Kept beside the domain tests while ``tests/builders.py`` is being written elsewhere; every
argument has a plain default so a test names only what its story is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.recommend import Collective, IncidentView
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, IncidentId, JurisdictionId, UnitId
from bluepool.domain.sharing.policies import SharingPolicy
from tests.strategies import AGENCY_NAMES, JURISDICTION_AGENCY, T0

#: The incident scene used by most examples, and points at known distances from it.
SCENE = Location(45.0, -75.0)


def east_of_scene(km: float) -> Location:
    """A point ``km`` kilometres east of SCENE (one degree of longitude is ~78.7 km there)."""
    return Location(SCENE.lat, SCENE.lon + km / 78.7)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def a_unit(
    id: str = "u1",
    *,
    agency: str = "north",
    kind: str = "car",
    capabilities: Iterable[str] = ("patrol",),
    status: UnitStatus = UnitStatus.AVAILABLE,
    location: Location | None = SCENE,
    jurisdiction: str | None = "n1",
    incident: str | None = None,
    workload: int = 0,
    status_at: datetime | None = None,
) -> Unit:
    return Unit(
        id=UnitId(id),
        agency_id=AgencyId(agency),
        kind=kind,
        capabilities=frozenset(capabilities),
        status=status,
        location=location,
        jurisdiction_id=JurisdictionId(jurisdiction) if jurisdiction else None,
        incident_id=IncidentId(incident) if incident else None,
        workload=workload,
        status_at=status_at,
    )


def an_incident(
    id: str = "i1",
    *,
    call_type: str = "burglary",
    priority: int = 2,
    location: Location = SCENE,
    jurisdiction: str | None = "n1",
    received: datetime = T0,
) -> Incident:
    return Incident.receive(
        IncidentId(id),
        CallTypeCode(call_type),
        priority,
        location,
        JurisdictionId(jurisdiction) if jurisdiction else None,
        received,
        "dispatcher",
    )


def an_incident_view(
    id: str = "i1",
    *,
    call_type: str = "burglary",
    priority: int = 2,
    location: Location = SCENE,
    jurisdiction: str | None = "n1",
) -> IncidentView:
    return IncidentView(
        IncidentId(id),
        CallTypeCode(call_type),
        priority,
        location,
        JurisdictionId(jurisdiction) if jurisdiction else None,
    )


def a_collective(
    policies: Sequence[SharingPolicy] = (),
    jurisdiction_agency: Mapping[JurisdictionId, AgencyId] = JURISDICTION_AGENCY,
) -> Collective:
    return Collective(jurisdiction_agency, {p.agency_id: p for p in policies}, AGENCY_NAMES)
