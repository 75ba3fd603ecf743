"""Small collectives for the simulator's tests: square districts, each its own agency; and
whole runs of a scenario on the collective file it names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bluepool.cli.simulate import scenario_collective
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Requirement, Station
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId, StationId, UnitId
from bluepool.domain.sharing.lending import from_policy
from bluepool.domain.sharing.policies import SharingPolicy
from bluepool.domain.spec import CollectiveSpec
from bluepool.sim import Report, Scenario, run
from tests.builders import SINCE


@dataclass(frozen=True)
class Post:
    lat: float
    lon: float
    units: int = 1
    capabilities: frozenset[str] = frozenset({"patrol"})


@dataclass(frozen=True)
class District:
    """A square jurisdiction (lon0, lat0) .. (lon0 + size, lat0 + size) and its agency."""

    id: str
    lon0: float
    lat0: float
    size: float = 0.1
    posts: Sequence[Post] = ()
    policy: SharingPolicy | None = None


def square(lon0: float, lat0: float, size: float) -> dict[str, object]:
    ring = [
        [lon0, lat0],
        [lon0 + size, lat0],
        [lon0 + size, lat0 + size],
        [lon0, lat0 + size],
        [lon0, lat0],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def collective(
    districts: Sequence[District], call_types: Sequence[CallType] = ()
) -> CollectiveSpec:
    agencies, jurisdictions, stations, units = [], [], [], []
    for d in districts:
        a = AgencyId(d.id)
        agencies.append(Agency(a, d.id.upper()))
        jurisdictions.append(
            Jurisdiction(JurisdictionId(d.id), d.id, a, square(d.lon0, d.lat0, d.size))
        )
        for k, p in enumerate(d.posts):
            sid = StationId(f"{d.id}-s{k}")
            loc = Location(p.lat, p.lon)
            stations.append(Station(sid, a, sid, loc))
            for n in range(p.units):
                units.append(
                    Unit(
                        UnitId(f"{d.id}-s{k}-u{n}"),
                        a,
                        sorted(p.capabilities)[0],
                        p.capabilities,
                        station_id=sid,
                        location=loc,
                    )
                )
    return CollectiveSpec(
        agencies=tuple(agencies),
        jurisdictions=tuple(jurisdictions),
        stations=tuple(stations),
        units=tuple(units),
        call_types=tuple(call_types),
        agreements=tuple(
            a
            for d in districts
            if d.policy is not None
            if (a := from_policy(d.policy, SINCE, "test")) is not None
        ),
    )


def call_type(code: str, *plan: tuple[str, int]) -> CallType:
    return CallType(CallTypeCode(code), code, 3, tuple(Requirement(c, n) for c, n in plan))


def run_scenario(scenario: Scenario, **options: Any) -> Report:
    """Run ``scenario`` on the collective file it names, read as ``bluepool simulate``
    reads it (the simulator itself reads no collective file)."""
    return run(scenario, scenario_collective(scenario), **options)
