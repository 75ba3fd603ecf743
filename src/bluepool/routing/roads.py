"""Importing roads: an OpenStreetMap extract becomes a compiled road network.

The import keeps the ways a patrol car may drive (``highway=motorway`` down to ``residential``,
``service``, ``unclassified``, ``living_street``, the ``*_link`` ramps, ``road``, and tracks
only when an access tag opens them to cars), honours access restrictions (``access=no`` or
``private`` close a road unless ``motorcar``/``motor_vehicle``/``vehicle`` or ``emergency``
reopen it), builds directed edges (``oneway=yes/true/1``, ``-1``, roundabouts and motorways
implicitly one way), times each segment from ``maxspeed`` or the road class's default speed,
keeps the largest strongly connected component, contracts the hierarchy and saves it all.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import osmium
from tqdm import tqdm

from bluepool.domain.shared.errors import Invalid
from bluepool.routing import network as roadnet
from bluepool.routing.hierarchy import build_hierarchy
from bluepool.routing.network import RoadNetwork
from bluepool.routing.speeds import SpeedProfile, load_speed_profile

logger = logging.getLogger(__name__)

#: Access values that close a road to a patrol car (unless a more specific tag reopens it).
CLOSED = frozenset({"no", "private", "agricultural", "forestry", "delivery", "customers",
                    "permit", "use_sidepath", "military"})  # fmt: skip
#: Access values that open a road explicitly (needed for tracks).
OPEN = frozenset({"yes", "permissive", "designated", "destination", "official"})
ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
IMPLIED_ONEWAY = frozenset({"motorway", "motorway_link"})
ROUNDABOUTS = frozenset({"roundabout", "circular"})


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import read and kept, for the command line to print."""

    source: str
    output: str | None
    ways: int
    nodes: int
    edges: int
    road_km: float
    dropped_components: int
    dropped_nodes: int
    seconds: float
    megabytes: float

    def lines(self) -> list[str]:
        """Return the summary as lines a person reads."""
        lines = [
            f"read {self.ways:,} drivable ways from {self.source}",
            f"kept {self.nodes:,} nodes, {self.edges:,} directed edges, "
            f"{self.road_km:,.1f} km of road",
            f"dropped {self.dropped_nodes:,} nodes in {self.dropped_components:,} "
            "components that do not connect both ways to the largest one",
        ]
        if self.output is not None:
            lines.append(f"wrote {self.output} ({self.megabytes:.1f} MB) in {self.seconds:.1f} s")
        return lines


@dataclass(frozen=True, slots=True)
class WayRule:
    """How one way may be driven: directions and speed (km/h) each way."""

    forward: bool
    backward: bool
    forward_kmh: float
    backward_kmh: float


def way_rule(
    tags: Mapping[str, str], speeds: SpeedProfile, *, include_private: bool = False
) -> WayRule | None:
    """Return how a patrol car may drive a way with these tags, or None when it may not."""
    highway = tags.get("highway")
    if highway is None or tags.get("area") == "yes":
        return None
    if speeds.class_speed(highway) is None:
        return None
    if not _access_allows(tags, highway, include_private=include_private):
        return None
    forward, backward = _directions(tags, highway)
    if not (forward or backward):
        return None
    maxspeed = tags.get("maxspeed")
    fwd = speeds.way_speed(highway, tags.get("maxspeed:forward") or maxspeed)
    bwd = speeds.way_speed(highway, tags.get("maxspeed:backward") or maxspeed)
    assert fwd is not None
    assert bwd is not None
    return WayRule(forward, backward, fwd, bwd)


def _access_allows(tags: Mapping[str, str], highway: str, *, include_private: bool) -> bool:
    if tags.get("emergency") in {"yes", "designated"}:
        return True
    closed = CLOSED - {"private"} if include_private else CLOSED
    for key in ACCESS_KEYS:
        value = tags.get(key)
        if value is not None:
            value = value.split(";")[0].strip()
            if highway == "track":
                return value in OPEN or (include_private and value == "private")
            return value not in closed
    # A track with no access tag is a farm or forest track: not for cars by default.
    return highway != "track"


def _directions(tags: Mapping[str, str], highway: str) -> tuple[bool, bool]:
    oneway = tags.get("oneway")
    if oneway in {"yes", "true", "1"}:
        return True, False
    if oneway in {"-1", "reverse"}:
        return False, True
    if oneway == "reversible":  # direction changes by the hour: never count on it
        return False, False
    if oneway in {"no", "false", "0", "alternating"}:
        return True, True
    if highway in IMPLIED_ONEWAY or tags.get("junction") in ROUNDABOUTS:
        return True, False
    return True, True


def read_roads(
    source: str | Path,
    *,
    speeds: SpeedProfile | None = None,
    include_private: bool = False,
    progress: bool = True,
) -> tuple[RoadNetwork, int]:
    """Read the drivable ways of an OSM file (.osm.pbf or .osm XML) into a network.

    Returns the whole directed network (before keeping its largest component) and the
    number of ways read.
    """
    speeds = speeds or SpeedProfile()
    path = Path(source)
    if not path.is_file():
        raise Invalid(f"no OSM file at {path}", code="not_a_file")
    refs: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    sizes: list[int] = []
    rules: list[WayRule] = []
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    bar = tqdm(desc="reading ways", unit=" ways", file=sys.stderr, disable=not progress)
    try:
        for way in processor:
            bar.update()
            if not isinstance(way, osmium.osm.Way):
                continue
            tags = {tag.k: tag.v for tag in way.tags}
            rule = way_rule(tags, speeds, include_private=include_private)
            if rule is None or len(way.nodes) < 2:
                continue
            for nd in way.nodes:
                loc = nd.location
                refs.append(nd.ref)
                if loc.valid():
                    lats.append(loc.lat)
                    lons.append(loc.lon)
                else:
                    lats.append(np.nan)
                    lons.append(np.nan)
            sizes.append(len(way.nodes))
            rules.append(rule)
    except RuntimeError as exc:  # osmium's own read errors
        raise Invalid(f"cannot read {path.name} as OSM data: {exc}", code="bad_osm") from exc
    finally:
        bar.close()
    return _network_from_ways(refs, lats, lons, sizes, rules, source=path.name), len(rules)


def _network_from_ways(
    refs: list[int],
    lats: list[float],
    lons: list[float],
    sizes: list[int],
    rules: list[WayRule],
    *,
    source: str,
) -> RoadNetwork:
    ref = np.asarray(refs, dtype=np.int64)
    lat = np.asarray(lats, dtype=np.float64)
    lon = np.asarray(lons, dtype=np.float64)
    way = np.repeat(np.arange(len(sizes)), sizes)
    valid = np.isfinite(lat) & np.isfinite(lon)
    # A segment joins two consecutive points of one way, both with a known location.
    seg = np.flatnonzero((way[:-1] == way[1:]) & valid[:-1] & valid[1:])
    used = np.zeros(len(ref), dtype=bool)
    used[seg] = used[seg + 1] = True
    osm_ids, first, node_of = np.unique(ref[used], return_index=True, return_inverse=True)
    point_node = np.full(len(ref), -1, dtype=np.int64)
    point_node[used] = node_of
    node_lat, node_lon = lat[used][first], lon[used][first]
    a, b = point_node[seg], point_node[seg + 1]
    length = roadnet.haversine_m(lat[seg], lon[seg], lat[seg + 1], lon[seg + 1])
    seg_way = way[seg]
    fwd = np.array([r.forward for r in rules], dtype=bool)[seg_way]
    bwd = np.array([r.backward for r in rules], dtype=bool)[seg_way]
    fwd_ms = np.array([r.forward_kmh for r in rules])[seg_way] / 3.6
    bwd_ms = np.array([r.backward_kmh for r in rules])[seg_way] / 3.6
    tails = np.concatenate([a[fwd], b[bwd]])
    heads = np.concatenate([b[fwd], a[bwd]])
    seconds = np.concatenate([length[fwd] / fwd_ms[fwd], length[bwd] / bwd_ms[bwd]])
    return roadnet.from_edges(
        tails, heads, seconds, node_lat, node_lon, osm_ids=osm_ids, meta={"source": source}
    )


def road_km(network: RoadNetwork) -> float:
    """Return the length of road in a network, counting a two-way segment once."""
    t = network.tails().astype(np.int64)
    h = network.indices.astype(np.int64)
    key = np.minimum(t, h) * network.node_count + np.maximum(t, h)
    _, first = np.unique(key, return_index=True)
    return float(network.edge_lengths_m()[first].sum() / 1000.0)


def compile_network(network: RoadNetwork, *, progress: bool = True) -> RoadNetwork:
    """Return the network with its contraction hierarchy built."""
    bar = tqdm(
        total=network.node_count,
        desc="contracting",
        unit=" nodes",
        file=sys.stderr,
        disable=not progress,
    )

    def advance(done: int, total: int) -> None:
        bar.update(done - bar.n)

    try:
        hierarchy = build_hierarchy(
            network.indptr, network.indices, network.weights, progress=advance
        )
    finally:
        bar.close()
    return network.with_hierarchy(hierarchy)


def import_roads(
    source: str | Path,
    out: str | Path | None = None,
    *,
    speeds: SpeedProfile | str | Path | None = None,
    include_private: bool = False,
    keep_osm_ids: bool = True,
    compress: bool = False,
    progress: bool = True,
) -> ImportSummary:
    """Import an OSM extract's roads and save the compiled network.

    ``out`` defaults to ``<name>.roads.npz`` in the current directory. ``speeds`` is a
    profile or the path of a speed file (see ``bluepool.routing.speeds``). Progress bars go
    to stderr unless ``progress`` is false.
    """
    started = time.perf_counter()
    source = Path(source)
    if speeds is None:
        profile = SpeedProfile()
    elif isinstance(speeds, SpeedProfile):
        profile = speeds
    else:
        profile = load_speed_profile(speeds)
    whole, ways = read_roads(
        source, speeds=profile, include_private=include_private, progress=progress
    )
    if whole.node_count == 0:
        raise Invalid(f"{source.name} holds no drivable roads", code="no_roads")
    kept, dropped = roadnet.largest_component(whole)
    if kept.edge_count == 0:
        raise Invalid(
            f"{source.name} holds no roads that can be driven both to and from", code="no_roads"
        )
    meta: dict[str, Any] = {
        "source": source.name,
        "ways": ways,
        "speeds": dict(profile.classes),
        "maxspeed_factor": profile.maxspeed_factor,
        "include_private": include_private,
        "attribution": "© OpenStreetMap contributors (ODbL 1.0)",
    }
    kept = RoadNetwork(
        kept.indptr,
        kept.indices,
        kept.weights,
        kept.lat,
        kept.lon,
        kept.osm_ids if keep_osm_ids else None,
        meta,
    )
    compiled = compile_network(kept, progress=progress)
    target = Path(out) if out is not None else Path.cwd() / f"{_stem(source)}.roads.npz"
    roadnet.save_network(compiled, target, compress=compress)
    summary = ImportSummary(
        source=str(source),
        output=str(target),
        ways=ways,
        nodes=compiled.node_count,
        edges=compiled.edge_count,
        road_km=road_km(compiled),
        dropped_components=dropped.dropped_components,
        dropped_nodes=dropped.dropped_nodes,
        seconds=time.perf_counter() - started,
        megabytes=target.stat().st_size / 1e6,
    )
    logger.info("imported roads: %s", "; ".join(summary.lines()))
    return summary


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".osm.pbf", ".osm.bz2", ".osm", ".pbf"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem
