"""Point-in-jurisdiction lookups over the collective's polygons (shapely 2 STRtree)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from bluepool.domain.agencies import Jurisdiction
from bluepool.domain.geo import Location
from bluepool.domain.ids import JurisdictionId


class JurisdictionIndex:
    """Find the jurisdiction a point lies in; a point in two (an overlap) goes to the first
    listed, a point in none (a gap) to none."""

    def __init__(self, jurisdictions: Sequence[Jurisdiction]) -> None:
        self._ids = [j.id for j in jurisdictions]
        self._geoms = np.array(
            [shapely.geometry.shape(j.geometry) for j in jurisdictions], dtype=object
        )
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)

    def locate(self, location: Location) -> JurisdictionId | None:
        return self.locate_many([location])[0]

    def locate_many(self, locations: Sequence[Location]) -> list[JurisdictionId | None]:
        if not locations or not self._ids:
            return [None] * len(locations)
        points = shapely.points(
            [loc.lon for loc in locations], [loc.lat for loc in locations]
        )
        point_idx, geom_idx = self._tree.query(points, predicate="intersects")
        found: list[JurisdictionId | None] = [None] * len(locations)
        for p, g in sorted(
            zip(point_idx.tolist(), geom_idx.tolist(), strict=True), reverse=True
        ):
            found[p] = self._ids[g]
        return found
