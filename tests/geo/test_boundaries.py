"""Administrative boundaries from OpenStreetMap (assembled multipolygons) or GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapely

from bluepool.domain.shared.errors import Invalid
from bluepool.geo.boundaries import (
    read_boundaries,
    read_geojson_boundaries,
    read_osm_boundaries,
)

DATA = Path(__file__).parent / "data"
ADMIN_OSM = DATA / "admin.osm"
SHARED = Path(__file__).parents[2].parent / "shared" / "data"


def square(x: float, y: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_reads_municipalities_from_relations_and_closed_ways() -> None:
    found = read_osm_boundaries(ADMIN_OSM)
    assert [b.name for b in found] == ["Ostdorf", "Westdorf"]
    west = shapely.geometry.shape(found[1].geometry)
    assert found[1].geometry["type"] == "MultiPolygon"
    assert west.contains(shapely.Point(9.505, 47.005))
    assert not west.contains(shapely.Point(9.515, 47.005))
    assert west.area == pytest.approx(0.01 * 0.01)


def test_the_admin_level_is_configurable() -> None:
    assert [b.name for b in read_osm_boundaries(ADMIN_OSM, admin_level=6)] == ["Bezirk"]
    assert read_osm_boundaries(ADMIN_OSM, admin_level="4") == []


def test_reads_a_geojson_feature_collection_named_by_a_property(tmp_path: Path) -> None:
    path = tmp_path / "areas.geojson"
    features = [
        {"type": "Feature", "properties": {"AREA_NAME": "BEXLEY"}, "geometry": square(0, 0)},
        {"type": "Feature", "properties": {"AREA_NAME": "WHITEHALL"}, "geometry": square(1, 0)},
        {"type": "Feature", "properties": {"AREA_NAME": "a point"},
         "geometry": {"type": "Point", "coordinates": [0, 0]}},
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    found = read_boundaries(path)
    assert [b.name for b in found] == ["BEXLEY", "WHITEHALL"]
    assert found[0].geometry == square(0, 0)


def test_the_name_property_can_be_chosen(tmp_path: Path) -> None:
    path = tmp_path / "areas.json"
    feature = {
        "type": "Feature",
        "properties": {"name": "x", "beat": "B12"},
        "geometry": square(0, 0),
    }
    path.write_text(json.dumps(feature))
    assert read_geojson_boundaries(path)[0].name == "x"
    assert read_geojson_boundaries(path, name_property="beat")[0].name == "B12"


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"type": "Point", "coordinates": [0, 0]}),
        json.dumps({"type": "FeatureCollection", "features": []}),
        json.dumps({"type": "Feature", "properties": {"id": 1}, "geometry": square(0, 0)}),
        json.dumps({"type": "Feature", "properties": {"name": ""}, "geometry": square(0, 0)}),
        json.dumps(square(0, 0)),
    ],
)
def test_refuses_geojson_without_named_areas(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(Invalid) as err:
        read_geojson_boundaries(path)
    assert err.value.code == "bad_geojson"


def test_refuses_a_missing_osm_file(tmp_path: Path) -> None:
    with pytest.raises(Invalid):
        read_boundaries(tmp_path / "missing.osm.pbf")


@pytest.mark.shared
def test_reads_the_eleven_municipalities_of_liechtenstein() -> None:
    source = SHARED / "osm-extracts" / "liechtenstein-latest.osm.pbf"
    if not source.is_file():
        pytest.skip(f"needs {source} (the ../shared folder beside the project is absent)")
    names = [b.name for b in read_osm_boundaries(source)]
    assert names == sorted(
        ["Balzers", "Eschen", "Gamprin", "Mauren", "Planken", "Ruggell", "Schaan",
         "Schellenberg", "Triesen", "Triesenberg", "Vaduz"]
    )  # fmt: skip


@pytest.mark.shared
def test_reads_the_columbus_municipalities_geojson() -> None:
    source = (
        SHARED
        / "columbus-franklin-municipal-boundaries"
        / "communities_and_municipalities.derived.geojson"
    )
    if not source.is_file():
        pytest.skip(f"needs {source} (the ../shared folder beside the project is absent)")
    found = read_geojson_boundaries(source)
    assert len(found) == 65
    assert "BEXLEY" in {b.name for b in found}
