"""Agencies, the jurisdictions they answer for, their stations, and call types.

An agency is one member of the collective. Each jurisdiction (a polygon, kept as GeoJSON)
belongs to exactly one agency; an agency may answer for several. Stations are where units are
posted. A call type carries its response plan: the capabilities it needs and how many of each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId, StationId


@dataclass(slots=True)
class Agency:
    id: AgencyId
    name: str


@dataclass(slots=True)
class Jurisdiction:
    id: JurisdictionId
    name: str
    agency_id: AgencyId
    #: A GeoJSON Polygon or MultiPolygon geometry, longitude first.
    geometry: dict[str, Any] = field(repr=False)


@dataclass(slots=True)
class Station:
    id: StationId
    agency_id: AgencyId
    name: str
    location: Location


@dataclass(frozen=True, slots=True)
class Requirement:
    """One line of a response plan: ``count`` units with ``capability``."""

    capability: str
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1:
            raise Invalid(f"a response plan needs at least 1 {self.capability}, not {self.count}")


@dataclass(slots=True)
class CallType:
    code: CallTypeCode
    name: str
    default_priority: int = 3
    plan: tuple[Requirement, ...] = (Requirement("patrol"),)
    #: Officers may start an incident of this type from their phone (a traffic stop, an
    #: on-view incident): it opens with their unit on scene.
    self_initiated: bool = False
    #: The officer-in-distress call type: the phone's emergency button opens a P1 incident
    #: of this type at the officer's last position. A collective has at most one.
    emergency: bool = False

    def __post_init__(self) -> None:
        if not self.plan:
            raise Invalid(f"call type {self.code} has an empty response plan")
        caps = [r.capability for r in self.plan]
        if len(set(caps)) != len(caps):
            raise Invalid(f"call type {self.code} names a capability twice in its plan")


def emergency_clash(call_types: Iterable[CallType], candidate: CallType) -> str | None:
    """Why ``candidate`` may not be the emergency call type beside ``call_types`` (the
    collective's others), or None. A collective has at most one: the emergency button must
    know which incident to open."""
    if not candidate.emergency:
        return None
    other = next((c for c in call_types if c.emergency and c.code != candidate.code), None)
    if other is None:
        return None
    return (
        f"call type {other.code} is already the emergency call type: "
        "a collective has one (clear its emergency flag first)"
    )
