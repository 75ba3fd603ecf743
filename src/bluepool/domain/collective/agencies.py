"""Agencies, the jurisdictions they answer for, their stations, and call types.

An agency is one member of the collective. Each jurisdiction (a polygon, kept as GeoJSON)
belongs to exactly one agency; an agency may answer for several. Stations are where units are
posted. A call type carries its response plan: the capabilities it needs and how many of each.
"""

from __future__ import annotations

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

    def __post_init__(self) -> None:
        if not self.plan:
            raise Invalid(f"call type {self.code} has an empty response plan")
        caps = [r.capability for r in self.plan]
        if len(set(caps)) != len(caps):
            raise Invalid(f"call type {self.code} names a capability twice in its plan")


#: The id of the collective's one set of dispatch rules.
DISPATCH_RULES_ID = "collective"


@dataclass(frozen=True, slots=True)
class DispatchRules:
    """How dispatch picks units, beyond the response plans (the collective file's
    ``dispatch`` section; docs/decisions/0020)."""

    #: A specialist (a dog team, a tactical team, a helicopter) is not sent to fill another
    #: kind's line (a patrol line) while a unit of that kind arrives within this many
    #: seconds of it. 0: specialists rank like any unit.
    specialist_margin_s: int = 120
    id: str = DISPATCH_RULES_ID

    def __post_init__(self) -> None:
        if not 0 <= self.specialist_margin_s <= 3600:
            raise Invalid("the specialist margin must be 0 to 3600 seconds")
