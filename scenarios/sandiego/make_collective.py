"""Write the San Diego collective the sandiego-week scenario runs on (run once; the output
is kept beside this script, so the scenario needs ../shared only for the call log).

    .venv/bin/python scenarios/sandiego/make_collective.py [TOTAL_UNITS]

- Agencies and jurisdictions: the 9 SDPD patrol divisions, each its own "agency", with
  their polygons from pd_divisions_datasd.geojson (City of San Diego, ODC-PDDL), simplified
  to ~30 m (divisions.geojson here).
- Fleet: TOTAL_UNITS patrol cars on duty around the clock (default 60), shared out in
  proportion to each division's calls in the week, at least 3 per division. This is an
  assumption: the data holds no unit or staffing figures.
- Posts: no station locations are published with the data, and patrol cars wait in their
  beats rather than at a station anyway; each car is posted at the centre of one k-means
  cluster of its division's calls (one car per cluster), moved to the nearest call when
  the centre falls outside the division.
"""

# ruff: noqa: T201 - a script: it prints what it wrote
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import shapely
from scipy.cluster.vq import kmeans2
from shapely.geometry import mapping, shape

HERE = Path(__file__).parent
DATA = HERE.parent.parent.parent / "shared" / "data" / "sandiego-sdpd-cfs-2023-01"
PRIORITY = {"0", "1", "2", "3", "4"}
EXCLUDED_DISPOSITIONS = {"CAN", "DUP"}
EXCLUDED_TYPES = {"T", "SELENF", "MPSSTP", "FU", "MTG"}


def slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def main(total_units: int = 60) -> None:
    divisions = json.loads((DATA / "pd_divisions_datasd.geojson").read_text())["features"]
    geoms, names = [], []
    features = []
    for f in sorted(divisions, key=lambda f: f["properties"]["div_num"]):
        name = f["properties"]["div_name"]
        g = shape(f["geometry"]).simplify(0.0003, preserve_topology=True)
        geoms.append(g)
        names.append(slug(name))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "id": slug(name),
                    "name": name.title(),
                    "div_num": f["properties"]["div_num"],
                },
                "geometry": mapping(g),
            }
        )
    (HERE / "divisions.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    )
    points: list[list[tuple[float, float]]] = [[] for _ in names]
    with (DATA / "Last2000_Geo.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if row["priority"] not in PRIORITY or row["disposition"] in EXCLUDED_DISPOSITIONS:
                continue
            if row["call_type"] in EXCLUDED_TYPES or not row["lat"]:
                continue
            lat, lon = float(row["lat"]), float(row["lng"])
            for k, g in enumerate(geoms):
                if g.covers(shapely.Point(lon, lat)):
                    points[k].append((lat, lon))
                    break
    counts = np.array([len(p) for p in points])
    units = np.maximum(3, np.round(total_units * counts / counts.sum())).astype(int)
    rng = np.random.default_rng(2023)
    lines = [
        "# San Diego patrol divisions as a collective, for the sandiego-week scenario.",
        "# Written by make_collective.py: the fleet and its posts are ASSUMPTIONS (see there).",
        "# Division polygons: City of San Diego open data (ODC-PDDL), simplified.",
        "version: 1",
        "agencies:",
    ]
    lines += [f"  - {{id: {n}, name: SDPD {n.title()} Division}}" for n in names]
    lines.append("jurisdictions:")
    lines += [
        f"  - {{id: {n}, name: {n.title()}, agency: {n}, "
        f"geometry: {{file: divisions.geojson, where: {{id: {n}}}}}}}"
        for n in names
    ]
    stations, cars = ["stations:"], ["units:"]
    for k, n in enumerate(names):
        xy = np.array(points[k])
        centres, _ = kmeans2(xy, int(units[k]), seed=rng, minit="++")
        for c, (lat, lon) in enumerate(centres):
            if not geoms[k].covers(shapely.Point(lon, lat)):
                lat, lon = xy[np.argmin(((xy - (lat, lon)) ** 2).sum(axis=1))]
            sid = f"{n}-post-{c + 1}"
            stations.append(
                f"  - {{id: {sid}, agency: {n}, name: {n.title()} post {c + 1}, "
                f"lat: {lat:.5f}, lon: {lon:.5f}}}"
            )
            cars.append(f"  - {{id: {n}-car-{c + 1}, agency: {n}, kind: patrol, station: {sid}}}")
    (HERE / "collective.yaml").write_text("\n".join(lines + stations + cars) + "\n")
    for n, c, u in zip(names, counts, units, strict=True):
        print(f"{n:<14} {c:>5} calls {u:>3} cars")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
