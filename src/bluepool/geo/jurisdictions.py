"""Point-in-jurisdiction lookups over the collective's polygons (shapely 2 STRtree).

Real boundaries do not tile the plane. Two neighbours' polygons may overlap (digitised at
different times, or a real shared area), and a point may fall in no polygon at all (a
sliver between two towns, unincorporated land, a point just off the coast). The index makes
both cases explicit:

- **overlap**: a point inside several jurisdictions goes to the first one listed; the others
  are reported in ``Placement.also_in``, and ``overlaps()`` lists every overlapping pair with
  its area so an administrator can fix the data or the order;
- **gap**: with ``on_gap="none"`` (the default) a point outside every jurisdiction has none;
  with ``on_gap="nearest"`` it goes to the nearest jurisdiction within ``max_gap_m`` metres.

Distances and areas are measured in a local equirectangular projection (metres) centred on
the jurisdictions, accurate to well under 1 % across a region the size of a county.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import shapely
from numpy.typing import NDArray

from bluepool.domain.collective.agencies import Jurisdiction
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import EARTH_RADIUS_M, Location
from bluepool.domain.shared.ids import JurisdictionId

GapPolicy = Literal["none", "nearest"]
How = Literal["inside", "nearest", "gap"]

#: Two jurisdictions overlap when they share at least this many square metres: well above
#: the rounding error of a border both polygons trace, far below a single house.
MIN_OVERLAP_M2 = 1.0


@dataclass(frozen=True, slots=True)
class Placement:
    """Which jurisdiction a point belongs to, and why.

    ``how`` is ``inside`` (the point is in the jurisdiction), ``nearest`` (in a gap, given to
    the nearest jurisdiction ``distance_m`` away) or ``gap`` (in a gap, given to none).
    ``also_in`` lists the other jurisdictions the point is inside (an overlap).
    """

    jurisdiction_id: JurisdictionId | None
    how: How
    distance_m: float = 0.0
    also_in: tuple[JurisdictionId, ...] = ()


@dataclass(frozen=True, slots=True)
class Overlap:
    """Two jurisdictions whose polygons share ``area_m2`` square metres."""

    first: JurisdictionId
    second: JurisdictionId
    area_m2: float


class JurisdictionIndex:
    """Find the jurisdiction a point lies in; see the module docstring for gaps and overlaps."""

    def __init__(
        self,
        jurisdictions: Sequence[Jurisdiction],
        *,
        on_gap: GapPolicy = "none",
        max_gap_m: float = 500.0,
    ) -> None:
        if on_gap not in ("none", "nearest"):
            raise Invalid(f"on_gap must be 'none' or 'nearest', not {on_gap!r}")
        if not (math.isfinite(max_gap_m) and max_gap_m >= 0):
            raise Invalid(f"max_gap_m must be a distance in metres, not {max_gap_m}")
        self.on_gap: GapPolicy = on_gap
        self.max_gap_m = max_gap_m
        self._ids = [j.id for j in jurisdictions]
        self._geoms = np.array(
            [shapely.geometry.shape(j.geometry) for j in jurisdictions], dtype=object
        )
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)

    def locate(self, location: Location) -> JurisdictionId | None:
        return self.locate_many([location])[0]

    def locate_many(self, locations: Sequence[Location]) -> list[JurisdictionId | None]:
        """Return the jurisdiction of each location (None: in a gap, per ``on_gap``)."""
        index, _, _ = self._place(locations)
        return [None if i < 0 else self._ids[i] for i in index.tolist()]

    def place(self, location: Location) -> Placement:
        return self.place_many([location])[0]

    def place_many(self, locations: Sequence[Location]) -> list[Placement]:
        """Return each location's jurisdiction with how it was found and any overlap."""
        index, distance, hits = self._place(locations)
        point_idx, geom_idx = hits
        others: list[list[JurisdictionId]] = [[] for _ in locations]
        for p, g in zip(point_idx.tolist(), geom_idx.tolist(), strict=True):
            if g != index[p]:
                others[p].append(self._ids[g])
        placements = []
        for p, i in enumerate(index.tolist()):
            also = tuple(others[p])
            if i >= 0 and distance[p] == 0.0:
                placements.append(Placement(self._ids[i], "inside", 0.0, also))
            elif i >= 0:
                placements.append(Placement(self._ids[i], "nearest", float(distance[p])))
            else:
                placements.append(Placement(None, "gap", float(distance[p])))
        return placements

    def nearest(self, location: Location) -> tuple[JurisdictionId, float] | None:
        """Return the jurisdiction nearest to a point however far (0 m when inside one) and
        its distance in metres; None when there are no jurisdictions."""
        if not self._ids:
            return None
        x, y = self._project(np.array([location.lon]), np.array([location.lat]))
        d = shapely.distance(shapely.points(x[0], y[0]), self._projected)
        i = int(np.argmin(d))
        return self._ids[i], float(d[i])

    def overlaps(self, min_area_m2: float = MIN_OVERLAP_M2) -> list[Overlap]:
        """List every pair of jurisdictions that overlap by at least ``min_area_m2``.

        Neighbours that only share a border overlap by zero square metres and are not listed.
        This is the one measure of overlap: the CLI's boundary import and the collective
        file's warnings both use it.
        """
        if len(self._ids) < 2:
            return []
        projected = self._projected
        a, b = self._projected_tree.query(projected, predicate="intersects")
        pair = a < b
        a, b = a[pair], b[pair]
        area = shapely.area(shapely.intersection(projected[a], projected[b]))
        keep = area >= min_area_m2
        return [
            Overlap(self._ids[i], self._ids[j], float(m2))
            for i, j, m2 in zip(
                a[keep].tolist(), b[keep].tolist(), area[keep].tolist(), strict=True
            )
        ]

    def _place(
        self, locations: Sequence[Location]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], tuple[NDArray[np.int64], NDArray[np.int64]]]:
        """Return each point's jurisdiction index (-1: none), its distance, and all hits."""
        n = len(locations)
        empty = np.empty(0, dtype=np.int64)
        if n == 0 or not self._ids:
            return np.full(n, -1, dtype=np.int64), np.full(n, math.inf), (empty, empty)
        lon = np.fromiter((loc.lon for loc in locations), dtype=np.float64, count=n)
        lat = np.fromiter((loc.lat for loc in locations), dtype=np.float64, count=n)
        point_idx, geom_idx = self._tree.query(shapely.points(lon, lat), predicate="intersects")
        # The first listed jurisdiction wins an overlap.
        first = np.full(n, len(self._ids), dtype=np.int64)
        np.minimum.at(first, point_idx, geom_idx)
        index = np.where(first < len(self._ids), first, -1)
        distance = np.where(index >= 0, 0.0, math.inf)
        if self.on_gap == "nearest":
            gap = np.flatnonzero(index < 0)
            if len(gap):
                near, metres = self._nearest(lat[gap], lon[gap])
                index[gap] = near
                distance[gap] = metres
        return index, distance, (point_idx.astype(np.int64), geom_idx.astype(np.int64))

    def _nearest(
        self, lat: NDArray[np.float64], lon: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Return the nearest jurisdiction within ``max_gap_m`` of each point (-1: none)."""
        x, y = self._project(lon, lat)
        points = shapely.points(x, y)
        p, g = self._projected_tree.query(points, predicate="dwithin", distance=self.max_gap_m)
        index = np.full(len(lat), -1, dtype=np.int64)
        best = np.full(len(lat), math.inf)
        if len(p) == 0:
            return index, best
        d = shapely.distance(points[p], self._projected[g])
        # Nearest first, then the first listed among equals.
        order = np.lexsort((g, d, p))
        p, g, d = p[order], g[order], d[order]
        head = np.ones(len(p), dtype=bool)
        head[1:] = p[1:] != p[:-1]
        index[p[head]] = g[head]
        best[p[head]] = d[head]
        return index, best

    @cached_property
    def _scale(self) -> tuple[float, float]:
        """Metres per degree of longitude and of latitude at the jurisdictions' centre."""
        bounds = shapely.total_bounds(self._geoms)
        lat0 = (bounds[1] + bounds[3]) / 2 if np.isfinite(bounds).all() else 0.0
        per_degree = EARTH_RADIUS_M * math.pi / 180.0
        return per_degree * math.cos(math.radians(lat0)), per_degree

    def _project(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        kx, ky = self._scale
        return lon * kx, lat * ky

    @cached_property
    def _projected(self) -> NDArray[np.object_]:
        kx, ky = self._scale
        geoms: NDArray[np.object_] = shapely.transform(self._geoms, lambda xy: xy * [kx, ky])
        shapely.prepare(geoms)
        return geoms

    @cached_property
    def _projected_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self._projected)
