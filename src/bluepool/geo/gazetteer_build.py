"""Building the gazetteer from an OpenStreetMap extract (.osm.pbf or .osm XML) with osmium.

What it reads:

- **addresses**: nodes and ways (buildings: the mean of their nodes) with
  ``addr:housenumber`` and ``addr:street``; the locality is ``addr:city``, else that of the
  street, else the nearest named place;
- **streets**: named ``highway`` ways, merged by name where their points lie within
  ``MERGE_M`` of each other (one entry per stretch of one name: two "Hauptstrasse" in two
  villages stay two), at the point of the street nearest to its middle; the points along
  each street (every ``STEP_M`` at least) are kept for reverse geocoding;
- **intersections**: OSM nodes shared by ways of two different names, one per pair of names
  within ``MERGE_M``;
- **places**: ``place=*`` nodes with a name (city, town, village, suburb, hamlet, ...);
- **points of interest**: named nodes and ways tagged ``amenity``, ``shop``, ``tourism``,
  ``leisure``, ``office``, ``healthcare``, ``historic``, ``craft``, ``emergency``,
  ``aeroway``, ``railway=station`` or ``public_transport=station``.

Relations (multipolygon buildings, boundaries) are not read.
"""

from __future__ import annotations

import itertools
import logging
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from tqdm import tqdm

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import EARTH_RADIUS_M
from bluepool.geo.gazetteer import SCALE, GazetteerData, Kind, fold, save_gazetteer

logger = logging.getLogger(__name__)

#: Stretches of one street name closer than this are one street; so are crossings of one
#: pair of names.
MERGE_M = 150.0
#: Points along a street are kept at most this far apart (for reverse geocoding).
STEP_M = 25.0
#: A place gives its name to what lies within this distance (when nothing nearer does).
PLACE_RADIUS_M = 5000.0
POI_KEYS = ("amenity", "shop", "tourism", "leisure", "office", "healthcare", "historic",
            "craft", "emergency", "aeroway")  # fmt: skip
STATIONS = {("railway", "station"), ("public_transport", "station")}
#: Named highways that are not streets.
NOT_STREETS = frozenset({"bus_stop", "platform", "proposed", "construction", "elevator",
                         "street_lamp", "traffic_signals", "crossing", "stop"})  # fmt: skip
PLACES = frozenset({"city", "town", "village", "suburb", "hamlet", "quarter", "neighbourhood",
                    "borough", "locality", "isolated_dwelling", "square", "farm"})  # fmt: skip
#: Places that name the locality of addresses and streets, largest last.
LOCALITIES = frozenset({"city", "town", "village", "suburb", "hamlet", "borough"})


@dataclass(frozen=True, slots=True)
class GazetteerSummary:
    source: str
    output: str | None
    counts: dict[str, int]
    seconds: float
    megabytes: float

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n:,} {kind}" for kind, n in self.counts.items())
        lines = [f"read {counts} from {self.source}"]
        if self.output is not None:
            lines.append(f"wrote {self.output} ({self.megabytes:.1f} MB) in {self.seconds:.1f} s")
        return lines


@dataclass
class _Rows:
    """Entries as they are collected (columns), with the string table."""

    kind: list[int] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    name: list[int] = field(default_factory=list)
    number: list[int] = field(default_factory=list)
    locality: list[int] = field(default_factory=list)
    category: list[int] = field(default_factory=list)
    strings: dict[str, int] = field(default_factory=dict)

    def string(self, text: str | None) -> int:
        if not text:
            return -1
        text = " ".join(text.split())
        return self.strings.setdefault(text, len(self.strings))

    def add(
        self,
        kind: Kind,
        lat: float,
        lon: float,
        name: str,
        *,
        number: str = "",
        locality: str = "",
        category: str = "",
    ) -> int:
        self.kind.append(int(kind))
        self.lat.append(lat)
        self.lon.append(lon)
        self.name.append(self.string(name))
        self.number.append(self.string(number))
        self.locality.append(self.string(locality))
        self.category.append(self.string(category))
        return len(self.kind) - 1


@dataclass
class _Read:
    """What one pass over the file collected."""

    addresses: list[tuple[float, float, str, str, str]] = field(default_factory=list)
    places: list[tuple[float, float, str, str]] = field(default_factory=list)
    pois: list[tuple[float, float, str, str, str]] = field(default_factory=list)
    #: Named streets: (name, [(node ref, lat, lon), ...]) per way.
    ways: list[tuple[str, list[tuple[int, float, float]]]] = field(default_factory=list)


def _category(tags: Mapping[str, str]) -> str | None:
    for key in POI_KEYS:
        value = tags.get(key)
        if value and value != "no":
            return f"{key}={value}"
    for key, value in STATIONS:
        if tags.get(key) == value:
            return f"{key}={value}"
    return None


def _read(path: Path, progress: bool) -> _Read:
    read = _Read()
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.NODE | osmium.osm.WAY))
        .with_filter(osmium.filter.EmptyTagFilter())
    )
    bar = tqdm(desc="reading places", unit=" objects", file=sys.stderr, disable=not progress)
    try:
        for obj in processor:
            bar.update()
            if not ("name" in obj.tags or "addr:housenumber" in obj.tags):
                continue
            tags: dict[str, str] = {t.k: t.v for t in obj.tags}
            point: tuple[float, float]
            if isinstance(obj, osmium.osm.Node):
                if not obj.location.valid():
                    continue
                point = (obj.location.lat, obj.location.lon)
                refs: list[tuple[int, float, float]] = []
            elif isinstance(obj, osmium.osm.Way):
                refs = [
                    (nd.ref, nd.location.lat, nd.location.lon)
                    for nd in obj.nodes
                    if nd.location.valid()
                ]
                if not refs:
                    continue
                point = (
                    sum(r[1] for r in refs) / len(refs),
                    sum(r[2] for r in refs) / len(refs),
                )
            else:
                continue
            name = tags.get("name", "")
            number, street = tags.get("addr:housenumber"), tags.get("addr:street")
            if number and street:
                read.addresses.append((*point, street, number, tags.get("addr:city", "")))
            if not name:
                continue
            highway = tags.get("highway")
            drivable = isinstance(obj, osmium.osm.Way) and highway not in (None, *NOT_STREETS)
            if drivable and tags.get("area") != "yes" and len(refs) >= 2:
                read.ways.append((name, refs))
                continue
            place = tags.get("place")
            if isinstance(obj, osmium.osm.Node) and place in PLACES:
                read.places.append((*point, name, place))
                continue
            category = _category(tags)
            if category is not None:
                read.pois.append((*point, name, category, tags.get("addr:city", "")))
    except RuntimeError as exc:  # osmium's own read errors
        raise Invalid(f"cannot read {path.name} as OSM data: {exc}", code="bad_osm") from exc
    finally:
        bar.close()
    return read


class _Projection:
    """A local equirectangular projection (metres) around a latitude."""

    def __init__(self, lat0: float) -> None:
        per_degree = EARTH_RADIUS_M * np.pi / 180.0
        self.kx, self.ky = per_degree * np.cos(np.radians(lat0)), per_degree

    def xy(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack((np.asarray(lon) * self.kx, np.asarray(lat) * self.ky))


def _densify(
    refs: list[tuple[int, float, float]], proj: _Projection
) -> tuple[list[tuple[float, float]], list[int]]:
    """The points of a way, with points added so none is more than STEP_M from the next,
    and where each of the way's own nodes is among them."""
    out = [(refs[0][1], refs[0][2])]
    at = [0]
    for (_, lat1, lon1), (_, lat2, lon2) in itertools.pairwise(refs):
        dx, dy = (lon2 - lon1) * proj.kx, (lat2 - lat1) * proj.ky
        steps = int(np.hypot(dx, dy) // STEP_M) + 1
        for s in range(1, steps + 1):
            t = s / steps
            out.append((lat1 + (lat2 - lat1) * t, lon1 + (lon2 - lon1) * t))
        at.append(len(out) - 1)
    return out, at


class _Localities:
    """The nearest named place (city, town, village, ...) of a point."""

    def __init__(self, places: list[tuple[float, float, str, str]], proj: _Projection) -> None:
        chosen = [p for p in places if p[3] in LOCALITIES]
        self.names = [p[2] for p in chosen]
        self.proj = proj
        self.tree = (
            cKDTree(proj.xy(np.array([p[0] for p in chosen]), np.array([p[1] for p in chosen])))
            if chosen
            else None
        )

    def near(self, lat: float, lon: float) -> str:
        if self.tree is None:
            return ""
        d, k = self.tree.query(self.proj.xy(np.array([lat]), np.array([lon]))[0])
        return self.names[int(k)] if d <= PLACE_RADIUS_M else ""


def build_gazetteer(source: str | Path, *, progress: bool = True) -> GazetteerData:
    """Read an OSM extract's addresses, streets, intersections, places and POIs."""
    path = Path(source)
    if not path.is_file():
        raise Invalid(f"no OSM file at {path}", code="not_a_file")
    read = _read(path, progress)
    lats = [a[0] for a in read.addresses] + [p[0] for p in read.places]
    lats += [r[1] for _, refs in read.ways for r in refs[:1]] + [p[0] for p in read.pois]
    lons = [a[1] for a in read.addresses] + [p[1] for p in read.places]
    lons += [r[2] for _, refs in read.ways for r in refs[:1]] + [p[1] for p in read.pois]
    if not lats:
        raise Invalid(f"{path.name} holds no addresses, streets or places", code="no_places")
    lat0 = float(np.mean(lats))
    proj = _Projection(lat0)
    localities = _Localities(read.places, proj)
    rows = _Rows()

    # Streets: densified points, merged by name within MERGE_M.
    point_lat: list[float] = []
    point_lon: list[float] = []
    point_name: list[int] = []
    node_point: dict[tuple[int, int], int] = {}  # (node ref, name) -> a point index
    names: dict[str, int] = {}
    for name, refs in read.ways:
        n = names.setdefault(name, len(names))
        first = len(point_lat)
        points, at = _densify(refs, proj)
        for lat, lon in points:
            point_lat.append(lat)
            point_lon.append(lon)
            point_name.append(n)
        for (ref, _, _), k in zip(refs, at, strict=True):
            node_point.setdefault((ref, n), first + k)
    street_entry = np.empty(0, dtype=np.int32)
    plat, plon = np.array(point_lat), np.array(point_lon)
    cluster_entry: NDArray[np.int64] = np.empty(0, dtype=np.int64)
    cluster = np.empty(0, dtype=np.int64)
    if point_lat:
        pname = np.array(point_name)
        xy = proj.xy(plat, plon)
        pairs = cKDTree(xy).query_pairs(MERGE_M, output_type="ndarray")
        same = pname[pairs[:, 0]] == pname[pairs[:, 1]] if len(pairs) else np.empty(0, bool)
        pairs = pairs[same]
        # Consecutive points of one way are one street, however far apart.
        n = len(point_lat)
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)).tocsr()
        _, cluster = connected_components(graph, directed=False)
        order = np.argsort(cluster, kind="stable")
        bounds = np.flatnonzero(np.diff(cluster[order])) + 1
        by_name = {v: k for k, v in names.items()}
        cluster_entry = np.empty(int(cluster.max()) + 1, dtype=np.int64)
        for members in np.split(order, bounds):
            c = int(cluster[members[0]])
            centre = xy[members].mean(axis=0)
            nearest = members[int(np.argmin(((xy[members] - centre) ** 2).sum(axis=1)))]
            name = by_name[int(pname[members[0]])]
            cluster_entry[c] = rows.add(Kind.STREET, plat[nearest], plon[nearest], name)
        street_entry = cluster_entry[cluster].astype(np.int32)

    # Addresses, with their street's locality when they have no addr:city.
    street_points = cKDTree(proj.xy(plat, plon)) if point_lat else None
    street_cities: dict[int, Counter[str]] = {}
    address_rows: list[tuple[int, str]] = []
    for lat, lon, street, number, city in read.addresses:
        i = rows.add(Kind.ADDRESS, lat, lon, street, number=number)
        address_rows.append((i, city))
        if city and street_points is not None and street in names:
            n = names[street]
            d, ks = street_points.query(proj.xy(np.array([lat]), np.array([lon]))[0], k=8)
            for dist, k in zip(np.atleast_1d(d), np.atleast_1d(ks), strict=True):
                if np.isfinite(dist) and dist <= MERGE_M and point_name[int(k)] == n:
                    entry = int(street_entry[int(k)])
                    street_cities.setdefault(entry, Counter())[city] += 1
                    break
    street_locality: dict[int, str] = {}
    for entry in set(cluster_entry.tolist()):
        cities = street_cities.get(entry)
        street_locality[entry] = (
            cities.most_common(1)[0][0]
            if cities
            else localities.near(rows.lat[entry], rows.lon[entry])
        )
        rows.locality[entry] = rows.string(street_locality[entry])
    for i, city in address_rows:
        locality = city
        if not locality and street_points is not None:
            d, k = street_points.query(proj.xy(np.array([rows.lat[i]]), np.array([rows.lon[i]]))[0])
            if d <= MERGE_M and rows.name[int(street_entry[int(k)])] == rows.name[i]:
                locality = street_locality.get(int(street_entry[int(k)]), "")
        rows.locality[i] = rows.string(locality or localities.near(rows.lat[i], rows.lon[i]))

    # Intersections: a node on ways of two names; one per pair of names within MERGE_M.
    names_at: dict[int, set[int]] = {}
    for (ref, n), _ in node_point.items():
        names_at.setdefault(ref, set()).add(n)
    by_name = {v: k for k, v in names.items()}
    crossings: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for ref, ns in names_at.items():
        if len(ns) < 2:
            continue
        ordered = sorted(ns, key=lambda n: fold(by_name[n]))
        for a_i, a in enumerate(ordered):
            for b in ordered[a_i + 1 :]:
                p = node_point[(ref, a)]
                point = (plat[p], plon[p])
                seen = crossings.setdefault((a, b), [])
                xy0 = proj.xy(np.array([point[0]]), np.array([point[1]]))[0]
                if any(
                    np.hypot(*(proj.xy(np.array([q[0]]), np.array([q[1]]))[0] - xy0)) < MERGE_M
                    for q in seen
                ):
                    continue
                seen.append(point)
                entry = int(street_entry[p])
                rows.add(
                    Kind.INTERSECTION,
                    *point,
                    f"{by_name[a]} & {by_name[b]}",
                    locality=street_locality.get(entry, ""),
                )

    for lat, lon, name, place in read.places:
        rows.add(Kind.PLACE, lat, lon, name, category=place)
    for lat, lon, name, category, city in read.pois:
        rows.add(
            Kind.POI, lat, lon, name, category=category, locality=city or localities.near(lat, lon)
        )

    strings = sorted(rows.strings, key=rows.strings.__getitem__)
    lon_mean = float(np.mean(lons))
    return GazetteerData(
        kind=np.array(rows.kind, dtype=np.uint8),
        lat=_fixed(rows.lat),
        lon=_fixed(rows.lon),
        name_id=np.array(rows.name, dtype=np.int32),
        number_id=np.array(rows.number, dtype=np.int32),
        locality_id=np.array(rows.locality, dtype=np.int32),
        category_id=np.array(rows.category, dtype=np.int32),
        street_lat=_fixed(point_lat),
        street_lon=_fixed(point_lon),
        street_entry=street_entry.astype(np.int32),
        strings=strings,
        meta={
            "source": path.name,
            "center_lat": lat0,
            "center_lon": lon_mean,
            # House number before the street in the Americas ("38 Main Street").
            "number_first": lon_mean < -30.0,
            "attribution": "© OpenStreetMap contributors (ODbL 1.0)",
        },
    )


def _fixed(values: list[float] | NDArray[np.float64]) -> NDArray[np.int32]:
    return np.round(np.asarray(values, dtype=np.float64) * SCALE).astype(np.int32)


def import_addresses(
    source: str | Path, out: str | Path | None = None, *, progress: bool = True
) -> GazetteerSummary:
    """Build the gazetteer of an OSM extract and save it (default ``./NAME.addresses.npz``)."""
    started = time.perf_counter()
    source = Path(source)
    data = build_gazetteer(source, progress=progress)
    target = Path(out) if out is not None else Path.cwd() / f"{_stem(source)}.addresses.npz"
    save_gazetteer(data, target)
    counts = Counter(Kind(k).label for k in data.kind.tolist())
    summary = GazetteerSummary(
        source=str(source),
        output=str(target),
        counts={
            f"{k.label}es" if k is Kind.ADDRESS else f"{k.label}s": counts[k.label] for k in Kind
        },
        seconds=time.perf_counter() - started,
        megabytes=target.stat().st_size / 1e6,
    )
    logger.info("imported addresses: %s", "; ".join(summary.lines()))
    return summary


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".osm.pbf", ".osm.bz2", ".osm", ".pbf"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem
