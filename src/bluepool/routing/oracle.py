"""Drive times on the road network: the ``TravelTimes`` a collective uses once it loads roads.

``RoadTravelTimes`` answers the recommender's question, "how long would each of these units
take to reach this incident?", with one reverse search from the incident over a contraction
hierarchy (see ``bluepool.routing.hierarchy``). Places are snapped to the nearest road
(``bluepool.routing.snapping``); the legs between a place and its road are added at a slow
speed (20 km/h by default), so an ETA never pretends a unit is on the road when it is not.

A place farther than ``max_snap_m`` (1 km) from every road, a unit's position or the
incident, is reached *off road*: by road to its nearest road point, then the straight
distance times a detour factor (1.3) on foot (5 km/h). ``trips`` says how many metres of
each trip are off road, so the recommender can mark such an ETA approximate. Only a unit
with no road route at all to the incident (a network in pieces) gets ``None``
(docs/decisions/0017).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csgraph

from bluepool.domain.shared.geo import Location, distance_m
from bluepool.domain.shared.geojson import Feature
from bluepool.routing.hierarchy import build_hierarchy
from bluepool.routing.network import RoadNetwork, load_network
from bluepool.routing.snapping import Snap, SnapBatch, Snapper

FloatArray = NDArray[np.float64]

_LAT = attrgetter("lat")
_LON = attrgetter("lon")

#: Speed in km/h of the legs between a place and its road (a car park, a yard, a field).
SNAP_SPEED_KMH = 20.0
#: Speed in km/h, and detour over the straight line, of a leg off road (farther than
#: ``max_snap_m`` from every road): on foot, across country.
OFFROAD_SPEED_KMH = 5.0
OFFROAD_DETOUR = 1.3


class RoadTravelTimes:
    """Drive times over a compiled road network; implements ``TravelTimes``."""

    method = "by road"

    def __init__(
        self,
        network: RoadNetwork,
        *,
        max_snap_m: float = 1_000.0,
        snap_speed_kmh: float = SNAP_SPEED_KMH,
        snap_spacing_m: float = 25.0,
        offroad_speed_kmh: float = OFFROAD_SPEED_KMH,
        offroad_detour: float = OFFROAD_DETOUR,
    ) -> None:
        if network.hierarchy is None:
            network = network.with_hierarchy(
                build_hierarchy(network.indptr, network.indices, network.weights)
            )
        assert network.hierarchy is not None
        if not (snap_speed_kmh > 0 and offroad_speed_kmh > 0):
            raise ValueError("the snapping and off-road speeds must be positive")
        if not offroad_detour >= 1:
            raise ValueError("the off-road detour factor must be at least 1")
        self.network = network
        self.hierarchy = network.hierarchy
        self.snapper = Snapper(network, max_distance_m=max_snap_m, spacing_m=snap_spacing_m)
        self.segments = self.snapper.segments
        self.snap_speed_ms = snap_speed_kmh / 3.6
        self.max_snap_m = max_snap_m
        #: Seconds per metre of straight distance off road.
        self.offroad_s_per_m = offroad_detour / (offroad_speed_kmh / 3.6)
        self._roads: Feature | None = None

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> RoadTravelTimes:
        """Load a compiled network (``bluepool import roads``) and answer over it."""
        return cls(load_network(path), **options)

    def roads(self) -> Feature:
        """Return the roads as GeoJSON (computed once)."""
        if self._roads is None:
            self._roads = roads_geojson(self.network)
        return self._roads

    def snap(self, location: Location) -> Snap:
        """Snap a place to the network; raise ``SnapError`` when it is too far from any road."""
        return self.snapper.snap(location)

    def to_destination(
        self, origins: Sequence[Location], destination: Location
    ) -> list[float | None]:
        """Return each origin's drive time in seconds to the destination (None: no route),
        off-road legs included."""
        return self.trips(origins, destination)[0]

    def trips(
        self, origins: Sequence[Location], destination: Location
    ) -> tuple[list[float | None], list[float]]:
        """Return each origin's time in seconds to the destination (None: no route) and the
        metres of its trip off road (the origin's leg and the destination's, each counted
        when longer than ``max_snap_m``)."""
        target = self.snapper.nearest(destination)
        if not origins:
            return [], []
        batch = self._snap_all(origins)
        seconds = self.seconds_to(batch, target)
        off = self._offroad_m(batch.distance_m) + self._offroad_m(np.array(target.distance_m))
        return [s if s != math.inf else None for s in seconds.tolist()], off.tolist()

    def _offroad_m(self, distance: FloatArray) -> FloatArray:
        result: FloatArray = np.where(distance > self.max_snap_m, distance, 0.0)
        return result

    def _legs_s(self, distance: FloatArray) -> FloatArray:
        """Seconds of the legs between places and their road points: at the snapping speed
        up to ``max_snap_m``, beyond it off road."""
        with np.errstate(invalid="ignore"):
            result: FloatArray = np.where(
                distance > self.max_snap_m,
                distance * self.offroad_s_per_m,
                distance / self.snap_speed_ms,
            )
        return result

    def table(
        self, origins: Sequence[Location], destinations: Sequence[Location]
    ) -> list[list[float | None]]:
        """Return times from every origin (rows) to every destination (columns), off-road
        legs included; one reverse search per destination."""
        targets = [self.snapper.nearest(d) for d in destinations]
        batch = self._snap_all(origins)
        columns = [self.seconds_to(batch, t) for t in targets]
        if not columns:
            return [[] for _ in origins]
        grid = np.column_stack(columns)
        return [[s if s != math.inf else None for s in row] for row in grid.tolist()]

    def _snap_all(self, places: Sequence[Location]) -> SnapBatch:
        n = len(places)
        lat = np.fromiter(map(_LAT, places), dtype=np.float64, count=n)
        lon = np.fromiter(map(_LON, places), dtype=np.float64, count=n)
        return self.snapper.snap_many(lat, lon)

    def seconds_to(self, origins: SnapBatch, target: Snap) -> FloatArray:
        """Return drive times from snapped origins to a snapped destination (``inf``: none)."""
        seg = self.segments
        s, f = origins.segment, origins.fraction
        # An origin at a node leaves from that node; one inside a segment drives back to
        # ``a`` or on to ``b``, in the directions the segment allows.
        at_node = (f == 0.0) | (f == 1.0)
        first = np.where(f == 1.0, seg.b[s], seg.a[s])
        with np.errstate(invalid="ignore"):
            to_first = np.where(at_node, 0.0, f * seg.backward_s[s])
        inside = np.flatnonzero(~at_node)
        times = self.hierarchy.times_to(
            self._arrivals(target), np.concatenate([first, seg.b[s[inside]]])
        )
        k = len(s)
        on_road = to_first + times[:k]
        to_b = (1.0 - f[inside]) * seg.forward_s[s[inside]]
        on_road[inside] = np.minimum(on_road[inside], to_b + times[k:])
        same = (s == target.segment) & (f > 0.0) & (f < 1.0)
        if same.any():
            on_road[same] = np.minimum(on_road[same], self._along(f[same], target))
        legs = self._legs_s(origins.distance_m) + self._legs_s(np.array(target.distance_m))
        result: FloatArray = on_road + legs
        return result

    def _arrivals(self, target: Snap) -> list[tuple[int, float]]:
        """Return the nodes the destination is reached from, with the seconds from each."""
        if target.fraction == 0.0:
            return [(target.a, 0.0)]
        if target.fraction == 1.0:
            return [(target.b, 0.0)]
        seg = self.segments
        return [
            (target.a, target.fraction * float(seg.forward_s[target.segment])),
            (target.b, (1.0 - target.fraction) * float(seg.backward_s[target.segment])),
        ]

    def _along(self, fraction: FloatArray, target: Snap) -> FloatArray:
        """Seconds from points on the destination's own segment straight along it."""
        seg = self.segments
        ahead = target.fraction - fraction
        forward = float(seg.forward_s[target.segment])
        backward = float(seg.backward_s[target.segment])
        with np.errstate(invalid="ignore"):
            result: FloatArray = np.where(
                ahead > 0, ahead * forward, np.where(ahead < 0, -ahead * backward, 0.0)
            )
        return result

    def route(self, origin: Location, destination: Location) -> Feature:
        """Return the fastest route as a GeoJSON Feature with a LineString geometry.

        Its properties give ``duration_s`` (the same ETA ``to_destination`` gives),
        ``length_m`` and both snapping distances (a leg longer than ``max_snap_m`` is off
        road, drawn straight).
        """
        start, end = self.snapper.nearest(origin), self.snapper.nearest(destination)
        batch = self.snapper.snap_many(np.array([origin.lat]), np.array([origin.lon]))
        seconds = float(self.seconds_to(batch, end)[0])
        path = self._fastest_path(start, end, limit=seconds)
        coords = [(origin.lon, origin.lat), (start.snapped.lon, start.snapped.lat)]
        coords += [(float(self.network.lon[v]), float(self.network.lat[v])) for v in path]
        coords += [(end.snapped.lon, end.snapped.lat), (destination.lon, destination.lat)]
        line = [list(c) for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
        if len(line) == 1:
            line.append(list(line[0]))
        length = sum(
            distance_m(Location(a[1], a[0]), Location(b[1], b[0]))
            for a, b in itertools.pairwise(line)
        )
        return {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": line},
            "properties": {
                "duration_s": seconds,
                "length_m": length,
                "origin_snap_m": start.distance_m,
                "destination_snap_m": end.distance_m,
                "method": self.method,
            },
        }

    def _fastest_path(self, start: Snap, end: Snap, *, limit: float) -> list[int]:
        """Return the nodes driven through from ``start`` to ``end`` (may be empty).

        A plain Dijkstra on the road graph with predecessors, bounded by the ETA the
        hierarchy already gave (``limit``): this is for drawing one route, not for ranking.
        """
        seg = self.segments
        f = start.fraction
        to_a = 0.0 if f == 0.0 else f * float(seg.backward_s[start.segment])
        to_b = 0.0 if f == 1.0 else (1.0 - f) * float(seg.forward_s[start.segment])
        leave = [(v, s) for v, s in ((start.a, to_a), (start.b, to_b)) if math.isfinite(s)]
        arrive = [(v, s) for v, s in self._arrivals(end) if math.isfinite(s)]
        dist, pred = csgraph.dijkstra(
            self.network.matrix(),
            indices=[v for v, _ in leave],
            return_predecessors=True,
            limit=limit * (1 + 1e-9) + 1e-6,
        )
        best, best_path = math.inf, []
        if start.segment == end.segment and 0.0 < f < 1.0:
            best = float(self._along(np.array([f]), end)[0])
        for i, (v, out) in enumerate(leave):
            for w, into in arrive:
                total = out + float(dist[i, w]) + into
                if total < best:
                    best, best_path = total, _walk(pred[i], v, w)
        return best_path


def _walk(predecessors: NDArray[np.int32], source: int, target: int) -> list[int]:
    """Return the nodes from ``source`` to ``target`` along a Dijkstra predecessor tree."""
    path = [target]
    while path[-1] != source:
        path.append(int(predecessors[path[-1]]))
    path.reverse()
    return path


def roads_geojson(network: RoadNetwork, decimals: int = 5) -> Feature:
    """Return the network's roads as one GeoJSON MultiLineString (each road segment once,
    whatever its directions), for drawing a map without a tile server."""
    tails = network.tails().astype(np.int64)
    heads = network.indices.astype(np.int64)
    a, b = np.minimum(tails, heads), np.maximum(tails, heads)
    pairs = np.unique(np.stack([a, b], axis=1), axis=0)
    lon = np.round(network.lon, decimals)
    lat = np.round(network.lat, decimals)
    segments = np.stack(
        [lon[pairs[:, 0]], lat[pairs[:, 0]], lon[pairs[:, 1]], lat[pairs[:, 1]]], axis=1
    ).reshape(-1, 2, 2)
    return {
        "type": "Feature",
        "geometry": {"type": "MultiLineString", "coordinates": segments.tolist()},
        "properties": {"segments": len(pairs), "source": network.meta.get("source", "")},
    }
