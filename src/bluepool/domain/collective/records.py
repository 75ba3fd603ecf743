"""Read models of the collective's standing records: agencies, jurisdictions, stations and
call types, as the API and the event stream show them (one declaration each)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bluepool.domain.collective.agencies import (
    Agency,
    CallType,
    DispatchRules,
    Jurisdiction,
    Requirement,
    Station,
)
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId, StationId


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    id: AgencyId
    name: str

    @classmethod
    def of(cls, a: Agency) -> AgencyRecord:
        return cls(a.id, a.name)


@dataclass(frozen=True, slots=True)
class JurisdictionRecord:
    id: JurisdictionId
    name: str
    agency: AgencyId
    #: The GeoJSON Polygon or MultiPolygon; left out of lists unless asked for.
    geometry: dict[str, Any] | None = None

    @classmethod
    def of(cls, j: Jurisdiction, geometry: bool = True) -> JurisdictionRecord:
        return cls(j.id, j.name, j.agency_id, j.geometry if geometry else None)


@dataclass(frozen=True, slots=True)
class StationRecord:
    id: StationId
    agency: AgencyId
    name: str
    location: Location

    @classmethod
    def of(cls, s: Station) -> StationRecord:
        return cls(s.id, s.agency_id, s.name, s.location)


@dataclass(frozen=True, slots=True)
class CallTypeRecord:
    code: CallTypeCode
    name: str
    default_priority: int
    #: The response plan (run card).
    plan: tuple[Requirement, ...]

    @classmethod
    def of(cls, c: CallType) -> CallTypeRecord:
        return cls(c.code, c.name, c.default_priority, tuple(c.plan))


@dataclass(frozen=True, slots=True)
class DispatchRulesRecord:
    id: str
    specialist_margin_s: int

    @classmethod
    def of(cls, r: DispatchRules) -> DispatchRulesRecord:
        return cls(r.id, r.specialist_margin_s)
