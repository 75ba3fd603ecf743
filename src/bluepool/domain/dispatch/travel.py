"""Travel times: how long a unit needs to reach a place.

The recommender asks a ``TravelTimes`` for the ETA of many units to one incident. Until a
collective loads a road network, ``StraightLine`` stands in: the great-circle distance times a
detour factor, driven at an average speed. A road-network oracle implements the same protocol.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bluepool.domain.shared.geo import EARTH_RADIUS_M, Location, distance_m


class TravelTimes(Protocol):
    """Estimate the ETA in seconds from each origin to one destination.

    ``None`` in the answer means the destination cannot be reached from that origin.
    ``method`` names the model in words, for the reasons a recommendation gives.
    """

    @property
    def method(self) -> str: ...

    def to_destination(
        self, origins: Sequence[Location], destination: Location
    ) -> list[float | None]: ...


@dataclass(frozen=True, slots=True)
class StraightLine:
    """Straight-line distance times a detour factor, at an average speed."""

    detour_factor: float = 1.4
    speed_kmh: float = 50.0

    @property
    def method(self) -> str:
        return "by straight line"

    def seconds(self, origin: Location, destination: Location) -> float:
        return distance_m(origin, destination) * self.detour_factor / (self.speed_kmh / 3.6)

    def to_destination(
        self, origins: Sequence[Location], destination: Location
    ) -> list[float | None]:
        # The haversine of geo.distance_m, unrolled: this runs for every candidate unit.
        scale = 2 * EARTH_RADIUS_M * self.detour_factor / (self.speed_kmh / 3.6)
        lat2, lon2 = math.radians(destination.lat), math.radians(destination.lon)
        cos2 = math.cos(lat2)
        sin, cos, asin, sqrt, rad = (
            math.sin,
            math.cos,
            math.asin,
            math.sqrt,
            math.radians,
        )
        out: list[float | None] = []
        for o in origins:
            lat1 = rad(o.lat)
            h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos2 * sin((lon2 - rad(o.lon)) / 2) ** 2
            out.append(scale * asin(min(1.0, sqrt(h))))
        return out
