"""Recommendation latency of the domain function: one incident against 2,000 units.

Baseline, in the same run: a straightforward recommender that computes the ETA of every unit
first, then filters and sorts (what a first implementation does). Prints a table and, last,
one JSON line.
"""

from __future__ import annotations

import gc
import random
from dataclasses import replace
from pathlib import Path

from common import footer, fresh_build, summary, timings_ms

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.dispatch.recommend import Collective, IncidentView, recommend
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    UnitId,
)
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule

CAPS = ["patrol"] * 6 + ["k9", "swat", "negotiator", "crime_scene"]


def fleet(n: int, rng: random.Random) -> tuple[list[Unit], Collective]:
    agencies = [AgencyId(f"a{i}") for i in range(8)]
    units = []
    for i in range(n):
        a = rng.choice(agencies)
        cap = rng.choice(CAPS)
        status = UnitStatus.AVAILABLE if rng.random() < 0.7 else UnitStatus.ON_SCENE
        units.append(
            Unit(
                UnitId(f"u{i}"),
                a,
                cap,
                frozenset({cap, "patrol"} if cap == "k9" else {cap}),
                status=status,
                location=Location(47.0 + rng.random() * 0.3, 9.4 + rng.random() * 0.3),
                jurisdiction_id=JurisdictionId(f"j-{a}") if rng.random() < 0.8 else None,
                workload=rng.randrange(10),
            )
        )
    collective = Collective(
        {JurisdictionId(f"j-{a}"): a for a in agencies},
        {a: SharingPolicy(a, 5, (SharingRule(max_priority=2),)) for a in agencies},
        {a: a.upper() for a in agencies},
    )
    return units, collective


def baseline(incident, plan, units, collective, travel):  # type: ignore[no-untyped-def]
    """ETA for every unit, then filter, then sort: no pre-filtering, per-unit lookups."""
    needed = {r.capability for r in plan}
    home = collective.jurisdiction_agency.get(incident.jurisdiction_id)
    rows = []
    for u in units:
        eta = travel.to_destination([u.location], incident.location)[0]
        if not u.is_available or not (u.capabilities & needed):
            continue
        if u.agency_id != home:
            p = collective.policies.get(u.agency_id)
            if not p or not p.lends(
                incident.jurisdiction_id,
                incident.call_type,
                incident.priority,
                u.capabilities & needed,
            ):
                continue
            at_home = sum(
                1
                for v in units
                if v.agency_id == u.agency_id
                and v.is_available
                and collective.jurisdiction_agency.get(v.jurisdiction_id) == v.agency_id
            )
            if at_home - 1 < p.home_reserve:
                continue
        rows.append((eta, u.agency_id != home, u.workload, u.id))
    rows.sort()
    return rows


COLUMBUS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "osm-extracts" / "columbus.osm.pbf"
)


def by_road(
    units: list[Unit], collective: Collective, rng: random.Random
) -> dict[str, float] | None:
    """The same recommendation with drive times on the Columbus road network (county-sized),
    units and incident at random road nodes; None when ../shared is absent."""
    if not COLUMBUS.is_file():
        print(f"drive-time run skipped: {COLUMBUS} is absent")
        return None
    import tempfile

    from bluepool.routing.oracle import RoadTravelTimes
    from bluepool.routing.roads import import_roads

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "columbus.roads.npz"
        import_roads(COLUMBUS, out, progress=False)
        roads = RoadTravelTimes.from_file(out)
    net = roads.network
    nodes = [rng.randrange(net.node_count) for _ in range(len(units) + 1)]
    placed = [
        replace(u, location=Location(float(net.lat[n]), float(net.lon[n])))
        for u, n in zip(units, nodes, strict=False)
    ]
    target = Location(float(net.lat[nodes[-1]]), float(net.lon[nodes[-1]]))
    incident = IncidentView(
        IncidentId("i2"), CallTypeCode("armed_robbery"), 1, target, JurisdictionId("j-a3")
    )
    plan = (Requirement("patrol", 2), Requirement("k9", 1))
    # As `bluepool serve` does after start-up: long-lived objects out of full GC sweeps.
    gc.collect()
    gc.freeze()
    return summary(timings_ms(lambda: recommend(incident, plan, placed, collective, roads), 300))


def main() -> None:
    compiled = "bluepool/domain/dispatch/recommend.py" in fresh_build()
    rng = random.Random(7)
    units, collective = fleet(2000, rng)
    travel = StraightLine()
    plan = (Requirement("patrol", 2), Requirement("k9", 1))
    incident = IncidentView(
        IncidentId("i1"),
        CallTypeCode("armed_robbery"),
        1,
        Location(47.15, 9.55),
        JurisdictionId("j-a3"),
    )
    gc.collect()
    gc.freeze()  # as `bluepool serve` does after start-up
    ours = summary(timings_ms(lambda: recommend(incident, plan, units, collective, travel), 200))
    base = summary(timings_ms(lambda: baseline(incident, plan, units, collective, travel), 20, 2))
    rec = recommend(incident, plan, units, collective, travel)
    print("recommendation, 1 incident x 2,000 units (straight-line ETAs)")
    print(f"{'':<28}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'bluepool recommend()':<28}{ours['p50_ms']:>10.3f}{ours['p99_ms']:>10.3f}")
    print(f"{'baseline (eta-all, naive)':<28}{base['p50_ms']:>10.3f}{base['p99_ms']:>10.3f}")
    road = by_road(units, collective, rng)
    if road is not None:
        print(
            f"{'by road (Columbus, 65k nodes)':<28}{road['p50_ms']:>10.3f}{road['p99_ms']:>10.3f}"
        )
    speedup = base["p50_ms"] / ours["p50_ms"]
    print(f"speedup {speedup:.1f}x; {len(rec.candidates)} candidates, {len(rec.excluded)} excluded")
    footer(
        {
            "benchmark": "recommend",
            "units": 2000,
            "compiled": compiled,
            "p50_ms": ours["p50_ms"],
            "p99_ms": ours["p99_ms"],
            "baseline_p50_ms": base["p50_ms"],
            "speedup_vs_baseline": round(speedup, 1),
            **({"road_p50_ms": road["p50_ms"], "road_p99_ms": road["p99_ms"]} if road else {}),
        }
    )


if __name__ == "__main__":
    main()
