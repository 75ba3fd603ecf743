"""Locations, distances and durations as a dispatcher reads them."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location, distance_m, format_duration
from tests.strategies import locations


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0), (45.5, -73.6)],
)
def test_location_accepts_coordinates_on_the_globe(lat: float, lon: float) -> None:
    assert Location(lat, lon) == Location(lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon", "which"),
    [
        (90.001, 0.0, "latitude"),
        (-91.0, 0.0, "latitude"),
        (math.nan, 0.0, "latitude"),
        (math.inf, 0.0, "latitude"),
        (0.0, 180.5, "longitude"),
        (0.0, -181.0, "longitude"),
        (0.0, math.nan, "longitude"),
        (0.0, -math.inf, "longitude"),
    ],
)
def test_location_off_the_globe_is_invalid(lat: float, lon: float, which: str) -> None:
    with pytest.raises(Invalid, match=which) as e:
        Location(lat, lon)
    assert e.value.code == "bad_coordinates"


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert distance_m(Location(45.0, -75.0), Location(46.0, -75.0)) == pytest.approx(
        111_195, rel=1e-3
    )


def test_antipodes_are_half_the_earth_apart() -> None:
    assert distance_m(Location(0.0, 0.0), Location(0.0, 180.0)) == pytest.approx(
        math.pi * 6_371_008.8
    )


@given(locations(), locations())
def test_distance_is_symmetric_and_zero_only_to_itself(a: Location, b: Location) -> None:
    assert distance_m(a, b) == pytest.approx(distance_m(b, a))
    assert distance_m(a, a) == 0.0
    assert (distance_m(a, b) > 0) == (a != b)


@given(locations(), locations(), locations())
def test_distance_obeys_the_triangle_inequality(a: Location, b: Location, c: Location) -> None:
    assert distance_m(a, c) <= distance_m(a, b) + distance_m(b, c) + 1e-6


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 s"),
        (45, "45 s"),
        (59.4, "59 s"),
        (59.6, "1 min 0 s"),
        (60, "1 min 0 s"),
        (252, "4 min 12 s"),
        (3599, "59 min 59 s"),
        (3600, "1 h 0 min"),
        (3780, "1 h 3 min"),
        (7325, "2 h 2 min"),
    ],
)
def test_format_duration_reads_like_a_dispatcher(seconds: float, words: str) -> None:
    assert format_duration(seconds) == words
