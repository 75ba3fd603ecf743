"""The contraction hierarchy answers exactly what a plain Dijkstra answers, only faster."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from bluepool.routing import network as roadnet
from bluepool.routing.hierarchy import Hierarchy, build_hierarchy
from bluepool.routing.network import RoadNetwork
from bluepool.routing.synthetic import road_grid


def hierarchy_of(net: RoadNetwork, **options: int) -> Hierarchy:
    return build_hierarchy(net.indptr, net.indices, net.weights, **options)  # type: ignore[arg-type]


def reference_times_to(net: RoadNetwork, target: int) -> NDArray[np.float64]:
    """Shortest time from every node to ``target`` by networkx (reverse Dijkstra)."""
    g = nx.DiGraph()
    g.add_nodes_from(range(net.node_count))
    for t, h, w in zip(
        net.tails().tolist(), net.indices.tolist(), net.weights.tolist(), strict=True
    ):
        g.add_edge(t, h, weight=w)
    lengths = nx.single_source_dijkstra_path_length(g.reverse(copy=False), target)
    result = np.full(net.node_count, np.inf)
    for node, seconds in lengths.items():
        result[node] = seconds
    return result


@st.composite
def graphs(draw: st.DrawFn) -> RoadNetwork:
    """Small random directed graphs, often not strongly connected, with tied weights."""
    n = draw(st.integers(1, 24))
    m = draw(st.integers(0, 4 * n))
    tails = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    heads = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    weight = st.one_of(st.integers(0, 5).map(float), st.floats(0.0, 100.0))
    weights = draw(st.lists(weight, min_size=m, max_size=m))
    return roadnet.from_edges(
        np.array(tails, dtype=np.int64),
        np.array(heads, dtype=np.int64),
        np.array(weights, dtype=np.float64),
        np.zeros(n),
        np.zeros(n),
    )


@settings(max_examples=150, deadline=None)
@given(net=graphs(), data=st.data())
def test_times_to_a_node_equal_a_reference_dijkstra(net: RoadNetwork, data: st.DataObject) -> None:
    core = data.draw(st.sampled_from([1, 4, 512]))
    hierarchy = hierarchy_of(net, core_size=core)
    target = data.draw(st.integers(0, net.node_count - 1))
    expected = reference_times_to(net, target)
    got = hierarchy.all_times_to([(target, 0.0)])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    sources = np.arange(net.node_count)
    np.testing.assert_allclose(
        hierarchy.times_to([(target, 0.0)], sources), expected, rtol=1e-9, atol=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(net=graphs(), data=st.data())
def test_a_destination_between_two_nodes_is_reached_from_the_better_one(
    net: RoadNetwork, data: st.DataObject
) -> None:
    hierarchy = hierarchy_of(net, core_size=data.draw(st.sampled_from([1, 512])))
    a = data.draw(st.integers(0, net.node_count - 1))
    b = data.draw(st.integers(0, net.node_count - 1))
    wa = data.draw(st.floats(0.0, 50.0))
    wb = data.draw(st.one_of(st.floats(0.0, 50.0), st.just(float("inf"))))
    expected = np.minimum(reference_times_to(net, a) + wa, reference_times_to(net, b) + wb)
    got = hierarchy.all_times_to([(a, wa), (b, wb)])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_restricted_and_whole_sweeps_agree_on_a_road_grid() -> None:
    net = road_grid(40, seed=3)
    hierarchy = hierarchy_of(net)
    rng = np.random.default_rng(0)
    for target in rng.integers(0, net.node_count, 5).tolist():
        whole = hierarchy.all_times_to([(target, 0.0)])
        for size in (1, 30, 1000):
            sources = rng.integers(0, net.node_count, size)
            np.testing.assert_array_equal(
                hierarchy.times_to([(target, 0.0)], sources), whole[sources]
            )


def test_matches_networkx_on_a_road_grid_with_one_way_streets() -> None:
    net = road_grid(30, seed=1)
    hierarchy = hierarchy_of(net)
    for target in (0, net.node_count // 2, net.node_count - 1):
        np.testing.assert_allclose(
            hierarchy.all_times_to([(target, 0.0)]), reference_times_to(net, target), rtol=1e-9
        )


def test_survives_a_save_and_load_round_trip() -> None:
    net = road_grid(12)
    hierarchy = hierarchy_of(net)
    again = Hierarchy.from_arrays(hierarchy.arrays())
    np.testing.assert_array_equal(
        again.all_times_to([(5, 0.0)]), hierarchy.all_times_to([(5, 0.0)])
    )


def test_refuses_more_than_two_arrival_nodes() -> None:
    hierarchy = hierarchy_of(road_grid(5))
    with pytest.raises(ValueError, match="one or two"):
        hierarchy.all_times_to([(0, 0.0), (1, 0.0), (2, 0.0)])


def test_building_is_deterministic() -> None:
    net = road_grid(15, seed=2)
    a, b = hierarchy_of(net), hierarchy_of(net)
    for key, value in a.arrays().items():
        np.testing.assert_array_equal(value, b.arrays()[key], err_msg=key)
