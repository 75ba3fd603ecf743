"""Travel times: how long a unit needs to reach a place.

The recommender asks a ``TravelTimes`` for the ETA of many units to one incident. Until a
collective loads a road network, ``StraightLine`` stands in: the great-circle distance times a
detour factor, driven at an average speed. A road-network oracle implements the same protocol.

A place far from every road is still reached: by road to the nearest road point, then off
road on foot (``trips`` says how many metres of each trip are off road, which makes its ETA
approximate). Air units never use the roads: ``Flight`` times them on the straight line at
their kind's cruise speed, after a lift-off time (docs/decisions/0017).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bluepool.domain.shared.geo import EARTH_RADIUS_M, Location, distance_m


class TravelTimes(Protocol):
    """Estimate the ETA in seconds from each origin to one destination.

    ``None`` in the answer means no route leads from that origin to the destination (a
    road network in pieces); any valid place gets an answer otherwise, never an error.
    ``method`` names the model in words, for the reasons a recommendation gives.
    """

    @property
    def method(self) -> str: ...

    def to_destination(
        self, origins: Sequence[Location], destination: Location
    ) -> list[float | None]: ...

    def trips(
        self, origins: Sequence[Location], destination: Location
    ) -> tuple[list[float | None], list[float]]:
        """``to_destination``'s ETAs, and for each trip the metres of it off road (timed
        approximately, at a walking speed; 0 for a trip on the roads all the way)."""
        ...


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

    def trips(
        self, origins: Sequence[Location], destination: Location
    ) -> tuple[list[float | None], list[float]]:
        return self.to_destination(origins, destination), [0.0] * len(origins)


@dataclass(frozen=True, slots=True)
class Flight:
    """Air units: straight from where they are, at their kind's cruise speed, after a
    lift-off time; never the roads. ``cruise_kmh`` maps a unit kind to its cruise speed;
    a kind not in it drives."""

    cruise_kmh: Mapping[str, float] = field(default_factory=dict)
    lift_off_s: float = 300.0

    def flies(self, kind: str) -> bool:
        return kind in self.cruise_kmh

    def seconds(self, kind: str, origin: Location, destination: Location) -> float:
        return self.lift_off_s + distance_m(origin, destination) / (self.cruise_kmh[kind] / 3.6)


#: No unit flies: every unit uses the travel-time model.
GROUNDED: Flight = Flight()
