"""The ``SpatialStats`` port with h3, esda + libpysal, numpy and scipy
(``domain.analytics.hotspots`` decides what the numbers mean; docs/hotspots.md).

1. Each located call's H3 cell at the resolution asked (``h3.latlng_to_cell``).
2. The study area: the cells with calls, and the cells of the jurisdictions and of the
   calls' convex hull (``h3.geo_to_cells``), so a cell without calls counts as a zero.
3. Neighbours: the cell and its first ring (``h3.grid_disk(cell, 1)``) within the area,
   binary weights; Gi* (the cell itself in its neighbourhood, ``esda.G_Local``),
   normal and permutation p-values; the normal ones' cut-offs for 99, 95 and 90 % by
   ``esda.fdr`` (docs/decisions/0030).
4. Emerging: the counts per cell and time step, Gi* in each step on the counts of the
   step and the one before (a space-time neighbourhood of one step, as the usual
   emerging hot-spot analysis; the analytic z-score and its two-sided normal p-value,
   FDR-corrected within the step), the Mann-Kendall
   trend of each cell's z-scores, and ``hotspots.emerging``.
5. Kernel density: the calls binned on a square grid in local metres, smoothed with a
   Gaussian of the bandwidth (a binned KDE), in calls per km².
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import esda
import h3
import libpysal
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import ndimage, spatial, stats

from bluepool.domain.analytics import hotspots as rules
from bluepool.domain.analytics.hotspots import (
    CONFIDENCES,
    Analysis,
    Cell,
    Density,
    Options,
    Point,
    Step,
)
from bluepool.domain.shared.errors import Invalid

#: The most cells a study area may have (a coarser resolution is then asked for).
MAX_CELLS = 60_000
#: The kernel density grid has at most this many squares along its longer side.
GRID = 100
#: Squares under this share of the densest are left out of the answer.
FAINT = 0.01
#: Metres per degree of latitude, and of longitude at the equator (local projection).
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0


@contextmanager
def _quiet() -> Iterator[None]:
    """esda and libpysal warn of islands and of zero variance, both answered here, and
    that the permutation p-value will be two-sided one day (``gi_star`` makes it so)."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


class H3HotSpots:
    """Hot spots on H3 cells."""

    def analyse(
        self,
        located: Sequence[Point],
        areas: Sequence[Mapping[str, Any]],
        options: Options,
        start: datetime,
        end: datetime,
    ) -> Analysis:
        res = options.resolution
        lat = np.fromiter((p.lat for p in located), float, len(located))
        lon = np.fromiter((p.lon for p in located), float, len(located))
        of_call = [
            h3.latlng_to_cell(a, b, res) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)
        ]
        ids = area_cells(of_call, lat, lon, areas, res)
        index = {c: i for i, c in enumerate(ids)}
        where = np.fromiter((index[c] for c in of_call), np.int64, len(of_call))
        counts = np.bincount(where, minlength=len(ids)).astype(float)
        weights = neighbours(ids, index)
        step = options.step or rules.step_for(start, end)
        steps = rules.steps_in(start, end, step)
        z, p_sim = gi_star(counts, weights, options)
        p = normal_p(z)
        q = adjusted(p)
        cutoffs = {c: fdr_cutoff(p, 1 - c / 100) for c in CONFIDENCES}
        emerging, trends = space_time(located, where, len(ids), weights, start, step, steps)
        density, bandwidth, grid = kernel_density(lat, lon, options.bandwidth_m)
        cells = []
        for i, cell in enumerate(ids):
            centre = h3.cell_to_latlng(cell)
            ring = [(b, a) for a, b in h3.cell_to_boundary(cell)]
            trend = trends.get(i)
            cells.append(
                Cell(
                    cell,
                    centre[0],
                    centre[1],
                    (*ring, ring[0]),
                    int(counts[i]),
                    float(z[i]),
                    float(p_sim[i]),
                    float(p[i]),
                    float(q[i]),
                    rules.spot(float(z[i]), float(p[i]), float(p_sim[i]), cutoffs),
                    emerging.get(i),
                    None if trend is None else trend.z,
                    None if trend is None else trend.p,
                )
            )
        return Analysis(tuple(cells), cutoffs, density, bandwidth, grid, step, steps)


def area_cells(
    of_call: Sequence[str],
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    areas: Sequence[Mapping[str, Any]],
    res: int,
) -> list[str]:
    """The study area's cells, sorted: those with calls, and those of ``areas`` and of
    the calls' convex hull. Invalid when it would have more than ``MAX_CELLS``."""
    shapes = [shapely.geometry.shape(g) for g in areas]
    xy = np.unique(np.column_stack([lon, lat]), axis=0) if len(lat) else np.empty((0, 2))
    if len(xy) >= 3:
        try:
            corners = xy[spatial.ConvexHull(xy).vertices]
        except spatial.QhullError:  # all on one line: no area to add
            corners = np.empty((0, 2))
        if len(corners) >= 3:
            shapes.append(shapely.Polygon(corners))
    cell_km2 = h3.average_hexagon_area(res, unit="km^2")
    found = set(of_call)
    for shape in shapes:
        y = shape.centroid.y if not shape.is_empty else 0.0
        km2 = shape.area * M_PER_DEG_LAT * M_PER_DEG_LON * math.cos(math.radians(y)) / 1e6
        if km2 / cell_km2 > MAX_CELLS:
            raise Invalid(
                f"the study area has about {km2 / cell_km2:,.0f} H3 cells at resolution "
                f"{res} (at most {MAX_CELLS:,}): choose a coarser resolution",
                code="too_many_cells",
            )
        found.update(h3.geo_to_cells(shape, res))
    if len(found) > MAX_CELLS:
        raise Invalid(
            f"the study area has {len(found):,} H3 cells at resolution {res} (at most "
            f"{MAX_CELLS:,}): choose a coarser resolution",
            code="too_many_cells",
        )
    return sorted(found)


def neighbours(ids: Sequence[str], index: Mapping[str, int]) -> Any:
    """Binary weights: each cell and its first ring of H3 neighbours within the area (the
    cell itself on the diagonal: Gi*, so esda need not rebuild the weights each time)."""
    rings = {i: [index[n] for n in h3.grid_disk(c, 1) if n in index] for i, c in enumerate(ids)}
    with _quiet():
        w = libpysal.weights.W(rings, silence_warnings=True)
        w.transform = "B"
        return w


def gi_star(
    counts: NDArray[np.float64], weights: Any, options: Options
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gi* z-scores and two-sided permutation p-values: twice esda's (the share of
    permutations at least as far out on the observed side), at most 1; 0 and 1 where
    the counts do not vary."""
    n = len(counts)
    if n < 3 or counts.std() == 0:
        return np.zeros(n), np.ones(n)
    with _quiet():
        g = esda.G_Local(
            counts,
            weights,
            transform="B",
            star=None,
            permutations=options.permutations,
            seed=options.seed,
            n_jobs=1,
            keep_simulations=False,
        )
    z = np.nan_to_num(np.asarray(g.Zs, float))
    p = np.where(np.isfinite(g.p_sim), np.minimum(1.0, 2 * np.asarray(g.p_sim, float)), 1.0)
    return z, np.asarray(p, float)


def normal_p(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """The two-sided normal p-value of each z-score."""
    return np.asarray(2 * stats.norm.sf(np.abs(z)), float)


def fdr_cutoff(p: NDArray[np.float64], alpha: float) -> float:
    """The p-value under which a test is significant at ``alpha`` after the
    Benjamini-Hochberg correction (``esda.fdr``)."""
    if len(p) == 0:
        return alpha
    return float(esda.fdr(p, alpha))


def adjusted(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Benjamini-Hochberg adjusted p-values: n p_(k) / k, made monotone from the top."""
    n = len(p)
    if n == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out


def space_time(
    located: Sequence[Point],
    where: NDArray[np.int64],
    cells: int,
    weights: Any,
    start: datetime,
    step: Step,
    steps: int,
) -> tuple[dict[int, rules.Emerging], dict[int, rules.Trend]]:
    """The emerging class and the z-scores' trend of each cell with a call, by index."""
    if steps < rules.MIN_STEPS or cells < 3:
        return {}, {}
    seconds = step.length.total_seconds()
    at = np.fromiter(((p.received - start).total_seconds() for p in located), float)
    slot = np.clip((at // seconds).astype(np.int64), 0, steps - 1)
    cube = np.zeros((cells, steps))
    np.add.at(cube, (where, slot), 1.0)
    z = np.zeros((cells, steps))
    state = np.zeros((cells, steps), dtype=np.int64)
    # The space-time neighbourhood: a step's counts with those of the step before.
    window = cube.copy()
    window[:, 1:] += cube[:, :-1]
    for t in range(steps):
        column = window[:, t]
        if column.std() == 0:
            continue
        with _quiet():
            g = esda.G_Local(column, weights, transform="B", star=None, permutations=0)
        zt = np.nan_to_num(np.asarray(g.Zs, float))
        pt = normal_p(zt)
        cut = fdr_cutoff(pt, rules.STEP_ALPHA)
        z[:, t] = zt
        state[:, t] = np.where(pt < cut, np.sign(zt), 0)
    emerging: dict[int, rules.Emerging] = {}
    trends: dict[int, rules.Trend] = {}
    for i in np.flatnonzero(cube.sum(axis=1) > 0).tolist():
        trend = rules.mann_kendall(z[i].tolist())
        trends[i] = trend
        emerging[i] = rules.emerging(state[i].tolist(), trend)
    return emerging, trends


def kernel_density(
    lat: NDArray[np.float64], lon: NDArray[np.float64], bandwidth_m: float | None
) -> tuple[tuple[Density, ...], float, float]:
    """The grid's squares with their density (calls per km²), the bandwidth and the
    squares' side, in metres."""
    if len(lat) == 0:
        return (), bandwidth_m or rules.BANDWIDTHS_M[0], 0.0
    lat0 = float(lat.mean())
    x = lon * M_PER_DEG_LON * math.cos(math.radians(lat0))
    y = lat * M_PER_DEG_LAT
    h = bandwidth_m or rules.silverman_m(float(x.std()), float(y.std()), len(lat))
    pad = 3 * h
    x0, x1, y0, y1 = x.min() - pad, x.max() + pad, y.min() - pad, y.max() + pad
    side = max(x1 - x0, y1 - y0) / GRID
    nx, ny = max(1, math.ceil((x1 - x0) / side)), max(1, math.ceil((y1 - y0) / side))
    binned, _, _ = np.histogram2d(
        y, x, bins=[ny, nx], range=[[y0, y0 + ny * side], [x0, x0 + nx * side]]
    )
    smooth = ndimage.gaussian_filter(binned, sigma=h / side, mode="constant", truncate=3.0)
    per_km2 = smooth / (side * side / 1e6)
    top = float(per_km2.max())
    rows, cols = np.nonzero(per_km2 >= top * FAINT) if top > 0 else (np.array([]),) * 2
    squares = tuple(
        Density(
            (y0 + (r + 0.5) * side) / M_PER_DEG_LAT,
            (x0 + (c + 0.5) * side) / (M_PER_DEG_LON * math.cos(math.radians(lat0))),
            float(per_km2[r, c]),
        )
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
    )
    return squares, float(h), float(side)
