"""Snapping: the nearest point of the nearest road, how far it was, and refusing the far."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location, distance_m
from bluepool.routing.network import RoadNetwork
from bluepool.routing.snapping import SnapError, Snapper


def node_location(network: RoadNetwork, osm_id: int) -> Location:
    assert network.osm_ids is not None
    i = int(np.flatnonzero(network.osm_ids == osm_id)[0])
    return Location(float(network.lat[i]), float(network.lon[i]))


def test_a_place_on_a_node_snaps_to_it_at_no_distance(town: RoadNetwork) -> None:
    snap = Snapper(town).snap(node_location(town, 5))
    assert snap.distance_m == 0.0
    assert town.osm_ids is not None
    at = snap.a if snap.fraction == 0.0 else snap.b
    assert snap.fraction in (0.0, 1.0)
    assert town.osm_ids[at] == 5


def test_a_place_beside_a_road_snaps_onto_it_and_says_how_far(town: RoadNetwork) -> None:
    one, two = node_location(town, 1), node_location(town, 2)
    # 20 m north of the middle of the street from 1 to 2.
    beside = Location(one.lat + 20 / 111_195, (one.lon + two.lon) / 2)
    snap = Snapper(town).snap(beside)
    assert snap.distance_m == pytest.approx(20.0, rel=1e-3)
    assert snap.fraction == pytest.approx(0.5, abs=1e-3)
    assert snap.snapped.lat == pytest.approx(one.lat, abs=1e-9)
    assert distance_m(beside, snap.snapped) == pytest.approx(snap.distance_m)


def test_a_place_far_from_every_road_is_refused(town: RoadNetwork) -> None:
    far = Location(47.05, 9.6)
    with pytest.raises(SnapError) as err:
        Snapper(town).snap(far)
    assert isinstance(err.value, Invalid)
    assert err.value.code == "off_network"
    assert "1,000 m" in err.value.detail


def test_the_distance_limit_is_configurable(town: RoadNetwork) -> None:
    one = node_location(town, 1)
    south = Location(one.lat - 300 / 111_195, one.lon)
    distance = Snapper(town).snap(south).distance_m
    assert 200 < distance < 300
    with pytest.raises(SnapError):
        Snapper(town, max_distance_m=200).snap(south)


def brute_force_distance_m(network: RoadNetwork, place: Location) -> float:
    """The distance to the nearest segment, trying every segment (local metres)."""
    ky = 111_195.0
    kx = ky * math.cos(math.radians(place.lat))
    t = network.tails()
    ax, ay = (network.lon[t] - place.lon) * kx, (network.lat[t] - place.lat) * ky
    bx = (network.lon[network.indices] - place.lon) * kx
    by = (network.lat[network.indices] - place.lat) * ky
    dx, dy = bx - ax, by - ay
    span = np.maximum(dx * dx + dy * dy, 1e-12)
    u = np.clip(-(ax * dx + ay * dy) / span, 0, 1)
    return float(np.min(np.hypot(ax + u * dx, ay + u * dy)))


@settings(max_examples=50, deadline=None)
@given(
    lat=st.floats(46.998, 47.003),
    lon=st.floats(9.499, 9.504),
)
def test_snaps_within_half_a_sample_spacing_of_the_nearest_road(
    town: RoadNetwork, lat: float, lon: float
) -> None:
    place = Location(lat, lon)
    snap = Snapper(town, spacing_m=25.0).snap(place)
    nearest = brute_force_distance_m(town, place)
    assert nearest - 0.5 <= snap.distance_m <= nearest + 12.5 + 0.5


def test_many_places_snap_at_once_and_the_far_ones_are_marked(town: RoadNetwork) -> None:
    snapper = Snapper(town)
    lat = np.array([47.0, 47.05, 47.001])
    lon = np.array([9.5005, 9.6, 9.5])
    first = snapper.snap_many(lat, lon)
    assert first.ok.tolist() == [True, False, True]
    again = snapper.snap_many(lat, lon)  # now from the cache
    for name in ("ok", "segment", "fraction", "distance_m"):
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
    fresh = Snapper(town, cache_size=1).snap_many(lat, lon)
    np.testing.assert_array_equal(fresh.segment, first.segment)
