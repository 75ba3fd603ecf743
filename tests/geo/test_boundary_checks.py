"""Boundaries that cannot be jurisdictions are refused; merely invalid polygons are repaired."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import shapely

from bluepool.domain.shared.errors import Invalid
from bluepool.geo.boundaries import read_boundaries, read_geojson_boundaries


def polygon(*rings: list[Any]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


SQUARE = [[0.0, 0.0], [0.01, 0.0], [0.01, 0.01], [0.0, 0.01], [0.0, 0.0]]
#: A figure eight: two triangles crossing at (0.005, 0.005).
BOWTIE = [[0.0, 0.0], [0.01, 0.01], [0.01, 0.0], [0.0, 0.01], [0.0, 0.0]]


def write(tmp_path: Path, *named: tuple[str, dict[str, Any]], file: str = "areas.geojson") -> Path:
    features = [
        {"type": "Feature", "properties": {"name": name}, "geometry": geometry}
        for name, geometry in named
    ]
    path = tmp_path / file
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.parametrize(
    ("geometry", "why"),
    [
        (polygon(), "empty geometry"),
        (polygon([]), "empty geometry"),
        ({"type": "MultiPolygon", "coordinates": []}, "empty geometry"),
        ({"type": "MultiPolygon", "coordinates": [[]]}, "empty geometry"),
        (polygon([[0, 0], [1, 0]]), "unreadable geometry"),
        (polygon([[0, 0], [500, 0], [500, 1], [0, 0]]), "outside longitude"),
        (polygon([[0, 0], [-180.5, 0], [-180.5, 1], [0, 0]]), "outside longitude"),
        (polygon([[0, 89], [1, 89], [1, 91], [0, 89]]), "latitude -90..90"),
        (polygon([[0, 0], [1, 1], [2, 2], [0, 0]]), "zero area"),  # collinear
        (polygon([[0, 0], [1, 0], [1, 0], [0, 0]]), "zero area"),  # a spike
    ],
)
def test_refuses_a_boundary_that_is_no_area(
    tmp_path: Path, geometry: dict[str, Any], why: str
) -> None:
    path = write(tmp_path, ("Good", polygon(SQUARE)), ("Nowhere", geometry))
    with pytest.raises(Invalid) as err:
        read_boundaries(path)
    assert err.value.code == "bad_geometry"
    assert "areas.geojson" in err.value.detail
    assert "'Nowhere'" in err.value.detail
    assert why in err.value.detail


def test_refuses_a_coordinate_that_is_not_a_number(tmp_path: Path) -> None:
    path = tmp_path / "nan.geojson"
    ring = "[[0, 0], [NaN, 0], [1, 1], [0, 0]]"
    path.write_text(
        '{"type": "Feature", "properties": {"name": "NaNville"}, '
        f'"geometry": {{"type": "Polygon", "coordinates": [{ring}]}}}}'
    )
    with pytest.raises(Invalid) as err:
        read_geojson_boundaries(path)
    assert err.value.code == "bad_geometry"
    assert "NaNville" in err.value.detail


def test_accepts_coordinates_on_the_edges_of_the_range(tmp_path: Path) -> None:
    edge = [[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]
    found = read_boundaries(write(tmp_path, ("World", polygon(edge))))
    assert found[0].geometry == polygon(edge)


def test_repairs_a_self_intersecting_polygon_keeping_its_area(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, ("Bowtie", polygon(BOWTIE)), ("Good", polygon(SQUARE)))
    with caplog.at_level(logging.WARNING):
        found = read_boundaries(path)
    assert [b.name for b in found] == ["Bowtie", "Good"]
    repaired = shapely.geometry.shape(found[0].geometry)
    assert found[0].geometry["type"] == "MultiPolygon"
    assert repaired.is_valid
    assert repaired.area == pytest.approx(0.01 * 0.01 / 2)
    assert repaired.contains(shapely.Point(0.002, 0.005))  # the left triangle
    assert repaired.contains(shapely.Point(0.008, 0.005))  # the right one
    assert not repaired.contains(shapely.Point(0.005, 0.002))
    json.dumps(found[0].geometry)  # still plain GeoJSON
    assert found[1].geometry == polygon(SQUARE)  # a valid one is returned as given
    assert "'Bowtie' in areas.geojson is not a valid polygon" in caplog.text


def test_repair_keeps_only_the_polygonal_parts(tmp_path: Path) -> None:
    # A square with a dangling zero-width spike: make_valid gives the square plus a line.
    spike = [[0, 0], [0.01, 0], [0.02, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]
    found = read_boundaries(write(tmp_path, ("Spiky", polygon(spike))))
    assert found[0].geometry["type"] in ("Polygon", "MultiPolygon")
    shape = shapely.geometry.shape(found[0].geometry)
    assert shape.is_valid
    assert shape.area == pytest.approx(0.01 * 0.01)


def test_repairs_overlapping_parts_of_a_multipolygon(tmp_path: Path) -> None:
    shifted = [[x + 0.005, y] for x, y in SQUARE]
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE], [shifted]]}
    found = read_boundaries(write(tmp_path, ("Twice", multi)))
    shape = shapely.geometry.shape(found[0].geometry)
    assert shape.is_valid
    assert shape.area == pytest.approx(0.015 * 0.01)


def test_refuses_the_same_name_twice_in_one_file(tmp_path: Path) -> None:
    other = [[x + 1, y] for x, y in SQUARE]
    path = write(
        tmp_path, ("Springfield", polygon(SQUARE)), ("Shelbyville", polygon(other)),
        ("Springfield ", polygon(other)),
    )  # fmt: skip
    with pytest.raises(Invalid) as err:
        read_boundaries(path)
    assert "'Springfield'" in err.value.detail
    assert "areas.geojson" in err.value.detail
    assert "Shelbyville" not in err.value.detail


def test_names_may_repeat_across_files(tmp_path: Path) -> None:
    a = write(tmp_path, ("Springfield", polygon(SQUARE)), file="a.geojson")
    b = write(tmp_path, ("Springfield", polygon(SQUARE)), file="b.json")
    assert [x.name for x in read_boundaries(a) + read_boundaries(b)] == ["Springfield"] * 2
