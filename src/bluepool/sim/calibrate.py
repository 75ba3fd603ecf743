"""Calibrate generated calls from a call log: arrival rates by area x hour of week x
priority, and the call-type mix of each priority.

A short log sees each hour of the week once or twice, far too few calls per cell to
estimate a rate from the cell alone. The default ``method="product"`` therefore models a
cell's rate as the area-and-priority rate times the collective-wide profile of the hour of
week (how much busier that hour is than the average): rate[a, h, p] = n[a, p] / hours *
profile[h]. ``method="raw"`` takes each cell's own count divided by how often the log saw
that hour of week; use it when the log spans many weeks.

Writes ``out_path`` (area, hour_of_week, priority, rate_per_hour; hour 0 is Monday
00:00-01:00) and, beside it, ``<stem>.call_types.csv`` (priority, call_type, share,
calls, on_scene_mean_minutes).
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from bluepool.domain.collective.agencies import Jurisdiction
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.sim.calls import LogRow, read_log
from bluepool.sim.scenario import CallLogMapping, ScenarioError

METHODS = ("product", "raw")


def calibrate(
    calllog_path: Path | str,
    mapping: CallLogMapping,
    out_path: Path | str,
    *,
    jurisdictions: Sequence[Jurisdiction] | None = None,
    method: str = "product",
) -> list[Path]:
    """Derive the calibration table from a call log; return the files written.

    Calls are placed in areas by the mapping's area column, or, given ``jurisdictions``
    (a collective's, e.g. from its file), by the jurisdiction their lat/lon lies in (calls
    outside every one are left out).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    rows, _ = read_log(Path(calllog_path), mapping)
    areas = _areas(rows, mapping, jurisdictions)
    kept = [(r, a) for r, a in zip(rows, areas, strict=True) if a is not None]
    if not kept:
        raise ScenarioError(f"{calllog_path}: no call could be placed in an area")
    out = write_rates(out_path, [(r.at, a, r.priority) for r, a in kept], method)
    mix = out.with_suffix(".call_types.csv")
    write_mix(mix, [(r.priority, r.call_type, r.on_scene) for r, _ in kept])
    return [out, mix]


def write_rates(
    out_path: Path | str, calls: Sequence[tuple[datetime, str, int]], method: str
) -> Path:
    """Write the rates table of calls given as (local time, area, priority 1..5)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    first = min(at for at, _, _ in calls).replace(minute=0, second=0, microsecond=0)
    last = max(at for at, _, _ in calls)
    # Every hour from the first call's to the last call's, both included (a last call at
    # exactly 02:00 lies in the hour 02:00-03:00, which the log therefore saw).
    hours = math.floor((last - first).total_seconds() / 3600.0) + 1
    seen = np.zeros(168)
    for h in range(hours):
        at = first + timedelta(hours=h)
        seen[at.weekday() * 24 + at.hour] += 1
    names = sorted({a for _, a, _ in calls})
    index = {a: i for i, a in enumerate(names)}
    counts = np.zeros((len(names), 168, 5))
    for at, a, p in calls:
        counts[index[a], _how(at), p - 1] += 1
    if method == "raw":
        per = np.broadcast_to(seen[None, :, None], counts.shape)
        rates = np.divide(counts, per, out=np.zeros_like(counts), where=per > 0)
    else:
        by_hour = counts.sum(axis=(0, 2))
        overall = by_hour.sum() / hours
        profile = np.divide(by_hour, seen * overall, out=np.ones(168), where=seen > 0)
        rates = counts.sum(axis=1)[:, None, :] / hours * profile[None, :, None]
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["area", "hour_of_week", "priority", "rate_per_hour"])
        for a, h, p in zip(*np.nonzero(rates), strict=True):
            w.writerow([names[a], int(h), int(p) + 1, f"{rates[a, h, p]:.6g}"])
    return out


def _how(at: datetime) -> int:
    return at.weekday() * 24 + at.hour


def _areas(
    rows: list[LogRow], mapping: CallLogMapping, jurisdictions: Sequence[Jurisdiction] | None
) -> list[str | None]:
    if mapping.area is not None and jurisdictions is None:
        amap = mapping.area_map
        return [
            (amap.get(r.area) if amap is not None else r.area) if r.area is not None else None
            for r in rows
        ]
    if jurisdictions is None:
        raise ScenarioError(
            "the mapping gives no area column: name the collective file whose jurisdictions "
            "the calls' lat/lon fall in"
        )
    index = JurisdictionIndex(jurisdictions)
    out: list[str | None] = []
    located: list[Location] = []
    slots: list[int] = []
    for i, r in enumerate(rows):
        out.append(None)
        try:
            located.append(Location(r.lat, r.lon))
            slots.append(i)
        except Invalid:
            continue
    for i, j in zip(slots, index.locate_many(located), strict=True):
        out[i] = j
    return out


def write_mix(path: Path, calls: Sequence[tuple[int, str, float]]) -> None:
    """Write the call-type mix of calls given as (priority, call type, on-scene seconds
    or NaN)."""
    counted: Counter[tuple[int, str]] = Counter()
    on_scene: dict[tuple[int, str], list[float]] = {}
    per_priority: Counter[int] = Counter()
    for p, ct, seconds in calls:
        key = (p, ct)
        counted[key] += 1
        per_priority[p] += 1
        if not math.isnan(seconds):
            on_scene.setdefault(key, []).append(seconds / 60.0)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["priority", "call_type", "share", "calls", "on_scene_mean_minutes"])
        for (p, ct), n in sorted(counted.items()):
            times = on_scene.get((p, ct))
            w.writerow(
                [p, ct, f"{n / per_priority[p]:.6g}", n, f"{np.mean(times):.4g}" if times else ""]
            )
