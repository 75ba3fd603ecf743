"""Importing roads from OpenStreetMap: what is drivable, which way, how fast, what is kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bluepool.domain.shared.errors import Invalid
from bluepool.routing.network import RoadNetwork, haversine_m, load_network
from bluepool.routing.roads import import_roads, way_rule
from bluepool.routing.speeds import SpeedProfile

from .conftest import TOWN_OSM, shared_file


def edges_by_osm_id(network: RoadNetwork) -> dict[tuple[int, int], float]:
    assert network.osm_ids is not None
    ids = network.osm_ids
    return {
        (int(ids[t]), int(ids[h])): float(w)
        for t, h, w in zip(network.tails(), network.indices, network.weights, strict=True)
    }


def seconds(network: RoadNetwork, a: int, b: int, kmh: float) -> float:
    assert network.osm_ids is not None
    i, j = (int(np.flatnonzero(network.osm_ids == x)[0]) for x in (a, b))
    metres = haversine_m(network.lat[[i]], network.lon[[i]], network.lat[[j]], network.lon[[j]])
    return float(metres[0]) / (kmh / 3.6)


def test_imports_the_drivable_directed_edges_of_the_town(town: RoadNetwork) -> None:
    assert set(edges_by_osm_id(town)) == {
        (1, 2), (2, 3),                      # one way 1 > 2 > 3
        (3, 6), (6, 3), (6, 9), (9, 6),      # two-way
        (9, 8), (8, 9), (8, 7), (7, 8),
        (7, 4), (4, 7), (4, 1), (1, 4),
        (5, 6), (6, 5),                      # the track open to motor vehicles
        (10, 11), (11, 12), (12, 10),        # roundabout: implicitly one way
        (3, 10), (10, 3),
        (7, 50), (50, 1),                    # motorway: implicitly one way
        (2, 60), (60, 6),                    # oneway=-1 drawn 6, 60, 2
    }  # fmt: skip


def test_leaves_out_footways_cycleways_private_roads_and_bare_tracks(town: RoadNetwork) -> None:
    edges = edges_by_osm_id(town)
    assert (2, 5) not in edges
    assert (5, 2) not in edges
    assert (1, 5) not in edges  # cycleway
    assert (5, 8) not in edges  # access=private
    assert (4, 5) not in edges  # track with no access tag


def test_keeps_only_the_largest_strongly_connected_component(
    town: RoadNetwork, tmp_path: Path
) -> None:
    assert town.osm_ids is not None
    assert {20, 21, 30}.isdisjoint(town.osm_ids.tolist())  # the island and the dead end
    summary = import_roads(TOWN_OSM, tmp_path / "t.npz", progress=False)
    assert (summary.nodes, summary.dropped_components, summary.dropped_nodes) == (14, 2, 3)
    assert summary.edges == 25
    assert summary.ways == 11
    assert any("dropped 3 nodes in 2 components" in line for line in summary.lines())


def test_times_each_edge_from_its_limit_or_its_class(town: RoadNetwork) -> None:
    edges = edges_by_osm_id(town)
    assert edges[(1, 2)] == pytest.approx(seconds(town, 1, 2, 30.0))  # residential default
    assert edges[(3, 6)] == pytest.approx(seconds(town, 3, 6, 30 * 1.609344))  # 30 mph
    assert edges[(9, 8)] == pytest.approx(seconds(town, 9, 8, 50.0))  # maxspeed=50
    assert edges[(7, 4)] == pytest.approx(seconds(town, 7, 4, 50.0))  # CH:urban
    assert edges[(7, 50)] == pytest.approx(seconds(town, 7, 50, 110.0))  # motorway default


def test_a_speed_file_changes_the_class_defaults(tmp_path: Path) -> None:
    speeds = tmp_path / "speeds.toml"
    speeds.write_text("[classes]\nresidential = 15\n")
    import_roads(TOWN_OSM, tmp_path / "slow.npz", speeds=speeds, progress=False)
    slow = load_network(tmp_path / "slow.npz")
    assert edges_by_osm_id(slow)[(1, 2)] == pytest.approx(seconds(slow, 1, 2, 15.0))
    assert slow.meta["speeds"]["residential"] == 15.0


def test_reports_the_length_of_road_counting_two_way_streets_once(tmp_path: Path) -> None:
    summary = import_roads(TOWN_OSM, tmp_path / "t.npz", progress=False)
    town = load_network(tmp_path / "t.npz")
    undirected = {tuple(sorted(e)) for e in edges_by_osm_id(town)}
    expected = 0.0
    for a, b in undirected:
        expected += seconds(town, a, b, 3.6) / 1000.0  # 1 m/s: seconds == metres
    assert summary.road_km == pytest.approx(expected)


def test_writes_next_to_the_working_directory_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    summary = import_roads(TOWN_OSM, progress=False)
    assert summary.output == str(tmp_path / "town.roads.npz")
    assert load_network(tmp_path / "town.roads.npz").hierarchy is not None


def test_shows_progress_on_stderr_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import_roads(TOWN_OSM, tmp_path / "t.npz", progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "reading ways" in err


def test_refuses_a_file_that_is_not_osm(tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm"
    bad.write_text("this is not xml")
    with pytest.raises(Invalid):
        import_roads(bad, tmp_path / "out.npz", progress=False)
    with pytest.raises(Invalid) as err:
        import_roads(tmp_path / "missing.osm.pbf", progress=False)
    assert err.value.code == "not_a_file"


def test_refuses_an_extract_without_a_road_to_keep(tmp_path: Path) -> None:
    lone = tmp_path / "lone.osm"
    lone.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
        '<node id="1" lat="47.0" lon="9.5" version="1"/>\n'
        '<node id="2" lat="47.001" lon="9.5" version="1"/>\n'
        '<way id="3" version="1"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>\n</osm>\n'
    )
    with pytest.raises(Invalid) as err:
        import_roads(lone, tmp_path / "out.npz", progress=False)
    assert err.value.code == "no_roads"
    footpath = tmp_path / "footpath.osm"
    footpath.write_text(lone.read_text().replace("residential", "footway"))
    with pytest.raises(Invalid) as err:
        import_roads(footpath, tmp_path / "out.npz", progress=False)
    assert err.value.code == "no_roads"


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "residential"}, (True, True)),
        ({"highway": "residential", "oneway": "yes"}, (True, False)),
        ({"highway": "residential", "oneway": "true"}, (True, False)),
        ({"highway": "residential", "oneway": "1"}, (True, False)),
        ({"highway": "residential", "oneway": "-1"}, (False, True)),
        ({"highway": "motorway"}, (True, False)),
        ({"highway": "motorway", "oneway": "no"}, (True, True)),
        ({"highway": "primary", "junction": "roundabout"}, (True, False)),
        ({"highway": "residential", "access": "no"}, None),
        ({"highway": "residential", "access": "private"}, None),
        ({"highway": "residential", "access": "no", "motor_vehicle": "yes"}, (True, True)),
        ({"highway": "residential", "access": "no", "emergency": "yes"}, (True, True)),
        ({"highway": "residential", "motorcar": "no", "access": "yes"}, None),
        ({"highway": "track"}, None),
        ({"highway": "track", "access": "yes"}, (True, True)),
        ({"highway": "track", "access": "agricultural"}, None),
        ({"highway": "residential", "oneway": "reversible"}, None),
        ({"highway": "pedestrian", "area": "yes"}, None),
        ({"highway": "footway"}, None),
        ({"highway": "path"}, None),
        ({"highway": "service"}, (True, True)),
        ({"highway": "living_street"}, (True, True)),
        ({"highway": "trunk_link"}, (True, True)),
    ],
)
def test_decides_whether_and_which_way_a_patrol_car_may_drive(
    tags: dict[str, str], expected: tuple[bool, bool] | None
) -> None:
    rule = way_rule(tags, SpeedProfile())
    assert (None if rule is None else (rule.forward, rule.backward)) == expected


def test_private_roads_can_be_included_on_request() -> None:
    tags = {"highway": "residential", "access": "private"}
    assert way_rule(tags, SpeedProfile(), include_private=True) is not None


def test_reads_direction_specific_limits() -> None:
    rule = way_rule(
        {"highway": "primary", "maxspeed:forward": "80", "maxspeed:backward": "60"},
        SpeedProfile(),
    )
    assert rule is not None
    assert (rule.forward_kmh, rule.backward_kmh) == (80.0, 60.0)


@pytest.mark.shared
def test_imports_the_liechtenstein_extract(tmp_path: Path) -> None:
    source = shared_file("liechtenstein-latest.osm.pbf")
    summary = import_roads(source, tmp_path / "li.npz", progress=False)
    assert 15_000 < summary.nodes < 20_000
    assert 350 < summary.road_km < 500
    assert summary.dropped_components > 0
    network = load_network(tmp_path / "li.npz")
    assert network.hierarchy is not None
    assert network.meta["attribution"].startswith("© OpenStreetMap")
