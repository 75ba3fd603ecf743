"""The simulated collective: agencies, jurisdictions, posts and units, as arrays.

Built once per run from a ``CollectiveSpec`` (a collective file the CLI read, or the
database's snapshot). A unit is posted at its station; stations at one place share one
*post*. A unit waits for calls at its post and goes back there after every call, so an
available unit is always at its post: that is what lets the engine keep a static spatial
index of posts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from bluepool.domain.collective.agencies import CallType, Jurisdiction
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.people.crews import CrewAssignment, CrewId
from bluepool.domain.people.gating import withheld
from bluepool.domain.shared.geo import EARTH_RADIUS_M, Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId
from bluepool.domain.sharing.lending import in_effect, lending_of
from bluepool.domain.sharing.policies import SharingPolicy
from bluepool.domain.spec import CollectiveSpec
from bluepool.geo.jurisdictions import JurisdictionIndex

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class Fleet:
    agencies: tuple[AgencyId, ...]
    agency_names: Mapping[AgencyId, str]
    jurisdictions: tuple[Jurisdiction, ...]
    jurisdiction_agency: Mapping[JurisdictionId, AgencyId]
    #: What each agency lends under the collective's agreements in effect (policy
    #: "configured"; ``domain.sharing.lending.in_effect``).
    policies: Mapping[AgencyId, SharingPolicy]
    call_types: Mapping[CallTypeCode, CallType]
    #: The units as they start: available, at their post.
    units: tuple[Unit, ...]
    posts: tuple[Location, ...]
    #: Per unit: its post, its agency's index, whether its post lies in its own agency's
    #: jurisdictions ("at home", which is what a home reserve counts).
    unit_post: tuple[int, ...]
    unit_agency: tuple[int, ...]
    unit_home: tuple[bool, ...]
    locator: JurisdictionIndex

    @property
    def post_xyz(self) -> FloatArray:
        return unit_vectors(
            np.array([p.lat for p in self.posts]), np.array([p.lon for p in self.posts])
        )

    def agency_index(self) -> dict[AgencyId, int]:
        return {a: i for i, a in enumerate(self.agencies)}

    def jurisdiction_index(self) -> dict[JurisdictionId, int]:
        return {j.id: i for i, j in enumerate(self.jurisdictions)}

    def fresh_units(self) -> list[Unit]:
        """Copies of the units as they start, for one policy's run to change."""
        return [dataclasses.replace(u) for u in self.units]


def build_fleet(spec: CollectiveSpec) -> Fleet:
    """Place the spec's units at their posts and index everything by position."""
    agencies = tuple(a.id for a in spec.agencies)
    agency_at = {a: i for i, a in enumerate(agencies)}
    locator = JurisdictionIndex(spec.jurisdictions)
    jurisdiction_agency = {j.id: j.agency_id for j in spec.jurisdictions}
    posts: list[Location] = []
    post_at: dict[tuple[float, float], int] = {}
    units: list[Unit] = []
    unit_post: list[int] = []
    for u in spec.units:
        if u.location is None:
            continue
        key = (u.location.lat, u.location.lon)
        if key not in post_at:
            post_at[key] = len(posts)
            posts.append(u.location)
        unit_post.append(post_at[key])
        units.append(u)
    where = locator.locate_many(posts)
    placed = [
        dataclasses.replace(
            u,
            status=UnitStatus.AVAILABLE,
            incident_id=None,
            workload=0,
            jurisdiction_id=where[p],
        )
        for u, p in zip(units, unit_post, strict=True)
    ]
    return Fleet(
        agencies=agencies,
        agency_names={a.id: a.name for a in spec.agencies},
        jurisdictions=tuple(spec.jurisdictions),
        jurisdiction_agency=jurisdiction_agency,
        policies=lending_of(in_effect(spec.agreements), jurisdiction_agency),
        call_types={c.code: c for c in spec.call_types},
        units=tuple(placed),
        posts=tuple(posts),
        unit_post=tuple(unit_post),
        unit_agency=tuple(agency_at[u.agency_id] for u in placed),
        unit_home=tuple(
            jurisdiction_agency.get(u.jurisdiction_id) == u.agency_id  # type: ignore[arg-type]
            for u in placed
        ),
        locator=locator,
    )


def staffed(fleet: Fleet, spec: CollectiveSpec, at: datetime) -> Fleet:
    """The fleet with each unit's capabilities its crew cannot staff taken away
    (``domain.people.gating``, as dispatch withholds them): the spec's crews staff their
    units for the whole run (rosters are not simulated) and their certifications are
    judged at ``at``, the run's start. Without certification rules, ``fleet`` itself."""
    rules = spec.certification_rules
    if rules is None or not rules.needs:
        return fleet
    crews = [
        CrewAssignment(CrewId(f"sim-{i}"), c.unit_id, c.person_id, c.role, at, at + _RUN)
        for i, c in enumerate(spec.crews)
    ]
    gate = withheld(
        rules, [(u.id, u.capabilities) for u in fleet.units], crews, spec.certifications, at
    )
    if not gate:
        return fleet
    units = tuple(
        dataclasses.replace(u, capabilities=frozenset(u.capabilities - gate[u.id].keys()))
        if u.id in gate
        else u
        for u in fleet.units
    )
    return dataclasses.replace(fleet, units=units)


#: A shift standing for the whole run (only its start matters: the crew is judged then).
_RUN = timedelta(hours=1)


def unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Points on the unit sphere: the chord between two is monotone in their distance."""
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def chord_to_metres(chord: FloatArray) -> FloatArray:
    """The great-circle distance of a chord between two points of the unit sphere."""
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, chord / 2.0))
