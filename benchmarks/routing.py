"""Benchmark drive-time queries: 1 incident x 2,000 units, on Columbus and on 1M nodes.

    .venv/bin/python benchmarks/routing.py [--quick] [--runs N]

(a) The Columbus, Ohio extract from ../shared (skipped, with the reason printed, when absent):
    import time and peak memory, compiled size, load time, then p50/p99 latency of one incident
    against 2,000 units at random nodes, for bluepool's hierarchy, networkx (reverse
    single-source Dijkstra) and scipy's full Dijkstra, in the same run.
(b) A synthetic road-like grid of 1,000,000 nodes (``--quick``: 90,000): build time, memory,
    the same query against scipy's full Dijkstra and networkx (reverse single-source
    Dijkstra, 3 runs; left out under ``--quick``: it takes tens of seconds and a few GB).

Prints a table, then as its last line one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from bluepool.domain.shared.geo import Location
from bluepool.routing.hierarchy import build_hierarchy
from bluepool.routing.network import RoadNetwork, load_network
from bluepool.routing.oracle import RoadTravelTimes
from bluepool.routing.roads import import_roads
from bluepool.routing.synthetic import road_grid

COLUMBUS = (
    Path(__file__).parents[1].parent / "shared" / "data" / "osm-extracts" / "columbus.osm.pbf"
)
UNITS = 2_000


class Timings:
    """Wall-clock and CPU (this thread) milliseconds of repeated calls.

    The machine is shared: wall-clock tails include time other processes held the CPU.
    CPU time leaves that out, so both are reported.
    """

    def __init__(self, wall: list[float], cpu: list[float]) -> None:
        self.wall = np.array(wall) * 1e3
        self.cpu = np.array(cpu) * 1e3

    def p(self, q: float, *, cpu: bool = False) -> float:
        return float(np.percentile(self.cpu if cpu else self.wall, q))


def timed(runs: int, make: Callable[[int], Callable[[], object]]) -> Timings:
    """Time ``runs`` calls, each prepared (outside the clock) by ``make(run)``."""
    wall, cpu = [], []
    for run in range(runs):
        call = make(run)
        started, started_cpu = time.perf_counter(), time.thread_time()
        call()
        cpu.append(time.thread_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return Timings(wall, cpu)


def row(name: str, t: Timings, note: str = "") -> None:
    print(
        f"  {name:<42} wall p50 {t.p(50):8.3f} p99 {t.p(99):8.3f} ms | "
        f"cpu p50 {t.p(50, cpu=True):8.3f} p99 {t.p(99, cpu=True):8.3f} ms  {note}"
    )


def figures(key: str, t: Timings) -> dict[str, float]:
    return {
        f"{key}_p50_ms": round(t.p(50), 3),
        f"{key}_p99_ms": round(t.p(99), 3),
        f"{key}_cpu_p50_ms": round(t.p(50, cpu=True), 3),
        f"{key}_cpu_p99_ms": round(t.p(99, cpu=True), 3),
    }


def queries(network: RoadNetwork, runs: int, seed: int) -> list[tuple[int, np.ndarray]]:
    rng = np.random.default_rng(seed)
    n = network.node_count
    return [(int(rng.integers(0, n)), rng.integers(0, n, UNITS)) for _ in range(runs)]


def engine_latency(times: RoadTravelTimes, cases: list[tuple[int, np.ndarray]]) -> Timings:
    """The search alone: incident and units given as road nodes (already snapped)."""
    h = times.hierarchy
    h.times_to([(cases[0][0], 0.0)], cases[0][1])  # warm up
    return timed(len(cases), lambda i: lambda: h.times_to([(cases[i][0], 0.0)], cases[i][1]))


def check_exact(times: RoadTravelTimes, cases: list[tuple[int, np.ndarray]], rev: Any) -> float:
    """Return the largest relative difference to scipy's Dijkstra over a few cases."""
    worst = 0.0
    for target, units in cases[:3]:
        ours = times.hierarchy.times_to([(target, 0.0)], units)
        ref = dijkstra(rev, indices=target)[units]
        worst = max(worst, float(np.max(np.abs(ours - ref) / np.maximum(ref, 1e-9))))
    return worst


def columbus(runs: int) -> dict[str, Any]:
    if not COLUMBUS.is_file():
        reason = f"skipped Columbus: {COLUMBUS} is absent (../shared not beside the project)"
        print(reason)
        return {"columbus_skipped": reason}
    print(f"(a) Columbus, Ohio: {COLUMBUS.name}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "columbus.roads.npz"
        tracemalloc.start()
        summary = import_roads(COLUMBUS, out, progress=False)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        started = time.perf_counter()
        network = load_network(out)
        load_s = time.perf_counter() - started
        file_mb = out.stat().st_size / 1e6
    print(f"  import {summary.seconds:.2f} s (peak {peak / 1e6:.0f} MB), "
          f"{summary.nodes:,} nodes, {summary.edges:,} edges, {summary.road_km:,.0f} km; "
          f"file {file_mb:.1f} MB, in memory {network.nbytes() / 1e6:.1f} MB, "
          f"load {load_s * 1e3:.0f} ms")  # fmt: skip
    started = time.perf_counter()
    times = RoadTravelTimes(network)
    oracle_s = time.perf_counter() - started
    cases = queries(network, runs, seed=1)
    rev = network.matrix().T.tocsr()
    worst = check_exact(times, cases, rev)

    gc.collect()
    ours = engine_latency(times, cases)
    row("bluepool hierarchy (search, units snapped)", ours, f"max rel. diff {worst:.1e}")

    locs = [
        ([Location(float(network.lat[u]), float(network.lon[u])) for u in units],
         Location(float(network.lat[t]), float(network.lon[t])))
        for t, units in cases
    ]  # fmt: skip
    cold_times = RoadTravelTimes(network)
    cold = timed(runs, lambda i: lambda: cold_times.to_destination(*locs[i]))
    row("to_destination, new positions (k-d tree)", cold)
    warm = timed(runs, lambda i: lambda: cold_times.to_destination(*locs[i]))
    row("to_destination, known positions (cache)", warm)

    scipy_runs = min(runs, 30)
    full = timed(scipy_runs, lambda i: lambda: dijkstra(rev, indices=cases[i][0])[cases[i][1]])
    row("scipy full Dijkstra (transposed graph)", full)

    g = nx.DiGraph()
    g.add_weighted_edges_from(
        zip(
            network.tails().tolist(),
            network.indices.tolist(),
            network.weights.tolist(),
            strict=True,
        )
    )
    reverse = g.reverse(copy=False)
    nx_runs = min(runs, 10)

    def networkx_query(i: int) -> Callable[[], object]:
        target, units = cases[i]

        def run() -> object:
            lengths = nx.single_source_dijkstra_path_length(reverse, target)
            return [lengths.get(u) for u in units.tolist()]

        return run

    nxp = timed(nx_runs, networkx_query)
    row("networkx reverse single-source Dijkstra", nxp)
    print(f"  speed-up over networkx (p50): {nxp.p(50) / ours.p(50):.0f}x; "
          f"over scipy full Dijkstra: {full.p(50) / ours.p(50):.1f}x")  # fmt: skip
    return {
        "columbus_nodes": summary.nodes,
        "columbus_edges": summary.edges,
        "columbus_import_s": round(summary.seconds, 2),
        "columbus_import_peak_mb": round(peak / 1e6, 1),
        "columbus_file_mb": round(file_mb, 2),
        "columbus_memory_mb": round(network.nbytes() / 1e6, 2),
        "columbus_load_ms": round(load_s * 1e3, 1),
        "columbus_oracle_setup_ms": round(oracle_s * 1e3, 1),
        **figures("columbus", ours),
        **figures("columbus_api_cold", cold),
        **figures("columbus_api_warm", warm),
        "columbus_scipy_full_p50_ms": round(full.p(50), 3),
        "columbus_networkx_p50_ms": round(nxp.p(50), 3),
        "columbus_speedup_vs_networkx": round(nxp.p(50) / ours.p(50), 1),
        "columbus_speedup_vs_scipy": round(full.p(50) / ours.p(50), 1),
        "columbus_max_rel_diff": worst,
    }


def synthetic(side: int, runs: int, *, quick: bool = False, nx_runs: int = 3) -> dict[str, Any]:
    print(f"(b) synthetic road-like grid {side} x {side}")
    started = time.perf_counter()
    network = road_grid(side, seed=0)
    gen_s = time.perf_counter() - started
    started = time.perf_counter()
    hierarchy = build_hierarchy(network.indptr, network.indices, network.weights)
    build_s = time.perf_counter() - started
    network = network.with_hierarchy(hierarchy)
    print(f"  {network.node_count:,} nodes, {network.edge_count:,} edges; generated in "
          f"{gen_s:.1f} s, hierarchy built in {build_s:.1f} s; in memory "
          f"{network.nbytes() / 1e6:.0f} MB")  # fmt: skip
    cases = queries(network, runs, seed=2)
    h = hierarchy
    h.times_to([(cases[0][0], 0.0)], cases[0][1])
    gc.collect()
    ours = timed(runs, lambda i: lambda: h.times_to([(cases[i][0], 0.0)], cases[i][1]))
    rev = network.matrix().T.tocsr()
    worst = 0.0
    for target, units in cases[:2]:
        ref = dijkstra(rev, indices=target)[units]
        got = h.times_to([(target, 0.0)], units)
        worst = max(worst, float(np.max(np.abs(got - ref) / np.maximum(ref, 1e-9))))
    row("bluepool hierarchy (search, units snapped)", ours, f"max rel. diff {worst:.1e}")
    full = timed(min(runs, 10), lambda i: lambda: dijkstra(rev, indices=cases[i][0])[cases[i][1]])
    row("scipy full Dijkstra (transposed graph)", full)
    print(f"  speed-up over scipy full Dijkstra (p50): {full.p(50) / ours.p(50):.1f}x")
    key = "synthetic_1m" if side == 1000 else f"synthetic_{side}x{side}"
    nx_figures: dict[str, Any] = {}
    if quick:
        nx_figures[f"{key}_networkx_skipped"] = "--quick leaves out the networkx baseline"
    else:
        nxp, nx_build_s = networkx_baseline(network, cases, nx_runs)
        row("networkx reverse single-source Dijkstra", nxp, f"graph built in {nx_build_s:.0f} s")
        print(f"  speed-up over networkx (p50): {nxp.p(50) / ours.p(50):.0f}x")
        nx_figures = {
            f"{key}_networkx_build_s": round(nx_build_s, 1),
            f"{key}_networkx_p50_ms": round(nxp.p(50), 1),
            f"{key}_speedup_vs_networkx": round(nxp.p(50) / ours.p(50), 1),
        }
    return {
        f"{key}_nodes": network.node_count,
        f"{key}_edges": network.edge_count,
        f"{key}_build_s": round(build_s, 1),
        f"{key}_memory_mb": round(network.nbytes() / 1e6, 1),
        **figures(key, ours),
        f"{key}_scipy_full_p50_ms": round(full.p(50), 2),
        f"{key}_speedup_vs_scipy": round(full.p(50) / ours.p(50), 1),
        f"{key}_max_rel_diff": worst,
        **nx_figures,
    }


def networkx_baseline(
    network: RoadNetwork, cases: list[tuple[int, np.ndarray]], runs: int
) -> tuple[Timings, float]:
    """Time networkx's single-source Dijkstra from the incident over the reversed graph.

    The reversed DiGraph is built straight from the CSR arrays (edge ``head -> tail``), so
    no reverse view sits between networkx and its adjacency dicts.
    """
    started = time.perf_counter()
    reverse = nx.DiGraph()
    reverse.add_nodes_from(range(network.node_count))
    reverse.add_weighted_edges_from(
        zip(
            network.indices.tolist(),
            network.tails().tolist(),
            network.weights.tolist(),
            strict=True,
        )
    )
    build_s = time.perf_counter() - started

    def networkx_query(i: int) -> Callable[[], object]:
        target, units = cases[i]

        def run() -> object:
            lengths = nx.single_source_dijkstra_path_length(reverse, target)
            return [lengths.get(u) for u in units.tolist()]

        return run

    gc.collect()
    return timed(runs, networkx_query), build_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller synthetic grid, fewer runs")
    parser.add_argument("--runs", type=int, help="queries per measurement")
    args = parser.parse_args()
    runs = args.runs or (50 if args.quick else 300)
    side = 300 if args.quick else 1000
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"routing benchmark, {when}, {machine}; 1 incident x {UNITS:,} units, {runs} runs")
    result: dict[str, Any] = {"date": when, "machine": machine, "units": UNITS, "runs": runs}
    result["load_average_before"] = round(os.getloadavg()[0], 2)
    result.update(columbus(runs))
    result.update(synthetic(side, runs, quick=args.quick))
    if side != 1000:
        result["synthetic_1m_p99_ms"] = None
        result["synthetic_1m_skipped"] = "--quick runs a 300 x 300 grid instead"
    result["load_average_after"] = round(os.getloadavg()[0], 2)
    before, after = result["load_average_before"], result["load_average_after"]
    print(f"load average (1 min) before {before}, after {after} on {os.cpu_count()} cores")
    result.setdefault("columbus_p99_ms", None)
    result.setdefault("columbus_speedup_vs_networkx", None)
    result.setdefault("synthetic_1m_networkx_p50_ms", None)
    result.setdefault("synthetic_1m_speedup_vs_networkx", None)
    sys.stdout.flush()
    print(json.dumps({k: (None if isinstance(v, float) and math.isnan(v) else v)
                      for k, v in result.items()}))  # fmt: skip


if __name__ == "__main__":
    main()
