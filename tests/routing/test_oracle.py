"""Drive times by road: exact against a reference Dijkstra, honest about one-way streets,
unreachable units and places off the road network."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluepool.domain.dispatch.travel import TravelTimes
from bluepool.domain.shared.geo import Location, distance_m
from bluepool.routing import network as roadnet
from bluepool.routing.network import RoadNetwork
from bluepool.routing.oracle import SNAP_SPEED_KMH, RoadTravelTimes
from bluepool.routing.snapping import SnapError
from bluepool.routing.synthetic import road_grid


def at_node(network: RoadNetwork, node: int) -> Location:
    return Location(float(network.lat[node]), float(network.lon[node]))


def at_osm(network: RoadNetwork, osm_id: int) -> Location:
    assert network.osm_ids is not None
    return at_node(network, int(np.flatnonzero(network.osm_ids == osm_id)[0]))


def as_networkx(network: RoadNetwork) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(network.node_count))
    for t, h, w in zip(
        network.tails().tolist(), network.indices.tolist(), network.weights.tolist(), strict=True
    ):
        g.add_edge(t, h, weight=w)
    return g


def assert_same_times(got: list[float | None], expected: list[float]) -> None:
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        if math.isinf(e):
            assert g is None
        else:
            assert g is not None
            assert g == pytest.approx(e, rel=1e-6, abs=1e-9)


def test_is_a_travel_times_oracle_by_road(town_times: RoadTravelTimes) -> None:
    oracle: TravelTimes = town_times
    assert oracle.method == "by road"


def test_a_one_way_street_is_short_one_way_and_long_the_other(
    town_times: RoadTravelTimes,
) -> None:
    town = town_times.network
    one, two = at_osm(town, 1), at_osm(town, 2)
    [forward] = town_times.to_destination([one], two)
    [backward] = town_times.to_destination([two], one)
    assert forward == pytest.approx(distance_m(one, two) / (30 / 3.6), rel=1e-3)
    assert backward is not None
    assert forward is not None
    assert backward > 2 * forward  # 1 > 2 is one way: back from 2 goes round the block


def test_equals_networkx_on_every_pair_of_the_town(town_times: RoadTravelTimes) -> None:
    town = town_times.network
    g = as_networkx(town)
    everyone = [at_node(town, v) for v in range(town.node_count)]
    for target in range(town.node_count):
        lengths = nx.single_source_dijkstra_path_length(g.reverse(copy=False), target)
        expected = [lengths.get(v, math.inf) for v in range(town.node_count)]
        assert_same_times(town_times.to_destination(everyone, at_node(town, target)), expected)


def test_equals_networkx_on_random_pairs_of_the_real_demo_extract(
    demo_times: RoadTravelTimes,
) -> None:
    net = demo_times.network
    reverse = as_networkx(net).reverse(copy=False)
    rng = np.random.default_rng(7)
    for target in rng.integers(0, net.node_count, 4).tolist():
        units = rng.integers(0, net.node_count, 300).tolist()
        lengths = nx.single_source_dijkstra_path_length(reverse, target)
        expected = [lengths.get(u, math.inf) for u in units]
        got = demo_times.to_destination([at_node(net, u) for u in units], at_node(net, target))
        assert_same_times(got, expected)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), side=st.integers(3, 14))
def test_equals_networkx_on_random_road_grids(seed: int, side: int) -> None:
    net = road_grid(side, seed=seed, missing=0.3, oneway=0.3)
    times = RoadTravelTimes(net)
    rng = np.random.default_rng(seed)
    target = int(rng.integers(0, net.node_count))
    units = rng.integers(0, net.node_count, 20).tolist()
    lengths = nx.single_source_dijkstra_path_length(as_networkx(net).reverse(copy=False), target)
    got = times.to_destination([at_node(net, u) for u in units], at_node(net, target))
    assert_same_times(got, [lengths[u] for u in units])


def test_adds_the_legs_off_the_road_at_a_slow_speed(town_times: RoadTravelTimes) -> None:
    town = town_times.network
    one, two = at_osm(town, 1), at_osm(town, 2)
    beside = Location(one.lat - 40 / 111_195, one.lon)  # 40 m south of junction 1
    [on_road] = town_times.to_destination([one], two)
    [off_road] = town_times.to_destination([beside], two)
    assert on_road is not None
    assert off_road is not None
    leg = town_times.snap(beside).distance_m
    assert leg == pytest.approx(40, rel=1e-2)
    assert off_road == pytest.approx(on_road + leg / (SNAP_SPEED_KMH / 3.6), rel=1e-6)


def test_a_place_midway_along_a_street_drives_the_rest_of_it(town_times: RoadTravelTimes) -> None:
    town = town_times.network
    one, two, three = at_osm(town, 1), at_osm(town, 2), at_osm(town, 3)
    quarter = Location(one.lat, one.lon + (two.lon - one.lon) / 4)
    three_quarters = Location(one.lat, one.lon + 3 * (two.lon - one.lon) / 4)
    [from_one] = town_times.to_destination([one], three)
    [from_quarter] = town_times.to_destination([quarter], three)
    [along] = town_times.to_destination([quarter], three_quarters)
    [against] = town_times.to_destination([three_quarters], quarter)
    street = distance_m(one, two) / (30 / 3.6)
    assert from_one is not None
    assert from_quarter is not None
    assert from_quarter == pytest.approx(from_one - street / 4, rel=1e-6)
    assert along == pytest.approx(street / 2, rel=1e-6)
    assert against is not None
    assert against > 2 * street


def test_a_unit_off_the_network_walks_to_its_road_approximately(
    town_times: RoadTravelTimes,
) -> None:
    town = town_times.network
    one, two = at_osm(town, 1), at_osm(town, 2)
    far_away = Location(one.lat - 3_000 / 111_195, one.lon)  # 3 km south of junction 1
    snap = town_times.snapper.nearest(far_away)
    [road_only] = town_times.to_destination([snap.snapped], two)
    etas, offroad = town_times.trips([far_away, one], two)
    assert road_only is not None
    assert etas[0] == pytest.approx(road_only + snap.distance_m * 1.3 / (5 / 3.6), rel=1e-6)
    assert offroad == [pytest.approx(snap.distance_m), 0.0]
    assert etas[1] is not None


def test_an_incident_off_the_network_is_reached_off_road_never_an_error(
    town_times: RoadTravelTimes,
) -> None:
    town = town_times.network
    one, two = at_osm(town, 1), at_osm(town, 2)
    hiker = Location(two.lat + 1_500 / 111_195, two.lon)
    trail = town_times.snapper.nearest(hiker)
    assert trail.distance_m > 1_000
    [to_trailhead] = town_times.to_destination([one], trail.snapped)
    etas, offroad = town_times.trips([one], hiker)
    assert to_trailhead is not None
    assert etas[0] == pytest.approx(to_trailhead + trail.distance_m * 1.3 / (5 / 3.6), rel=1e-6)
    assert offroad[0] == pytest.approx(trail.distance_m)
    assert town_times.trips([], hiker) == ([], [])
    # snap() itself still refuses such a place: it is off the network.
    with pytest.raises(SnapError) as err:
        town_times.snap(hiker)
    assert err.value.code == "off_network"


def test_the_off_road_speed_and_detour_are_options(town_path: Path) -> None:
    slow = RoadTravelTimes.from_file(town_path, offroad_speed_kmh=2.5, offroad_detour=1.0)
    town = slow.network
    one, two = at_osm(town, 1), at_osm(town, 2)
    hiker = Location(two.lat + 2_000 / 111_195, two.lon)
    trail = slow.snapper.nearest(hiker)
    [to_trailhead] = slow.to_destination([one], trail.snapped)
    [eta] = slow.to_destination([one], hiker)
    assert to_trailhead is not None
    assert eta == pytest.approx(to_trailhead + trail.distance_m / (2.5 / 3.6), rel=1e-6)
    with pytest.raises(ValueError, match="speeds must be positive"):
        RoadTravelTimes(town, offroad_speed_kmh=0)
    with pytest.raises(ValueError, match="detour factor must be at least 1"):
        RoadTravelTimes(town, offroad_detour=0.9)


def test_a_unit_that_cannot_reach_the_incident_is_none_never_a_crash() -> None:
    # Two separate two-way streets a few hundred metres apart: no road joins them.
    net = roadnet.from_edges(
        np.array([0, 1, 2, 3]),
        np.array([1, 0, 3, 2]),
        np.array([10.0, 10.0, 10.0, 10.0]),
        np.array([47.0, 47.0, 47.003, 47.003]),
        np.array([9.5, 9.501, 9.5, 9.501]),
    )
    times = RoadTravelTimes(net)
    etas = times.to_destination([at_node(net, 1), at_node(net, 2)], at_node(net, 0))
    assert etas[0] == pytest.approx(10.0)
    assert etas[1] is None


def test_no_units_no_etas(town_times: RoadTravelTimes) -> None:
    assert town_times.to_destination([], at_osm(town_times.network, 1)) == []


def test_a_table_holds_one_search_per_destination(town_times: RoadTravelTimes) -> None:
    town = town_times.network
    origins = [at_osm(town, i) for i in (1, 5, 9)] + [Location(47.2, 9.9)]
    destinations = [at_osm(town, i) for i in (2, 12)]
    table = town_times.table(origins, destinations)
    assert len(table) == 4
    assert all(len(row) == 2 for row in table)
    for j, d in enumerate(destinations):
        assert [row[j] for row in table] == town_times.to_destination(origins, d)
    assert town_times.table(origins, []) == [[], [], [], []]


def test_a_route_is_a_geojson_line_with_the_same_eta(town_times: RoadTravelTimes) -> None:
    town = town_times.network
    start = Location(at_osm(town, 2).lat - 15 / 111_195, at_osm(town, 2).lon)
    end = at_osm(town, 1)
    route = town_times.route(start, end)
    assert route["type"] == "Feature"
    line = route["geometry"]
    assert line["type"] == "LineString"
    assert line["coordinates"][0] == [start.lon, start.lat]
    assert line["coordinates"][-1] == [end.lon, end.lat]
    [eta] = town_times.to_destination([start], end)
    props = route["properties"]
    assert props["duration_s"] == pytest.approx(eta)
    assert props["origin_snap_m"] == pytest.approx(15, rel=1e-2)
    assert props["length_m"] > 4 * distance_m(start, end)  # round the block (one way)
    visited = {(round(lon, 6), round(lat, 6)) for lon, lat in line["coordinates"]}
    three, sixty = at_osm(town, 3), at_osm(town, 60)
    assert {(round(p.lon, 6), round(p.lat, 6)) for p in (three, sixty)} & visited


def test_a_route_between_two_points_of_one_street(town_times: RoadTravelTimes) -> None:
    town = town_times.network
    one, two = at_osm(town, 1), at_osm(town, 2)
    a = Location(one.lat, one.lon + (two.lon - one.lon) / 4)
    b = Location(one.lat, one.lon + (two.lon - one.lon) / 2)
    route = town_times.route(a, b)
    assert route["properties"]["length_m"] == pytest.approx(distance_m(a, b), rel=1e-6)
    same = town_times.route(a, a)
    assert same["properties"]["duration_s"] == 0.0
    assert len(same["geometry"]["coordinates"]) == 2


def test_a_route_to_a_place_off_the_network_ends_with_its_off_road_leg(
    town_times: RoadTravelTimes,
) -> None:
    town = town_times.network
    hiker = Location(at_osm(town, 2).lat + 1_500 / 111_195, at_osm(town, 2).lon)
    route = town_times.route(at_osm(town, 1), hiker)
    assert route["geometry"]["coordinates"][-1] == [hiker.lon, hiker.lat]
    assert route["properties"]["destination_snap_m"] > 1_000
    assert route["properties"]["duration_s"] == pytest.approx(
        town_times.to_destination([at_osm(town, 1)], hiker)[0]
    )
