"""Write the San Francisco collective the sf-48h scenario runs on (run once; the output is
kept beside this script, so the scenario needs ../shared only for the call history).

    .venv/bin/python scenarios/sf/make_collective.py [CARS_PER_DISTRICT]

- Agencies and jurisdictions: the 10 SFPD police districts, each its own "agency", with
  the polygons of sfpd_districts_2014.geojson (DataSF, via a 2014 copy: see its SOURCE.md),
  simplified to ~30 m (districts.geojson here). Ids are the import mapping's
  (sf-mission, ...), so the history's jurisdictions match.
- Fleet: CARS_PER_DISTRICT patrol cars (default 4) on duty around the clock in every
  district. An ASSUMPTION: the data holds no unit or staffing figures.
- Posts: no unit positions are published; each car is posted at the centre of one k-means
  cluster of its district's located calls (moved to the nearest call when the centre
  falls outside the district).
"""

# ruff: noqa: T201 - a script: it prints what it wrote
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import shapely
import shapely.wkt
from scipy.cluster.vq import kmeans2
from shapely.geometry import mapping, shape

HERE = Path(__file__).parent
DATA = HERE.parent.parent.parent / "shared" / "data" / "sf-dispatched-calls-2026-01"


def main(cars: int = 4) -> None:
    districts = json.loads((DATA / "sfpd_districts_2014.geojson").read_text())["features"]
    geoms, names, features = [], [], []
    for f in sorted(districts, key=lambda f: f["properties"]["DISTRICT"]):
        name = f["properties"]["DISTRICT"]
        g = shape(f["geometry"]).simplify(0.0003, preserve_topology=True)
        geoms.append(g)
        names.append(f"sf-{name.lower()}")
        features.append(
            {
                "type": "Feature",
                "properties": {"id": f"sf-{name.lower()}", "name": name.title()},
                "geometry": mapping(g),
            }
        )
    (HERE / "districts.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    )
    points: list[list[tuple[float, float]]] = [[] for _ in names]
    with (DATA / "dispatched_calls_2026-01-15_17.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if row["agency"] != "Police" or row["onview_flag"] != "N":
                continue
            if not row["intersection_point"] or not row["police_district"]:
                continue
            p = shapely.wkt.loads(row["intersection_point"])
            k = names.index(f"sf-{row['police_district'].lower()}")
            points[k].append((p.y, p.x))
    rng = np.random.default_rng(2026)
    lines = [
        "# San Francisco police districts as a collective, for the sf-48h scenario.",
        "# Written by make_collective.py: the fleet and its posts are ASSUMPTIONS (see there).",
        "# District polygons: DataSF SFPD districts (2014 copy), simplified.",
        "version: 1",
        "agencies:",
    ]
    lines += [f"  - {{id: {n}, name: SFPD {n[3:].title()} District}}" for n in names]
    lines.append("jurisdictions:")
    lines += [
        f"  - {{id: {n}, name: {n[3:].title()}, agency: {n}, "
        f"geometry: {{file: districts.geojson, where: {{id: {n}}}}}}}"
        for n in names
    ]
    stations, units = ["stations:"], ["units:"]
    for k, n in enumerate(names):
        xy = np.array(points[k])
        centres, _ = kmeans2(xy, cars, seed=rng, minit="++")
        for c, (lat, lon) in enumerate(centres):
            if not geoms[k].covers(shapely.Point(lon, lat)):
                lat, lon = xy[np.argmin(((xy - (lat, lon)) ** 2).sum(axis=1))]
            sid = f"{n}-post-{c + 1}"
            stations.append(
                f"  - {{id: {sid}, agency: {n}, name: {n[3:].title()} post {c + 1}, "
                f"lat: {lat:.5f}, lon: {lon:.5f}}}"
            )
            units.append(f"  - {{id: {n}-car-{c + 1}, agency: {n}, kind: patrol, station: {sid}}}")
    (HERE / "collective.yaml").write_text("\n".join(lines + stations + units) + "\n")
    for n, p in zip(names, points, strict=True):
        print(f"{n:<16} {len(p):>5} located public calls {cars:>3} cars")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
