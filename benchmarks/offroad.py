"""How often a place inside the demo's jurisdictions gets no recommendation at all.

    .venv/bin/python benchmarks/offroad.py [--points N] [--seed S]

Random points, uniform over the demo collective's 11 jurisdictions (Liechtenstein; a good
part of it is mountain and forest), each taken as a call of every demo call type, with the
demo's units at their stations and its sharing policies, on the demo road network.

- **before**, the old rule, reproduced here: the road oracle refused an incident farther
  than 1 km (``max_snap_m``) from every road (``SnapError``, so the API answered 422
  ``off_network`` and nothing could be dispatched, not even the helicopter);
- **after**, the production ``recommend`` with the production travel model: a road ETA to
  the nearest road point plus an off-road leg (1.3 x the straight distance at 5 km/h,
  marked approximate), the helicopter flying straight at 220 km/h after a 5 min lift-off.

A point "gets no recommendation" when recommending for it raises, or when no unit at all is
a candidate for the call. Prints a table, then as its last line one JSON object.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from importlib import resources

import numpy as np
from common import footer, fresh_build
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from bluepool.adapters.files.collective import read_collective
from bluepool.domain.collective.agencies import DispatchRules
from bluepool.domain.dispatch.recommend import Collective, IncidentView, recommend
from bluepool.domain.dispatch.travel import Flight
from bluepool.domain.shared.errors import DomainError
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import IncidentId
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.routing.network import demo_network_path
from bluepool.routing.oracle import RoadTravelTimes
from bluepool.routing.snapping import SnapError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    compiled = fresh_build()

    with resources.as_file(resources.files("bluepool") / "demo" / "collective.yaml") as path:
        spec = read_collective(path)
    index = JurisdictionIndex(list(spec.jurisdictions))
    area = unary_union([shape(j.geometry) for j in spec.jurisdictions])
    west, south, east, north = area.bounds
    rng = np.random.default_rng(args.seed)
    points: list[Location] = []
    while len(points) < args.points:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if area.contains(Point(lon, lat)):
            points.append(Location(float(lat), float(lon)))
    where = index.locate_many(points)

    roads = RoadTravelTimes.from_file(demo_network_path())
    air = Flight({"air": 220.0}, 300.0)
    places = index.locate_many([u.location for u in spec.units if u.location is not None])
    units = [replace(u, jurisdiction_id=j) for u, j in zip(spec.units, places, strict=True)]
    owners = {j.id: j.agency_id for j in spec.jurisdictions}
    kinds: dict[str, int] = {}
    for u in units:
        kinds[u.kind] = kinds.get(u.kind, 0) + 1
    collective = Collective(
        owners,
        {p.agency_id: p for p in spec.policies},
        {a.id: a.name for a in spec.agencies},
        specialist_margin_s=(spec.dispatch or DispatchRules()).specialist_margin_s,
        kind_counts=kinds,
    )

    before_refused = 0
    for p in points:
        try:
            roads.snapper.snap(p)  # the old oracle snapped the incident first, and refused
        except SnapError:
            before_refused += 1

    after_refused = 0
    calls = 0
    approximate = 0
    walks: list[float] = []
    heli_first = 0
    t0 = time.perf_counter()
    for n, (p, j) in enumerate(zip(points, where, strict=True)):
        point_refused = False
        for ct in spec.call_types:
            view = IncidentView(IncidentId(f"b{n}"), ct.code, ct.default_priority, p, j)
            calls += 1
            try:
                rec = recommend(view, ct.plan, units, collective, roads, air=air)
            except DomainError:
                point_refused = True
                continue
            if not rec.candidates:
                point_refused = True
                continue
            if ct.code == "missing_person":
                off = [c.offroad_m for c in rec.candidates if c.approximate]
                if off:
                    approximate += 1
                    walks.append(min(off))
                heli_first += any(c.method == "by air" and c.proposed for c in rec.candidates)
        after_refused += point_refused
    seconds = time.perf_counter() - t0

    n = len(points)
    before, after = before_refused / n, after_refused / n
    print(
        f"offroad: {n} random points in the demo's jurisdictions, "
        f"{len(spec.call_types)} call types each"
    )
    print(f"  compiled: {', '.join(compiled) or 'none (plain Python)'}")
    print(f"  {'':<44}{'no recommendation':>18}")
    print(f"  {'before (old rule: refuse > 1 km from a road)':<44}{before:>18.1%}")
    print(f"  {'after (off-road leg, air units fly)':<44}{after:>18.1%}")
    ratio = before / after if after else float("inf")
    print(f"  ratio before/after: {'inf (none refused after)' if after == 0 else f'{ratio:.1f}'}")
    served = (1 - after) / (1 - before) if before < 1 else float("inf")
    print(f"  points that can be dispatched: {1 - before:.1%} -> {1 - after:.1%} ({served:.2f} x)")
    median_walk = statistics.median(walks) if walks else 0.0
    print(
        f"  missing person: {approximate / n:.1%} of points approximate (median walk "
        f"{median_walk / 1000:.2f} km), helicopter proposed for {heli_first / n:.1%}"
    )
    print(f"  {calls} recommendations in {seconds:.2f} s ({1000 * seconds / calls:.2f} ms each)")
    footer(
        {
            "benchmark": "offroad",
            "points": n,
            "seed": args.seed,
            "call_types": len(spec.call_types),
            "before_no_recommendation": round(before, 4),
            "after_no_recommendation": round(after, 4),
            "ratio": None if after == 0 else round(ratio, 2),
            "dispatchable_ratio": round(served, 3),
            "missing_person_approximate": round(approximate / n, 4),
            "median_walk_m": round(median_walk, 1),
            "helicopter_proposed": round(heli_first / n, 4),
            "ms_per_recommendation": round(1000 * seconds / calls, 3),
            "compiled": compiled,
        }
    )


if __name__ == "__main__":
    main()
