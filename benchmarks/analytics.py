"""Importing CAD history and reporting its KPIs (issue 13): the DuckDB store against a
pandas baseline on the same file, in the same run.

A generated export of ``--calls`` calls (1,000,000 by default) in the San Francisco
format (times as ``2026/01/15 07:18:10 AM``, floating Pacific time; priorities A/B/C; call
type descriptions; WKT points; an on-view flag), written once with DuckDB before anything
is timed. Then:

- **import**: ``DuckHistory.import_files`` with a mapping like the shipped SF one (times
  parsed in the zone, priority and call type maps, agency, self-initiated, WKT points,
  every dropped and doubtful row counted) into a fresh file, committed;
- **KPI report**: ``DuckHistory.summarise`` of the whole period by self-initiated,
  priority and call type (the six KPIs, median, 90th percentile, counts), best of 3;
- **figures and goals**: the KPI report's figures' numbers (``DuckHistory.figures``) and
  one goal judged over each of 53 weeks (``DuckHistory.judge``), in SQL as the report
  page and the goals do on the history (decision 0032);
- **baseline**: pandas doing the same: ``read_csv``, ``to_datetime`` with the format,
  ``tz_localize``, the maps, the six intervals, then ``groupby`` with the two quantiles
  and counts (no drop or doubt counting, no store: less work than the import).

- **hot spots**: ``H3HotSpots.analyse`` on ``--points`` generated calls (100,000 by
  default; a year, a county-sized square with ten planted clusters): H3 counts at
  resolution 8, the study area, Gi* with 999 permutations, the FDR cut-offs, the
  emerging classes over 52 weeks (Gi* per week, Mann-Kendall per cell) and the kernel
  density, best of 2; **baseline**: the same statistics by hand with dense matrices
  (neighbours from a distance matrix of the cells' centres, Gi* as matrix products,
  999 total permutations as one product, Benjamini-Hochberg by sorting, the same
  Mann-Kendall), the calls counted per cell in a Python loop.

    PYTHONPATH=src .venv/bin/python benchmarks/analytics.py [--calls 1000000]

The last line is the JSON result.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import footer
from scipy import stats

from bluepool.adapters.history.store import DuckHistory
from bluepool.domain.analytics import hotspots
from bluepool.domain.analytics.goals import Goal, Statistic
from bluepool.domain.analytics.history import CallMapping, Coded, WktPoint
from bluepool.domain.analytics.hotspots import Emerging, Options, Point, Spot, Step
from bluepool.domain.analytics.kpis import KPIS, Dimension, Stage

FORMAT = "%Y/%m/%d %I:%M:%S %p"
ZONE = "America/Los_Angeles"
TYPES = {
    "BURGLARY": "burglary",
    "PETTY THEFT": "theft",
    "FIGHT NO WEAPON": "assault",
    "SUSPICIOUS PERSON": "suspicious_person",
    "TRAFFIC STOP": "traffic_stop",
    "WELL BEING CHECK": "welfare_check",
}
PRIORITIES = {"A": "1", "B": "2", "C": "3"}
COLUMNS = {
    Stage.RECEIVED: "received_datetime",
    Stage.ENTERED: "entry_datetime",
    Stage.DISPATCHED: "dispatch_datetime",
    Stage.EN_ROUTE: "enroute_datetime",
    Stage.ON_SCENE: "onscene_datetime",
    Stage.CLEARED: "close_datetime",
}
MAPPING = CallMapping(
    name="benchmark.yaml",
    time_format=FORMAT,
    time_zone=ZONE,
    stages=COLUMNS,
    id_column="cad_number",
    priority=Coded("priority_final", PRIORITIES),
    call_type=Coded("call_type_final_desc", TYPES),
    agency=Coded("agency", {"Police": "sfpd", "Sheriff": "sfso"}),
    unit_kind=Coded(constant="patrol"),
    self_initiated_column="onview_flag",
    self_initiated_values=("Y",),
    location=WktPoint("intersection_point"),
)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
#: The generated calls start here (Pacific midnight), one every 31 s: a year for a million.
START = datetime(2025, 1, 1, 8, tzinfo=UTC)
BY = [Dimension.SELF_INITIATED, Dimension.PRIORITY, Dimension.CALL_TYPE]


def generate(path: Path, n: int) -> None:
    import duckdb

    types = ", ".join(f"'{t}'" for t in TYPES)
    seconds = {  # each stage after the one before, in seconds (NULL: never reached)
        "entry": "received + to_seconds(CAST(random() * 90 AS BIGINT))",
        "dispatch": "entry + to_seconds(CAST(-ln(random()) * 600 AS BIGINT))",
        "enroute": "dispatch + to_seconds(CAST(random() * 120 AS BIGINT))",
        "onscene": "CASE WHEN random() < 0.9 THEN enroute "
        "+ to_seconds(CAST(60 + random() * 900 AS BIGINT)) END",
        "close": "COALESCE(onscene, enroute) + to_seconds(CAST(random() * 3600 AS BIGINT))",
    }
    with duckdb.connect() as con:
        con.execute("SELECT setseed(0.13)")
        con.execute(
            f"""
            COPY (
              WITH r AS (
                SELECT i, TIMESTAMP '2025-01-01' + to_seconds(CAST(i * 31 AS BIGINT)) AS received
                FROM range({n}) t(i)
              ), e AS (SELECT *, {seconds["entry"]} AS entry FROM r),
              d AS (SELECT *, {seconds["dispatch"]} AS dispatch FROM e),
              w AS (SELECT *, {seconds["enroute"]} AS enroute FROM d),
              s AS (SELECT *, {seconds["onscene"]} AS onscene FROM w),
              c AS (SELECT *, {seconds["close"]} AS close FROM s)
              SELECT 260000000 + i AS cad_number,
                strftime(received, '{FORMAT}') AS received_datetime,
                strftime(entry, '{FORMAT}') AS entry_datetime,
                strftime(dispatch, '{FORMAT}') AS dispatch_datetime,
                strftime(enroute, '{FORMAT}') AS enroute_datetime,
                strftime(onscene, '{FORMAT}') AS onscene_datetime,
                strftime(close, '{FORMAT}') AS close_datetime,
                [{types}][1 + CAST(floor(random() * {len(TYPES)}) AS INTEGER)]
                  AS call_type_final_desc,
                ['A', 'B', 'B', 'C', 'C', 'C'][1 + CAST(floor(random() * 6) AS INTEGER)]
                  AS priority_final,
                CASE WHEN random() < 0.9 THEN 'Police' ELSE 'Sheriff' END AS agency,
                CASE WHEN random() < 0.3 THEN 'Y' ELSE 'N' END AS onview_flag,
                CASE WHEN random() < 0.7 THEN printf('POINT (%.4f %.4f)',
                  -122.51 + random() * 0.14, 37.70 + random() * 0.12) END
                  AS intersection_point
              FROM c
            ) TO '{path}' (HEADER, DELIMITER ',')
            """
        )


def pandas_baseline(path: Path) -> tuple[float, int]:
    """Read, parse, map and summarise with pandas; its time and the groups' row count."""
    import numpy as np
    import pandas as pd

    t0 = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    at = {
        s: pd.to_datetime(frame[c].replace("", None), format=FORMAT).dt.tz_localize(
            ZONE, ambiguous="NaT", nonexistent="NaT"
        )
        for s, c in COLUMNS.items()
    }
    out = pd.DataFrame(
        {
            "self_initiated": np.where(frame["onview_flag"] == "Y", "self-initiated", "public"),
            "priority": frame["priority_final"].map(PRIORITIES).fillna(""),
            "call_type": frame["call_type_final_desc"]
            .map(TYPES)
            .fillna(frame["call_type_final_desc"]),
        }
    )
    for kpi in KPIS:
        start = at[kpi.start[0]]
        for other in kpi.start[1:]:
            start = start.fillna(at[other])
        seconds = (at[kpi.end] - start).dt.total_seconds()
        out[kpi.name] = seconds.where(seconds >= 0)
    groups = out.groupby(["self_initiated", "priority", "call_type"])
    names = [k.name for k in KPIS]
    figures = pd.concat(
        [groups[names].quantile(0.5), groups[names].quantile(0.9), groups[names].count()],
        axis=1,
    )
    return time.perf_counter() - t0, len(figures) * len(KPIS)


HOT_START = datetime(2025, 1, 1, tzinfo=UTC)
HOT_END = datetime(2025, 12, 31, tzinfo=UTC)


def hot_points(n: int) -> list[Point]:
    """``n`` calls over a year in a square of about 33 by 28 km, a fifth of them in ten
    clusters a few hundred metres wide."""
    import numpy as np

    rng = np.random.default_rng(13)
    lat = 32.70 + rng.random(n) * 0.3
    lon = -117.25 + rng.random(n) * 0.3
    k = n // 5
    centres = rng.random((10, 2)) * 0.3 + (32.70, -117.25)
    which = rng.integers(0, 10, k)
    lat[:k] = centres[which, 0] + rng.normal(0, 0.002, k)
    lon[:k] = centres[which, 1] + rng.normal(0, 0.0025, k)
    seconds = rng.random(n) * (HOT_END - HOT_START).total_seconds()
    return [
        Point(HOT_START + timedelta(seconds=s), a, b, "theft", 2, None, False)
        for a, b, s in zip(lat.tolist(), lon.tolist(), seconds.tolist(), strict=True)
    ]


def dense_hotspots(points: list[Point], options: Options) -> int:
    """The baseline: the same statistics with dense matrices; its hot cells' count."""
    import h3
    import numpy as np

    from bluepool.adapters.spatial.hotspots import area_cells

    counted: dict[str, int] = {}
    for p in points:
        cell = h3.latlng_to_cell(p.lat, p.lon, options.resolution)
        counted[cell] = counted.get(cell, 0) + 1
    lat = np.array([p.lat for p in points])
    lon = np.array([p.lon for p in points])
    ids = area_cells(list(counted), lat, lon, [], options.resolution)
    n = len(ids)
    y = np.array([counted.get(c, 0) for c in ids], float)
    centre = np.radians(np.array([h3.cell_to_latlng(c) for c in ids]))
    dlat = centre[:, None, 0] - centre[None, :, 0]
    dlon = centre[:, None, 1] - centre[None, :, 1]
    a = np.sin(dlat / 2) ** 2 + np.cos(centre[:, None, 0]) * np.cos(centre[None, :, 0]) * (
        np.sin(dlon / 2) ** 2
    )
    metres = 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))
    spacing = np.sqrt(3) * h3.average_hexagon_edge_length(options.resolution, unit="m")
    w = (metres < 1.3 * spacing).astype(float)  # the cell itself and its first ring

    def z_of(values: np.ndarray) -> np.ndarray:
        mean = values.mean(axis=-1, keepdims=True)
        sd = values.std(axis=-1, keepdims=True)
        ws = w.sum(axis=1)
        lag = values @ w.T
        den = sd * np.sqrt((n * ws - ws**2) / (n - 1))
        return np.where(den > 0, (lag - mean * ws) / np.where(den > 0, den, 1), 0.0)

    z = z_of(y)
    rng = np.random.default_rng(options.seed)
    perms = np.array([rng.permutation(y) for _ in range(options.permutations)])
    sims = z_of(perms)
    p_sim = (np.minimum((sims >= z).sum(axis=0), (sims <= z).sum(axis=0)) + 1) / (
        options.permutations + 1
    )
    p_norm = 2 * stats.norm.sf(np.abs(z))
    order = np.sort(p_norm)
    below = order <= np.arange(1, n + 1) * 0.01 / n
    cut = order[np.flatnonzero(below).max()] if below.any() else 0.0
    hot = int(((z > 0) & (p_norm <= cut) & (2 * p_sim < 0.01)).sum())
    index = {c: i for i, c in enumerate(ids)}
    steps = hotspots.steps_in(HOT_START, HOT_END, Step.WEEK)
    cube = np.zeros((n, steps))
    for p in points:
        t = min(steps - 1, int((p.received - HOT_START) / Step.WEEK.length))
        cube[index[h3.latlng_to_cell(p.lat, p.lon, options.resolution)], t] += 1
    window = cube.copy()
    window[:, 1:] += cube[:, :-1]
    zt = z_of(window.T).T
    for i in np.flatnonzero(cube.sum(axis=1) > 0):
        hotspots.mann_kendall(zt[i].tolist())
    return hot


def hotspots_benchmark(n: int) -> dict[str, object]:
    from bluepool.adapters.spatial.hotspots import H3HotSpots

    points = hot_points(n)
    options = Options()
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        made = H3HotSpots().analyse(points, [], options, HOT_START, HOT_END)
        times.append(time.perf_counter() - t0)
    hot_s = min(times)
    found = sum(1 for c in made.cells if c.spot is Spot.HOT_99)
    emerging = sum(1 for c in made.cells if c.emerging not in (None, Emerging.NO_PATTERN))
    print(
        f"hot spots ({n:,} calls, {len(made.cells):,} H3 cells, {made.steps} weeks): "
        f"{hot_s:.2f} s; {found} cells hot at 99 %, {emerging} with an emerging class"
    )
    t0 = time.perf_counter()
    dense_hot = dense_hotspots(points, options)
    dense_s = time.perf_counter() - t0
    print(f"baseline (dense matrices; {dense_hot} cells hot at 99 %): {dense_s:.2f} s")
    print(f"H3 + esda / dense baseline: {hot_s / dense_s:.2f}x the time")
    return {
        "hotspot_points": n,
        "hotspot_cells": len(made.cells),
        "hotspots_s": round(hot_s, 3),
        "hotspots_dense_s": round(dense_s, 3),
        "hotspots_over_dense": round(hot_s / dense_s, 3),
        "hotspots_hot_99": found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--points", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "calls.csv"
        t0 = time.perf_counter()
        generate(csv, args.calls)
        size = csv.stat().st_size
        took = time.perf_counter() - t0
        print(f"generated {args.calls:,} calls ({size / 1e6:.0f} MB) in {took:.1f} s")

        store = DuckHistory(Path(folder) / "history.duckdb")
        t0 = time.perf_counter()
        made = store.import_files([csv], MAPPING)
        import_s = time.perf_counter() - t0
        assert made.imported == args.calls, made.lines()
        print(f"import: {import_s:.2f} s, {args.calls / import_s:,.0f} calls/s")
        for line in made.lines()[2:]:
            print(line)

        report_times = []
        for _ in range(3):
            t0 = time.perf_counter()
            report = store.summarise(*EVER, BY, ZONE)
            report_times.append(time.perf_counter() - t0)
        report_s = min(report_times)
        print(f"KPI report ({len(report.rows)} rows, {report.calls:,} calls): {report_s:.2f} s")

        # The rest of the KPI report document on the history: its figures and a goal
        # judged over each week of the period, in SQL too.
        t0 = time.perf_counter()
        store.figures(*EVER, ZONE)
        figures_s = time.perf_counter() - t0
        goal = Goal("total_response", Statistic.P90, 600, None, 1)
        weeks = [
            (START + timedelta(days=7 * n), START + timedelta(days=7 * (n + 1))) for n in range(53)
        ]
        t0 = time.perf_counter()
        store.judge(goal, weeks)
        goal_s = time.perf_counter() - t0
        print(f"figures: {figures_s:.2f} s; a goal over 53 weeks: {goal_s:.2f} s")
        hot = hotspots_benchmark(args.points)

        pandas_s, pandas_rows = pandas_baseline(csv)
        print(f"pandas (read, parse, map, summarise; {pandas_rows} rows): {pandas_s:.2f} s")
        duck_s = import_s + report_s
        print(f"DuckDB import + report / pandas: {duck_s / pandas_s:.2f}x the time")
        footer(
            {
                "benchmark": "analytics",
                "calls": args.calls,
                "csv_mb": round(size / 1e6, 1),
                "import_s": round(import_s, 3),
                "import_calls_per_s": round(args.calls / import_s),
                "kpi_report_s": round(report_s, 3),
                "pandas_s": round(pandas_s, 3),
                "duckdb_over_pandas": round(duck_s / pandas_s, 3),
                **hot,
                "figures_s": round(figures_s, 3),
                "goal_53_weeks_s": round(goal_s, 3),
            }
        )


if __name__ == "__main__":
    main()
