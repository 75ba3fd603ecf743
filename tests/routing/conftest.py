"""Shared fixtures for the routing tests: the hand-made town, the demo network, ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluepool.routing.network import RoadNetwork, demo_network_path, load_network
from bluepool.routing.oracle import RoadTravelTimes
from bluepool.routing.roads import import_roads

DATA = Path(__file__).parent / "data"
TOWN_OSM = DATA / "town.osm"
SHARED = Path(__file__).parents[2].parent / "shared"
EXTRACTS = SHARED / "data" / "osm-extracts"


def shared_file(name: str) -> Path:
    """Return a file of ../shared/data/osm-extracts, or skip the test when it is absent."""
    path = EXTRACTS / name
    if not path.is_file():
        pytest.skip(f"needs {path} (the ../shared folder beside the project is absent)")
    return path


@pytest.fixture(scope="session")
def town_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("town") / "town.roads.npz"
    import_roads(TOWN_OSM, out, progress=False)
    return out


@pytest.fixture(scope="session")
def town(town_path: Path) -> RoadNetwork:
    return load_network(town_path)


@pytest.fixture(scope="session")
def town_times(town_path: Path) -> RoadTravelTimes:
    return RoadTravelTimes.from_file(town_path)


@pytest.fixture(scope="session")
def demo_times() -> RoadTravelTimes:
    return RoadTravelTimes.from_file(demo_network_path())
