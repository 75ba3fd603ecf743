"""The one geometry rule: what is no area is refused, a merely invalid area is repaired."""

from __future__ import annotations

import json
from typing import Any

import pytest
import shapely

from bluepool.domain.shared.errors import Invalid
from bluepool.geo.shapes import BadGeometry, polygonal


def polygon(*rings: list[Any]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


SQUARE = [[0.0, 0.0], [0.01, 0.0], [0.01, 0.01], [0.0, 0.01], [0.0, 0.0]]
#: A figure eight: two triangles crossing at (0.005, 0.005).
BOWTIE = [[0.0, 0.0], [0.01, 0.01], [0.01, 0.0], [0.0, 0.01], [0.0, 0.0]]


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        (None, "no geometry"),
        ("POLYGON ((0 0, 1 0, 1 1, 0 0))", "not a GeoJSON object"),
        (
            {"type": "Point", "coordinates": [9.5, 47.2]},
            "must be a Polygon or MultiPolygon, not Point",
        ),
        ({"coordinates": [SQUARE]}, "must be a Polygon or MultiPolygon, not None"),
        (polygon([[0, 0], [1, 0]]), "malformed Polygon coordinates"),
        ({"type": "Polygon"}, "malformed Polygon coordinates"),
        (polygon(), "empty Polygon"),
        (polygon([]), "empty Polygon"),
        ({"type": "MultiPolygon", "coordinates": []}, "empty MultiPolygon"),
        ({"type": "MultiPolygon", "coordinates": [[]]}, "empty MultiPolygon"),
        (polygon([[0, 0], [float("nan"), 0], [1, 1], [0, 0]]), "a coordinate is not a number"),
        (polygon([[0, 0], [500, 0], [500, 1], [0, 0]]), "coordinates outside longitude"),
        (polygon([[0, 0], [-180.5, 0], [-180.5, 1], [0, 0]]), "coordinates outside longitude"),
        (polygon([[0, 89], [1, 89], [1, 91], [0, 89]]), "coordinates outside longitude"),
        (polygon([[0, 0], [1, 1], [2, 2], [0, 0]]), "zero area"),  # collinear
        (polygon([[0, 0], [1, 0], [1, 0], [0, 0]]), "zero area"),  # a spike
    ],
)
def test_refuses_what_is_no_area(geometry: Any, reason: str) -> None:
    with pytest.raises(BadGeometry) as err:
        polygonal(geometry, "jurisdictions[3].geometry")
    assert isinstance(err.value, Invalid)
    assert err.value.code == "bad_geometry"
    assert err.value.where == "jurisdictions[3].geometry"
    assert err.value.reason.startswith(reason)
    assert err.value.detail == f"jurisdictions[3].geometry: {err.value.reason}"


def test_names_the_coordinate_out_of_range_longitude_first() -> None:
    with pytest.raises(BadGeometry) as err:
        polygonal(polygon([[9.5, 47.1], [9.6, 47.1], [47.2, 190.0], [9.5, 47.1]]), "here")
    assert "(47.2, 190)" in err.value.reason
    assert "GeoJSON puts longitude first" in err.value.reason


def test_a_valid_area_comes_back_as_given_without_warnings() -> None:
    given = {**polygon(SQUARE), "bbox": [0, 0, 0.01, 0.01]}
    assert polygonal(given, "here") == (polygon(SQUARE), ())


def test_accepts_coordinates_on_the_edges_of_the_range() -> None:
    edge = [[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]
    assert polygonal(polygon(edge), "here") == (polygon(edge), ())


def test_repairs_a_self_intersecting_polygon_keeping_its_area_and_says_so() -> None:
    geometry, warnings = polygonal(polygon(BOWTIE), "here")
    repaired = shapely.geometry.shape(geometry)
    assert geometry["type"] == "MultiPolygon"
    assert repaired.is_valid
    assert repaired.area == pytest.approx(0.01 * 0.01 / 2)
    assert repaired.contains(shapely.Point(0.002, 0.005))  # the left triangle
    assert repaired.contains(shapely.Point(0.008, 0.005))  # the right one
    assert not repaired.contains(shapely.Point(0.005, 0.002))
    json.dumps(geometry)  # still plain GeoJSON
    [warning] = warnings
    assert warning.startswith("invalid Polygon (Self-intersection[")
    assert "repaired" in warning


def test_repair_keeps_only_the_polygonal_parts() -> None:
    # A square with a dangling zero-width spike: make_valid gives the square plus a line.
    spike = [[0, 0], [0.01, 0], [0.02, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]
    geometry, warnings = polygonal(polygon(spike), "here")
    assert geometry["type"] in ("Polygon", "MultiPolygon")
    shape = shapely.geometry.shape(geometry)
    assert shape.is_valid
    assert shape.area == pytest.approx(0.01 * 0.01)
    assert len(warnings) == 1


def test_repairs_overlapping_parts_of_a_multipolygon() -> None:
    shifted = [[x + 0.005, y] for x, y in SQUARE]
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE], [shifted]]}
    geometry, warnings = polygonal(multi, "here")
    shape = shapely.geometry.shape(geometry)
    assert shape.is_valid
    assert shape.area == pytest.approx(0.015 * 0.01)
    assert warnings[0].startswith("invalid MultiPolygon")
