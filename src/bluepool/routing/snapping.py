"""Snapping: putting a place on the road network.

A unit's GPS fix or an incident's address is rarely on a road's centre line. Snapping finds
the nearest point of the nearest road segment and says how far that was. A place farther
than a set distance (``max_distance_m``) from every road is *off the network*: ``snap``
refuses it (``SnapError``), ``nearest`` still gives its nearest road point, and the batch
marks it (``ok`` false) with its true distance, so the travel-time oracle can time the leg
off road as such (approximately, on foot) rather than as a drive.

The search uses a k-d tree (``scipy.spatial.cKDTree``) over points sampled along every
segment at most ``spacing_m`` apart, in a local equirectangular projection (metres), then
projects the place exactly onto the sampled point's segment. The snapped segment may thus be
up to ``spacing_m / 2`` farther than the very nearest one, never more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location
from bluepool.routing.network import EARTH_RADIUS_M, RoadNetwork, haversine_m

#: A place this close (metres) to a segment's end is at that node.
AT_NODE_M = 1.0


class SnapError(Invalid):
    """A place is too far from every road to drive to or from."""

    code = "off_network"


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a place meets the road network.

    The place is snapped onto ``segment``, between nodes ``a`` and ``b``, at ``fraction`` of
    the way from ``a`` to ``b`` (0 is ``a`` itself). ``distance_m`` is how far the place is
    from that point, the leg driven slowly off the road network.
    """

    location: Location
    snapped: Location
    distance_m: float
    segment: int
    a: int
    b: int
    fraction: float


@dataclass(frozen=True, slots=True)
class SnapBatch:
    """Snaps of many places at once, as arrays; ``ok`` is false where a place is off the
    network (farther than the snapper's ``max_distance_m``: ``distance_m`` says how far;
    ``inf`` only when the network has no road at all)."""

    ok: NDArray[np.bool_]
    segment: NDArray[np.int64]
    fraction: NDArray[np.float64]
    distance_m: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Segments:
    """The network's road segments, each once whatever its directions.

    ``forward_s`` is the time to drive the whole segment from ``a`` to ``b`` and
    ``backward_s`` from ``b`` to ``a``; ``inf`` where that direction is not allowed.
    """

    a: NDArray[np.int64]
    b: NDArray[np.int64]
    forward_s: NDArray[np.float64]
    backward_s: NDArray[np.float64]

    @classmethod
    def of(cls, network: RoadNetwork) -> Segments:
        n = network.node_count
        t = network.tails().astype(np.int64)
        h = network.indices.astype(np.int64)
        lo, hi = np.minimum(t, h), np.maximum(t, h)
        key, inverse = np.unique(lo * n + hi, return_inverse=True)
        forward = np.full(len(key), np.inf)
        backward = np.full(len(key), np.inf)
        up = t < h
        forward[inverse[up]] = network.weights[up]
        backward[inverse[~up]] = network.weights[~up]
        return cls(key // n, key % n, forward, backward)


class Snapper:
    """Snap places to a network's segments; see the module docstring."""

    def __init__(
        self,
        network: RoadNetwork,
        *,
        max_distance_m: float = 1_000.0,
        spacing_m: float = 25.0,
        segments: Segments | None = None,
        cache_size: int = 65_536,
    ) -> None:
        if not (max_distance_m > 0 and spacing_m > 0):
            raise ValueError("snapping distances must be positive")
        self.network = network
        self.max_distance_m = max_distance_m
        self.segments = segments or Segments.of(network)
        self._lat0 = float(np.mean(network.lat)) if network.node_count else 0.0
        self._kx = EARTH_RADIUS_M * math.cos(math.radians(self._lat0)) * math.pi / 180.0
        self._ky = EARTH_RADIUS_M * math.pi / 180.0
        x, y = self._project(network.lat, network.lon)
        self._x, self._y = x, y
        seg = self.segments
        length = np.hypot(x[seg.b] - x[seg.a], y[seg.b] - y[seg.a])
        pieces = np.maximum(1, np.ceil(length / spacing_m).astype(np.int64))
        # Samples at fractions 0, 1/k, ..., (k-1)/k of each segment, plus each segment's end.
        owner = np.repeat(np.arange(len(seg.a)), pieces)
        first = np.cumsum(pieces) - pieces
        frac = (np.arange(len(owner)) - np.repeat(first, pieces)) / np.repeat(pieces, pieces)
        owner = np.concatenate([owner, np.arange(len(seg.a))])
        frac = np.concatenate([frac, np.ones(len(seg.a))])
        sx = x[seg.a[owner]] + frac * (x[seg.b[owner]] - x[seg.a[owner]])
        sy = y[seg.a[owner]] + frac * (y[seg.b[owner]] - y[seg.a[owner]])
        self._owner = owner
        self._tree = cKDTree(np.column_stack([sx, sy]))
        self.cache_size = cache_size
        self._cache = _SnapCache.empty()

    def _project(
        self, lat: NDArray[np.float64], lon: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return lon * self._kx, lat * self._ky

    def snap_many(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> SnapBatch:
        """Snap many places (degrees) at once; places too far come back with ``ok`` false.

        Places snapped before are answered from a cache (units report the same position
        many times: at their station, parked on scene), the rest with the k-d tree.
        """
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        cache = self._cache
        hit, found = cache.find(lat, lon)
        if hit.all():
            return found
        miss = ~hit
        fresh = self._snap_uncached(lat[miss], lon[miss])
        self._cache = cache.adding(lat[miss], lon[miss], fresh, limit=self.cache_size)
        for name in ("ok", "segment", "fraction", "distance_m"):
            getattr(found, name)[miss] = getattr(fresh, name)
        return found

    def _snap_uncached(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> SnapBatch:
        px, py = self._project(lat, lon)
        # Unbounded: a place off the network still gets its nearest road point.
        _, sample = self._tree.query(np.column_stack([px, py]), k=1)
        found = sample < len(self._owner)
        segment = np.where(found, self._owner[np.minimum(sample, len(self._owner) - 1)], 0)
        seg = self.segments
        ax, ay = self._x[seg.a[segment]], self._y[seg.a[segment]]
        dx, dy = self._x[seg.b[segment]] - ax, self._y[seg.b[segment]] - ay
        span = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(span > 0, ((px - ax) * dx + (py - ay) * dy) / span, 0.0)
        t = np.clip(t, 0.0, 1.0)
        t = np.where(np.minimum(t, 1.0 - t) * np.sqrt(span) < AT_NODE_M, np.round(t), t)
        lat_a, lon_a = self.network.lat[seg.a[segment]], self.network.lon[seg.a[segment]]
        lat_b, lon_b = self.network.lat[seg.b[segment]], self.network.lon[seg.b[segment]]
        snap_lat = lat_a + t * (lat_b - lat_a)
        snap_lon = lon_a + t * (lon_b - lon_a)
        distance = np.where(found, haversine_m(lat, lon, snap_lat, snap_lon), np.inf)
        ok = found & (distance <= self.max_distance_m)
        return SnapBatch(ok=ok, segment=segment, fraction=t, distance_m=distance)

    def snap(self, location: Location) -> Snap:
        """Snap one place; raise ``SnapError`` when it is too far from every road."""
        found = self.nearest(location)
        if found.distance_m > self.max_distance_m:
            raise SnapError(
                f"({location.lat:.6f}, {location.lon:.6f}) is more than "
                f"{self.max_distance_m:,.0f} m from any road of the network"
            )
        return found

    def nearest(self, location: Location) -> Snap:
        """Snap one place however far it is from the roads (``distance_m`` says how far);
        raise ``SnapError`` only for a network without roads."""
        # One place (an incident) is rarely asked again: the k-d tree, not the cache.
        batch = self._snap_uncached(np.array([location.lat]), np.array([location.lon]))
        if not math.isfinite(float(batch.distance_m[0])):
            raise SnapError("the road network has no roads")
        seg = int(batch.segment[0])
        a, b = int(self.segments.a[seg]), int(self.segments.b[seg])
        t = float(batch.fraction[0])
        lat = float(self.network.lat[a] + t * (self.network.lat[b] - self.network.lat[a]))
        lon = float(self.network.lon[a] + t * (self.network.lon[b] - self.network.lon[a]))
        return Snap(location, Location(lat, lon), float(batch.distance_m[0]), seg, a, b, t)


@dataclass(frozen=True, eq=False)
class _SnapCache:
    """Snaps already made, keyed by the exact coordinates; sorted for ``searchsorted``.

    Immutable: a snapper swaps in a new cache in one assignment, so concurrent readers
    always see a consistent one.
    """

    key: NDArray[np.uint64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    snaps: SnapBatch

    @classmethod
    def empty(cls) -> _SnapCache:
        f = np.empty(0)
        return cls(
            np.empty(0, dtype=np.uint64),
            f,
            f,
            SnapBatch(np.empty(0, dtype=bool), np.empty(0, dtype=np.int64), f, f),
        )

    @staticmethod
    def _keys(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.uint64]:
        a = np.ascontiguousarray(lat).view(np.uint64)
        b = np.ascontiguousarray(lon).view(np.uint64)
        key: NDArray[np.uint64] = a * np.uint64(0x9E3779B97F4A7C15) ^ (
            b * np.uint64(0xC2B2AE3D27D4EB4F)
        )
        return key

    def find(
        self, lat: NDArray[np.float64], lon: NDArray[np.float64]
    ) -> tuple[NDArray[np.bool_], SnapBatch]:
        """Return which places are cached and a batch holding their snaps (others: blank)."""
        n = len(lat)
        if len(self.key) == 0:
            blank = SnapBatch(
                np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64), np.zeros(n), np.zeros(n)
            )
            return np.zeros(n, dtype=bool), blank
        key = self._keys(lat, lon)
        i = np.minimum(np.searchsorted(self.key, key), len(self.key) - 1)
        hit = (self.key[i] == key) & (self.lat[i] == lat) & (self.lon[i] == lon)
        s = self.snaps
        return hit, SnapBatch(s.ok[i] & hit, s.segment[i], s.fraction[i], s.distance_m[i])

    def adding(
        self, lat: NDArray[np.float64], lon: NDArray[np.float64], snaps: SnapBatch, *, limit: int
    ) -> _SnapCache:
        """Return a cache that also holds these snaps (starting afresh when full)."""
        base = self if len(self.key) + len(lat) <= limit else _SnapCache.empty()
        key, first = np.unique(self._keys(lat, lon), return_index=True)
        at = np.searchsorted(base.key, key)

        def merged(old: NDArray[Any], new: NDArray[Any]) -> NDArray[Any]:
            return np.insert(old, at, new[first])

        s, t = base.snaps, snaps
        return _SnapCache(
            np.insert(base.key, at, key),
            merged(base.lat, lat),
            merged(base.lon, lon),
            SnapBatch(
                merged(s.ok, t.ok),
                merged(s.segment, t.segment),
                merged(s.fraction, t.fraction),
                merged(s.distance_m, t.distance_m),
            ),
        )
