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


def test_refuses_a_boundary_that_is_no_area_naming_it_and_its_file(tmp_path: Path) -> None:
    # What counts as no area is geo.shapes' rule (tests/geo/test_shapes.py).
    empty = polygon([])
    path = write(tmp_path, ("Good", polygon(SQUARE)), ("Nowhere", empty))
    with pytest.raises(Invalid) as err:
        read_boundaries(path)
    assert err.value.code == "bad_geometry"
    assert err.value.detail == "boundary 'Nowhere' in areas.geojson: empty Polygon"


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


def test_repairs_a_self_intersecting_polygon_and_logs_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, ("Bowtie", polygon(BOWTIE)), ("Good", polygon(SQUARE)))
    with caplog.at_level(logging.WARNING):
        found = read_boundaries(path)
    assert [b.name for b in found] == ["Bowtie", "Good"]
    repaired = shapely.geometry.shape(found[0].geometry)
    assert repaired.is_valid
    assert repaired.area == pytest.approx(0.01 * 0.01 / 2)
    assert found[1].geometry == polygon(SQUARE)  # a valid one is returned as given
    assert "boundary 'Bowtie' in areas.geojson: invalid Polygon (Self-intersection" in caplog.text
    assert "Good" not in caplog.text


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
