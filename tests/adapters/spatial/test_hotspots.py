"""The hot spots' statistics on generated calls: a planted cluster is found hot and
survives the FDR correction, uniform calls give next to no hot cell, a cell whose calls
grow week by week is an emerging hot spot, the kernel density peaks at the cluster, and
the cells are valid GeoJSON hexagons (closed, counterclockwise, [lon, lat])."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import h3
import numpy as np
import pytest
import shapely

from bluepool.adapters.spatial.hotspots import H3HotSpots, adjusted
from bluepool.domain.analytics.hotspots import (
    Emerging,
    Options,
    Point,
    Spot,
    feature_collection,
)
from bluepool.domain.shared.errors import Invalid
from tests.builders import T0

YEAR = timedelta(days=364)
CENTRE = (47.15, 9.52)


def points(lat: np.ndarray, lon: np.ndarray, seconds: np.ndarray) -> list[Point]:
    return [
        Point(T0 + timedelta(seconds=s), a, b, "theft", 2, None, False)
        for a, b, s in zip(lat.tolist(), lon.tolist(), seconds.tolist(), strict=True)
    ]


def uniform(rng: np.random.Generator, n: int, span: float = 0.1) -> tuple[np.ndarray, ...]:
    lat = CENTRE[0] - span / 2 + rng.random(n) * span
    lon = CENTRE[1] - span / 2 + rng.random(n) * span
    return lat, lon, rng.random(n) * YEAR.total_seconds()


def test_a_planted_cluster_is_hot_and_survives_the_fdr_correction() -> None:
    rng = np.random.default_rng(1)
    lat, lon, at = uniform(rng, 6000)
    k = 1500  # a quarter of the calls within a few hundred metres
    lat[:k] = CENTRE[0] + rng.normal(0, 0.002, k)
    lon[:k] = CENTRE[1] + rng.normal(0, 0.003, k)
    made = H3HotSpots().analyse(points(lat, lon, at), [], Options(), T0, T0 + YEAR)
    planted = h3.latlng_to_cell(*CENTRE, 8)
    cells = {c.id: c for c in made.cells}
    assert cells[planted].spot is Spot.HOT_99
    assert cells[planted].p_fdr < 0.01
    hot = [c for c in made.cells if c.spot.value.startswith("hot")]
    # Every hot cell is the planted one or next to it.
    assert hot
    assert all(h3.grid_distance(c.id, planted) <= 1 for c in hot)
    assert sum(c.count for c in made.cells) == 6000
    assert made.step.value == "week"
    assert made.steps == 52
    assert cells[planted].emerging is Emerging.PERSISTENT_HOT


def test_uniform_calls_give_next_to_no_hot_cell_after_the_correction() -> None:
    rng = np.random.default_rng(2)
    made = H3HotSpots().analyse(points(*uniform(rng, 6000)), [], Options(), T0, T0 + YEAR)
    classes = Counter(c.spot for c in made.cells)
    hot = sum(n for s, n in classes.items() if s.value.startswith("hot"))
    assert hot <= 0.01 * len(made.cells), classes
    # Uncorrected, some cells would pass at 95 %: the correction is what removed them.
    assert sum(1 for c in made.cells if c.p_norm < 0.05 and c.gi_z > 0) > hot


def test_a_cell_with_ever_more_calls_is_an_emerging_hot_spot() -> None:
    rng = np.random.default_rng(3)
    lat, lon, at = uniform(rng, 4000)
    # 30 weeks; a new cluster in the last 6.
    weeks = 30
    n = 600
    week = weeks - 1 - np.floor(rng.random(n) * 6)
    at = np.concatenate([at * weeks / 52, (week * 7 + rng.random(n) * 7) * 86400])
    lat = np.concatenate([lat, CENTRE[0] + rng.normal(0, 0.002, n)])
    lon = np.concatenate([lon, CENTRE[1] + rng.normal(0, 0.003, n)])
    end = T0 + timedelta(weeks=weeks)
    made = H3HotSpots().analyse(points(lat, lon, at), [], Options(), T0, end)
    cell = next(c for c in made.cells if c.id == h3.latlng_to_cell(*CENTRE, 8))
    # Hot in the last steps only (consecutive; sporadic when a lone step of the sparse
    # background before was hot by chance), its z-scores rising significantly.
    assert cell.emerging in {Emerging.CONSECUTIVE_HOT, Emerging.SPORADIC_HOT}
    assert cell.trend_z is not None
    assert cell.trend_p is not None
    assert cell.trend_z > 0
    assert cell.trend_p < 0.05
    before = H3HotSpots().analyse(points(lat[:4000], lon[:4000], at[:4000]), [], Options(), T0, end)
    assert next(c for c in before.cells if c.id == cell.id).emerging is Emerging.NO_PATTERN


def test_the_kernel_density_peaks_at_the_cluster() -> None:
    rng = np.random.default_rng(4)
    lat, lon, at = uniform(rng, 3000)
    lat[:500] = CENTRE[0] + rng.normal(0, 0.001, 500)
    lon[:500] = CENTRE[1] + rng.normal(0, 0.0015, 500)
    made = H3HotSpots().analyse(points(lat, lon, at), [], Options(), T0, T0 + YEAR)
    top = max(made.density, key=lambda d: d.per_km2)
    assert abs(top.lat - CENTRE[0]) < 0.005
    assert abs(top.lon - CENTRE[1]) < 0.007
    assert 50 <= made.bandwidth_m <= 2000
    given = H3HotSpots().analyse(points(lat, lon, at), [], Options(bandwidth_m=300), T0, T0 + YEAR)
    assert given.bandwidth_m == 300


def test_the_cells_are_closed_hexagons_in_lon_lat_order_covering_the_area() -> None:
    rng = np.random.default_rng(5)
    square = shapely.box(9.40, 47.05, 9.45, 47.10)
    made = H3HotSpots().analyse(
        points(*uniform(rng, 200, 0.02)),
        [shapely.geometry.mapping(square)],
        Options(),
        T0,
        T0 + timedelta(days=3),
    )
    ids = {c.id for c in made.cells}
    # The jurisdiction's cells are there without a call in them.
    assert set(h3.geo_to_cells(square, 8)) <= ids
    assert made.step.value == "day"
    collection = feature_collection(made.cells, "Citizen-initiated calls only")
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1]
        assert len(ring) >= 7
        polygon = shapely.Polygon(ring)
        assert polygon.is_valid
        assert polygon.exterior.is_ccw  # RFC 7946's right-hand rule
        lat, lon = h3.cell_to_latlng(feature["id"])
        assert polygon.contains(shapely.Point(lon, lat))  # lon first, as GeoJSON
        assert set(feature["properties"]) >= {"count", "gi_z", "p", "p_fdr", "class", "emerging"}


def test_a_fine_resolution_over_a_large_area_is_refused() -> None:
    rng = np.random.default_rng(6)
    wide = points(*uniform(rng, 100, 3.0))
    with pytest.raises(Invalid, match="coarser resolution"):
        H3HotSpots().analyse(wide, [], Options(resolution=10), T0, T0 + YEAR)


def test_no_calls_give_the_area_without_statistics() -> None:
    square = shapely.geometry.mapping(shapely.box(9.40, 47.05, 9.42, 47.07))
    made = H3HotSpots().analyse([], [square], Options(), T0, T0 + YEAR)
    assert made.cells
    assert {c.spot for c in made.cells} == {Spot.NONE}
    assert made.density == ()


def test_benjamini_hochberg_adjusted_p_values() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.2])
    # sorted 0.01, 0.03, 0.04, 0.2 -> 0.04, 0.06, 0.0533, 0.2 -> monotone 0.04, 0.0533...
    assert adjusted(p) == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
