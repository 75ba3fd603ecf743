"""Benchmark address search on the Columbus, Ohio extract: p50/p99 of one search.

    .venv/bin/python benchmarks/geocode.py [--queries N] [--rebuild]

The gazetteer is built from ../shared/data/osm-extracts/columbus.osm.pbf (skipped, with the
reason printed, when absent) and cached in var/bench/ (``--rebuild`` builds it again). The
queries are real entries of the gazetteer (addresses, streets, intersections, points of
interest) written as a dispatcher might type them: half with a typo injected (a letter
dropped, doubled, swapped with the next or replaced), a quarter cut in the middle of the last
word (typing). Measured in the same run: bluepool's search (prefilter, then rapidfuzz on the
candidates; also with its cache of word matches cleared before each search) and the
baseline, rapidfuzz ``process.extract`` (WRatio) over every label, on a subset of the
queries (it is slow). Both report wall and CPU time per search and how often the entry asked
for is the first result and among the first five.

Prints a table, then as its last line one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import footer
from rapidfuzz import fuzz, process, utils

from bluepool.geo.gazetteer import Gazetteer, Kind, open_gazetteer
from bluepool.geo.gazetteer_build import import_addresses

ROOT = Path(__file__).parents[1]
COLUMBUS = ROOT.parent / "shared" / "data" / "osm-extracts" / "columbus.osm.pbf"
CACHE = ROOT / "var" / "bench" / "columbus.addresses.npz"
TARGET_P99_MS = 20.0


def typo(word: str, rng: random.Random) -> str:
    """One edit of a word: drop, double, swap or replace a letter (not the first)."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(("drop", "double", "swap", "replace"))
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    if how == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeiourstnl") + word[i + 1 :]


def make_queries(g: Gazetteer, n: int, seed: int) -> list[tuple[str, str, str]]:
    """(query, the label asked for, how it was written), from random entries."""
    rng = random.Random(seed)
    kinds = g.data.kind
    pool = np.flatnonzero(kinds != Kind.PLACE).tolist()
    out = []
    for _ in range(n):
        entry = g.entry(rng.choice(pool))
        words = entry.label.replace(",", "").split()
        style = rng.random()
        if style < 0.5:
            k = max(range(len(words)), key=lambda j: (len(words[j]), rng.random()))
            words[k] = typo(words[k], rng)
            how = "typo"
        elif style < 0.75 and len(words[-1]) > 3:
            words[-1] = words[-1][: max(2, len(words[-1]) // 2)]
            how = "typing"
        else:
            how = "exact"
        out.append((" ".join(words), entry.label, how))
    return out


def measure(search: Any, queries: list[tuple[str, str, str]]) -> dict[str, Any]:
    wall, cpu, first, top5 = [], [], 0, 0
    for q, want, _ in queries:
        t0, c0 = time.perf_counter(), time.thread_time()
        labels = search(q)
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - t0)
        first += bool(labels) and labels[0] == want
        top5 += want in labels[:5]
    w, c = np.array(wall) * 1e3, np.array(cpu) * 1e3
    return {
        "p50_ms": round(float(np.percentile(w, 50)), 3),
        "p99_ms": round(float(np.percentile(w, 99)), 3),
        "cpu_p50_ms": round(float(np.percentile(c, 50)), 3),
        "cpu_p99_ms": round(float(np.percentile(c, 99)), 3),
        "first": round(first / len(queries), 3),
        "top5": round(top5 / len(queries), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--baseline-queries", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {"benchmark": "geocode", "queries": args.queries}
    if not COLUMBUS.is_file():
        print(f"skipped: no Columbus extract at {COLUMBUS}")
        result["skipped"] = f"no extract at {COLUMBUS}"
        footer(result)
        return
    result["load_average_before"] = round(os.getloadavg()[0], 2)
    if args.rebuild or not CACHE.is_file() or CACHE.stat().st_mtime < COLUMBUS.stat().st_mtime:
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        summary = import_addresses(COLUMBUS, CACHE, progress=False)
        print("\n".join(summary.lines()))
        result["build_s"] = round(summary.seconds, 2)
    t0 = time.perf_counter()
    g = open_gazetteer(CACHE)
    result["load_s"] = round(time.perf_counter() - t0, 3)
    result["entries"] = len(g)
    result["file_mb"] = round(CACHE.stat().st_size / 1e6, 2)
    queries = make_queries(g, args.queries, seed=11)
    for q, _, _ in queries[:20]:  # warm up
        g.search(q, 10)

    def ours(q: str) -> list[str]:
        return [m.entry.label for m in g.search(q, 10)]

    labels = g.labels()
    normalised = [utils.default_process(s) for s in labels]

    def baseline(q: str) -> list[str]:
        found = process.extract(
            utils.default_process(q), normalised, scorer=fuzz.WRatio, limit=10, processor=None
        )
        return [labels[i] for _, _, i in found]

    def cold(q: str) -> list[str]:
        g._word_matches.cache_clear()  # no word of the query seen before
        return ours(q)

    mine = measure(ours, queries)
    subset = queries[: args.baseline_queries]
    base = measure(baseline, subset)
    mine_subset = measure(ours, subset)
    mine_cold = measure(cold, subset)
    by_style = {
        how: measure(ours, [q for q in queries if q[2] == how])["first"]
        for how in ("exact", "typo", "typing")
    }
    print(
        f"geocode benchmark: Columbus, {len(g):,} entries ({result['file_mb']} MB, "
        f"loaded in {result['load_s']} s); {len(queries):,} queries, baseline on {len(subset)}"
    )
    header = f"  {'search':<38}{'p50 ms':>9}{'p99 ms':>9}{'cpu p50':>9}{'cpu p99':>9}"
    print(header + f"{'first':>8}{'top 5':>8}")
    for name, r in (
        (f"bluepool (all {len(queries)} queries)", mine),
        (f"bluepool (the baseline's {len(subset)})", mine_subset),
        (f"bluepool, word cache cleared ({len(subset)})", mine_cold),
        (f"rapidfuzz extract, all labels ({len(subset)})", base),
    ):
        print(
            f"  {name:<38}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['cpu_p50_ms']:>9.2f}"
            f"{r['cpu_p99_ms']:>9.2f}{r['first']:>8.1%}{r['top5']:>8.1%}"
        )
    print(
        "  first result right, by how the query was written: "
        + ", ".join(f"{k} {v:.1%}" for k, v in by_style.items())
    )
    verdict = "met" if mine["p99_ms"] <= TARGET_P99_MS else "missed"
    print(f"  target: p99 at most {TARGET_P99_MS:g} ms (wall) -> {verdict}")
    result.update({f"bluepool_{k}": v for k, v in mine.items()})
    result.update({f"baseline_{k}": v for k, v in base.items()})
    result.update({f"bluepool_cold_{k}": v for k, v in mine_cold.items()})
    result["speedup_cpu_p50"] = round(base["cpu_p50_ms"] / mine_subset["cpu_p50_ms"], 1)
    result["baseline_queries"] = len(subset)
    result["speedup_p50"] = round(base["p50_ms"] / mine_subset["p50_ms"], 1)
    result["first_by_style"] = by_style
    result["target_p99_ms"] = TARGET_P99_MS
    result["load_average_after"] = round(os.getloadavg()[0], 2)
    sys.stdout.flush()
    footer(result)


if __name__ == "__main__":
    main()
