"""A synthetic road-like network, for benchmarks and tests at sizes no small extract has.

A square grid of junctions about ``spacing_m`` apart, each nudged at random, where most
streets are slow residential ones (some one way, some missing, as in a real town), every
tenth street is a faster arterial and every fiftieth a fast highway. Only the largest
strongly connected component is kept, as an import would.
"""

from __future__ import annotations

import math

import numpy as np

from bluepool.routing import network as roadnet
from bluepool.routing.network import EARTH_RADIUS_M, RoadNetwork


def road_grid(
    side: int,
    *,
    seed: int = 0,
    spacing_m: float = 100.0,
    missing: float = 0.15,
    oneway: float = 0.1,
    origin: tuple[float, float] = (47.0, 9.5),
) -> RoadNetwork:
    """Return a ``side`` x ``side`` road-like grid network (before its hierarchy is built)."""
    rng = np.random.default_rng(seed)
    n = side * side
    row, col = np.divmod(np.arange(n), side)
    x = col * spacing_m + rng.uniform(-0.2, 0.2, n) * spacing_m
    y = row * spacing_m + rng.uniform(-0.2, 0.2, n) * spacing_m
    lat0, lon0 = origin
    lat = lat0 + np.degrees(y / EARTH_RADIUS_M)
    lon = lon0 + np.degrees(x / (EARTH_RADIUS_M * math.cos(math.radians(lat0))))

    ids = np.arange(n).reshape(side, side)
    # Horizontal streets lie along rows, vertical ones along columns.
    a = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    b = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    street = np.concatenate(
        [np.repeat(np.arange(side), side - 1), np.tile(np.arange(side), side - 1)]
    )
    kmh = rng.choice([30.0, 40.0, 50.0], size=len(a), p=[0.5, 0.3, 0.2])
    arterial = street % 10 == 5
    highway = street % 50 == 25
    kmh[arterial] = 70.0
    kmh[highway] = 110.0
    local = ~(arterial | highway)
    keep = ~local | (rng.random(len(a)) >= missing)
    a, b, kmh, local = a[keep], b[keep], kmh[keep], local[keep]
    one = local & (rng.random(len(a)) < oneway)
    flip = one & (rng.random(len(a)) < 0.5)
    a, b = np.where(flip, b, a), np.where(flip, a, b)
    length = np.hypot(x[b] - x[a], y[b] - y[a])
    seconds = length / (kmh / 3.6)
    both = ~one
    tails = np.concatenate([a, b[both]])
    heads = np.concatenate([b, a[both]])
    weights = np.concatenate([seconds, seconds[both]])
    whole = roadnet.from_edges(
        tails, heads, weights, lat, lon, meta={"source": f"synthetic road grid {side}x{side}"}
    )
    kept, _ = roadnet.largest_component(whole)
    return kept
