"""Compiled networks: saved as plain numpy arrays, loaded fast, refused when they are not."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from bluepool.domain.shared.errors import Invalid
from bluepool.routing import network as roadnet
from bluepool.routing.network import demo_network_path, load_network, save_network
from bluepool.routing.synthetic import road_grid


def test_round_trips_every_array_and_the_hierarchy(town_path: Path, tmp_path: Path) -> None:
    town = load_network(town_path)
    again = load_network(save_network(town, tmp_path / "again.npz", compress=True))
    for name in ("indptr", "indices", "weights", "lat", "lon", "osm_ids"):
        np.testing.assert_array_equal(getattr(again, name), getattr(town, name))
    assert again.meta == town.meta
    assert town.hierarchy is not None
    assert again.hierarchy is not None
    np.testing.assert_array_equal(
        again.hierarchy.all_times_to([(0, 0.0)]), town.hierarchy.all_times_to([(0, 0.0)])
    )


def test_is_plain_numpy_arrays_without_pickle(town_path: Path) -> None:
    with np.load(town_path, allow_pickle=False) as data:
        assert {"indptr", "indices", "weights", "lat", "lon", "meta"} <= set(data.files)
        assert all(data[k].dtype != object for k in data.files)


def test_the_demo_network_loads_in_well_under_a_second() -> None:
    started = time.perf_counter()
    demo = load_network(demo_network_path())
    assert time.perf_counter() - started < 0.5
    assert demo.node_count > 15_000
    assert demo.hierarchy is not None
    assert "OpenStreetMap" in demo.meta["attribution"]


def test_refuses_a_file_that_is_not_a_compiled_network(tmp_path: Path) -> None:
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))
    with pytest.raises(Invalid) as err:
        load_network(other)
    assert err.value.code == "bad_network"
    text = tmp_path / "text.npz"
    text.write_text("hello")
    with pytest.raises(Invalid):
        load_network(text)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, meta=np.array([{"format": roadnet.FORMAT}], dtype=object))
    with pytest.raises(Invalid):
        load_network(pickled)


def test_keeps_the_largest_strongly_connected_component() -> None:
    # 0 <-> 1 <-> 2 is strongly connected; 3 is only reachable, 4 only reaches.
    net = roadnet.from_edges(
        np.array([0, 1, 1, 2, 2, 4]),
        np.array([1, 0, 2, 1, 3, 0]),
        np.ones(6),
        np.zeros(5),
        np.arange(5.0),
    )
    kept, dropped = roadnet.largest_component(net)
    assert kept.node_count == 3
    assert (dropped.dropped_components, dropped.dropped_nodes) == (2, 2)
    np.testing.assert_array_equal(kept.lon, [0.0, 1.0, 2.0])


def test_keeps_the_fastest_of_parallel_edges_and_drops_loops() -> None:
    net = roadnet.from_edges(
        np.array([0, 0, 1, 1]), np.array([1, 1, 1, 0]), np.array([5.0, 3.0, 1.0, 2.0]),
        np.zeros(2), np.zeros(2),
    )  # fmt: skip
    assert net.edge_count == 2
    assert net.weights.tolist() == [3.0, 2.0]


def test_counts_its_memory() -> None:
    net = road_grid(10)
    assert net.nbytes() == sum(
        a.nbytes for a in (net.indptr, net.indices, net.weights, net.lat, net.lon)
    )
