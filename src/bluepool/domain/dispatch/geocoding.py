"""What the geocoding use cases answer: places found by text or at a point, each with the
jurisdiction it lies in or, outside the collective, the nearest one."""

from __future__ import annotations

from dataclasses import dataclass

from bluepool.domain.shared.ids import JurisdictionId


@dataclass(frozen=True, slots=True)
class NearestJurisdiction:
    """The collective's jurisdiction nearest to a point outside all of them."""

    id: JurisdictionId
    name: str
    distance_m: float


@dataclass(frozen=True, slots=True)
class Whereabouts:
    """Which jurisdiction a point lies in; outside every one, the nearest."""

    jurisdiction: JurisdictionId | None
    outside: bool
    nearest_jurisdiction: NearestJurisdiction | None


@dataclass(frozen=True, slots=True)
class GeocodeMatch:
    """An address, street, intersection, place or point of interest (``kind``) with its
    position, how well it matched (``score``, 0-100) and where it lies."""

    kind: str
    label: str
    lat: float
    lon: float
    score: float
    category: str
    #: From the point of a reverse lookup, in metres (None for a search).
    distance_m: float | None
    jurisdiction: JurisdictionId | None
    outside: bool
    nearest_jurisdiction: NearestJurisdiction | None


@dataclass(frozen=True, slots=True)
class GeocodeResults:
    query: str
    matches: tuple[GeocodeMatch, ...]


@dataclass(frozen=True, slots=True)
class ReverseGeocode:
    """What is at a point: the nearest address or street (None: nothing near), and the
    point's own jurisdiction (or, outside the collective, the nearest)."""

    lat: float
    lon: float
    match: GeocodeMatch | None
    jurisdiction: JurisdictionId | None
    outside: bool
    nearest_jurisdiction: NearestJurisdiction | None
