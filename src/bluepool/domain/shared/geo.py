"""Places on the earth: a WGS84 location and the great-circle distance between two.

Coordinates are degrees (latitude first, as people say them); GeoJSON, which puts longitude
first, is converted at the edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bluepool.domain.shared.errors import Invalid

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise Invalid(f"latitude {self.lat} is outside -90..90", code="bad_coordinates")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise Invalid(f"longitude {self.lon} is outside -180..180", code="bad_coordinates")


def distance_m(a: Location, b: Location) -> float:
    """Return the great-circle distance between two locations in metres (haversine)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def format_duration(seconds: float) -> str:
    """Say a duration the way a dispatcher reads it: '4 min 12 s', '45 s', '1 h 3 min'."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {(s % 3600) // 60} min"
