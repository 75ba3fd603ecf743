"""The simulator learns from the call history (``bluepool calibrate --source history``).

The simulator opens no history itself: the CLI reads the calls of a period through the
history adapter and hands them over as ``Observed`` calls, the KPI module's ``Call`` (its
stage times) with a location and the local wall-clock time it was received at. From
them ``calibrate_history`` writes, beside the rates table ``OUT`` (``OUT`` stands for its
path without ``.csv``):

- ``OUT.csv``: arrival rates by area x hour of week x priority (``calibrate.write_rates``,
  methods "product" and "raw" as for a call log);
- ``OUT.call_types.csv``: the call-type mix of each priority (as from a call log);
- ``OUT.call_mix.csv``: calls by area, hour of day, priority and call type, which the
  generator draws a call's type from (``calls.AreaMix``: the cell, else the area's
  priority, else the priority-wide mix, whichever first has ``MIX_MIN_CALLS`` calls);
- ``OUT.delays.csv``: call-processing and turnout samples in seconds, by priority and
  call type (``service.call_processing`` / ``service.turnout``: "empirical" draws them,
  "lognormal" fits them by priority);
- ``OUT.on_scene.csv``: on-scene samples (``service.samples``: model "empirical" and
  the ``missing_on_scene = "impute"`` rule);
- ``OUT.model.json``: the fitted travel law (``travel.model = "fitted"``), the counts and
  the warnings.

Every interval is a KPI of ``domain.analytics.kpis`` (``Call.seconds``), so what is learnt
is what the KPI report measures: a call lacking a stage adds no sample (counted as
missing), a negative interval (clocks that disagree) none either (counted as doubtful).

The call-processing delay the simulator draws is the call taking, received -> entered,
when the history has entered times: the rest of received -> dispatched is the wait for a
unit, which the simulation produces itself (its "call_processing" KPI is the delay plus
that wait). Without entered times the whole received -> dispatched interval is taken,
and a warning says the wait is then counted twice.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from bluepool.domain.analytics.kpis import BY_NAME, Call, Kpi, Stage
from bluepool.domain.shared.geo import Location, distance_m
from bluepool.domain.spec import CollectiveSpec
from bluepool.sim.calibrate import write_mix, write_rates
from bluepool.sim.calls import MIX_MIN_CALLS
from bluepool.sim.fleet import FloatArray
from bluepool.sim.scenario import ScenarioError
from bluepool.sim.travel import FIT_MIN_CALLS, SquareRootLaw, fit_square_root

#: Received -> entered: the part of call processing before the call waits for a unit.
CALL_TAKING = Kpi("call_taking", "call taking", (Stage.RECEIVED,), Stage.ENTERED)
#: An area x priority with fewer calls than this is a thin cell of the rates (warned).
THIN_CALLS = 5


@dataclass(frozen=True, slots=True)
class Observed:
    """A call of the history, as the simulator learns from it and replays it."""

    call: Call
    #: Received, local wall-clock time (naive), as the simulator counts hours of week.
    at: datetime
    lat: float = math.nan
    lon: float = math.nan

    @property
    def area(self) -> str:
        return self.call.jurisdiction or ""

    @property
    def priority(self) -> int:
        return self.call.priority or 0

    @property
    def located(self) -> bool:
        return not math.isnan(self.lat)


def observed(
    rows: Sequence[Call],
    zone: ZoneInfo,
    *,
    agencies: Sequence[str] = (),
    self_initiated: bool = False,
) -> tuple[list[Observed], Counter[str]]:
    """The history's calls the simulator can use, and those left out by reason: calls
    a crew started itself (unless ``self_initiated``), of other agencies than
    ``agencies`` (when given), without a priority 1..5, or without an area."""
    dropped: Counter[str] = Counter()
    out = []
    wanted = set(agencies)
    for call in rows:
        if call.self_initiated and not self_initiated:
            dropped["self-initiated"] += 1
        elif wanted and call.agency not in wanted:
            dropped["another agency"] += 1
        elif call.priority is None or not 1 <= call.priority <= 5:
            dropped["no priority 1..5"] += 1
        elif not call.jurisdiction:
            dropped["no area (jurisdiction)"] += 1
        else:
            at = call.stages[Stage.RECEIVED].astimezone(zone).replace(tzinfo=None)
            out.append(
                Observed(
                    call,
                    at,
                    math.nan if call.lat is None else call.lat,
                    math.nan if call.lon is None else call.lon,
                )
            )
    return out, dropped


@dataclass
class Interval:
    """The samples of one interval, and the calls that gave none."""

    samples: list[tuple[Observed, float]] = field(default_factory=list)
    missing: int = 0
    doubtful: int = 0

    @classmethod
    def of(cls, calls: Sequence[Observed], kpi: Kpi) -> Interval:
        out = cls()
        for c in calls:
            s = c.call.seconds(kpi)
            if s is None:
                out.missing += 1
            elif s < 0:
                out.doubtful += 1
            else:
                out.samples.append((c, s))
        return out

    def as_dict(self, source: str) -> dict[str, object]:
        values = np.array([s for _, s in self.samples])
        return {
            "from": source,
            "samples": len(values),
            "missing": self.missing,
            "doubtful": self.doubtful,
            "median_s": round(float(np.median(values)), 1) if len(values) else None,
        }


@dataclass(frozen=True, slots=True)
class Calibration:
    files: list[Path]
    counts: Mapping[str, object]
    warnings: list[str]


def calibrate_history(
    calls: Sequence[Observed],
    out_path: Path | str,
    *,
    method: str = "product",
    posts: Mapping[str, Sequence[Location]] | None = None,
    dropped: Mapping[str, int] | None = None,
) -> Calibration:
    """Write the calibration files (module docstring) from the history's calls.

    ``posts``: by jurisdiction, where the simulator's units wait (the stations of the
    agency answering for it); the travel fit measures the distances from each call to
    every one of them. Without them, to the centroid of the area's calls."""
    if not calls:
        raise ScenarioError("the history holds no call to calibrate from in the period")
    warnings: list[str] = []
    dropped = dict(dropped or {})
    for reason, n in dropped.items():
        warnings.append(f"{n} calls left out: {reason}")
    out = write_rates(out_path, [(c.at, c.area, c.priority) for c in calls], method)
    stem = out.with_suffix("")
    files = [out]

    on_scene = Interval.of(calls, BY_NAME["on_scene"])
    seconds = {id(c): s for c, s in on_scene.samples}
    mix = stem.with_suffix(".call_types.csv")
    write_mix(mix, [(c.priority, c.call.call_type, seconds.get(id(c), math.nan)) for c in calls])
    files.append(mix)
    files.append(_write_area_mix(stem.with_suffix(".call_mix.csv"), calls))

    taking = Interval.of(calls, CALL_TAKING)
    if taking.samples:
        processing, source = taking, "received -> entered (call taking)"
    else:
        processing = Interval.of(calls, BY_NAME["call_processing"])
        source = "received -> dispatched"
        warnings.append(
            "the history has no entered times: call processing is received -> dispatched, "
            "which includes waiting for a unit, so a simulation counts that wait twice"
        )
    turnout = Interval.of(calls, BY_NAME["turnout"])
    if turnout.samples and all(s == 0 for _, s in turnout.samples):
        warnings.append(
            "turnout (dispatched -> en route) is 0 for every call: the history's en route "
            "time is a copy of the dispatch time, so travel includes the turnout"
        )
    delays = stem.with_suffix(".delays.csv")
    with delays.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["delay", "priority", "call_type", "seconds"])
        for name, interval in (("call_processing", processing), ("turnout", turnout)):
            for c, s in interval.samples:
                w.writerow([name, c.priority, c.call.call_type, f"{s:.0f}"])
    files.append(delays)
    samples = stem.with_suffix(".on_scene.csv")
    with samples.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["call_type", "priority", "on_scene_minutes"])
        for c, s in on_scene.samples:
            w.writerow([c.call.call_type, c.priority, f"{s / 60.0:.2f}"])
    files.append(samples)

    travel = Interval.of(calls, BY_NAME["travel"])
    fit, travel_counts = _fit_travel(travel, calls, posts)
    for name, interval in (
        ("call processing", processing),
        ("turnout", turnout),
        ("travel", travel),
        ("on scene", on_scene),
    ):
        if interval.missing:
            warnings.append(f"{interval.missing} calls lack a stage of {name}: no sample")
        if interval.doubtful:
            warnings.append(
                f"{interval.doubtful} calls have a negative {name} (clocks disagree): "
                "left out as doubtful"
            )
    unlocated = sum(1 for c in calls if not c.located)
    if unlocated:
        warnings.append(
            f"{unlocated} calls have no location: the travel fit leaves them out, and a "
            "replay places them at random in their area"
        )
    if fit is None:
        warnings.append(
            f"no travel fit: no area has {FIT_MIN_CALLS} calls with a location and a "
            'travel time; travel.model "fitted" cannot use this calibration'
        )
    thin = _thin_cells(calls)
    if thin:
        warnings.append(
            f"{len(thin)} area x priority cells have fewer than {THIN_CALLS} calls "
            f"(e.g. {', '.join(f'{a} P{p}' for a, p in thin[:5])}): their rates are rough"
        )
    counts: dict[str, object] = {
        "calls": len(calls),
        "dropped": dropped,
        "period": {
            "first": min(c.at for c in calls).isoformat(),
            "last": max(c.at for c in calls).isoformat(),
        },
        "method": method,
        "delays": {
            "call_processing": processing.as_dict(source),
            "turnout": turnout.as_dict("dispatched -> en route"),
        },
        "on_scene": on_scene.as_dict("on scene -> cleared"),
        "travel": {
            **travel.as_dict("en route (else dispatched) -> on scene"),
            **travel_counts,
            **(
                {
                    "a_s": round(fit[0].a_s, 3),
                    "b": round(fit[0].b, 5),
                    "critical_m": round(fit[0].critical_m, 1),
                    "areas_fitted": fit[1],
                }
                if fit is not None
                else {}
            ),
        },
        "mix": {
            "min_calls": MIX_MIN_CALLS,
            "rule": "area x hour of day x priority, else area x priority, else priority",
        },
        "without_location": unlocated,
        "thin_cells": len(thin),
    }
    model = stem.with_suffix(".model.json")
    model.write_text(
        json.dumps({**counts, "warnings": warnings}, indent=2) + "\n", encoding="utf-8"
    )
    files.append(model)
    return Calibration(files, counts, warnings)


def posts_of(spec: CollectiveSpec) -> dict[str, list[Location]]:
    """By jurisdiction, where the units of the agency answering for it wait: its
    stations (what ``calibrate_history`` measures travel distances from)."""
    stations: dict[str, list[Location]] = {}
    for s in spec.stations:
        stations.setdefault(s.agency_id, []).append(s.location)
    return {j.id: stations.get(j.agency_id, []) for j in spec.jurisdictions}


def _write_area_mix(path: Path, calls: Sequence[Observed]) -> Path:
    counted = Counter((c.area, c.at.hour, c.priority, c.call.call_type) for c in calls)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["area", "hour", "priority", "call_type", "calls"])
        for (a, h, p, ct), n in sorted(counted.items()):
            w.writerow([a, h, p, ct, n])
    return path


def _thin_cells(calls: Sequence[Observed]) -> list[tuple[str, int]]:
    counted = Counter((c.area, c.priority) for c in calls)
    areas = sorted({c.area for c in calls})
    priorities = sorted({c.priority for c in calls})
    return [(a, p) for a in areas for p in priorities if counted[(a, p)] < THIN_CALLS]


def _fit_travel(
    travel: Interval,
    calls: Sequence[Observed],
    posts: Mapping[str, Sequence[Location]] | None,
) -> tuple[tuple[SquareRootLaw, int] | None, dict[str, object]]:
    """Kolesar's square-root law fitted on each area's observed travel times against
    the distances from its calls to its posts (``travel.fit_square_root``)."""
    by_area: dict[str, list[float]] = defaultdict(list)
    for c, s in travel.samples:
        if c.located:
            by_area[c.area].append(s)
    located: dict[str, list[Observed]] = defaultdict(list)
    for c in calls:
        if c.located:
            located[c.area].append(c)
    pairs: list[tuple[FloatArray, FloatArray]] = []
    from_posts = 0
    for area, times in sorted(by_area.items()):
        here = located[area]
        origins = list(posts.get(area, ())) if posts is not None else []
        if origins:
            from_posts += 1
        else:
            origins = [
                Location(
                    float(np.mean([c.lat for c in here])), float(np.mean([c.lon for c in here]))
                )
            ]
        scene = [Location(c.lat, c.lon) for c in here]
        # Any of the area's posts, not only the nearest: the unit sent is often not the
        # nearest (busy), and the history does not say which it was.
        dist = np.array([distance_m(o, s) for o in origins for s in scene])
        pairs.append((dist, np.array(times)))
    fit = fit_square_root(pairs)
    return fit, {
        "located_samples": sum(len(t) for t in by_area.values()),
        "distances_from": "posts" if from_posts else "centroid of the area's calls",
        "areas_from_posts": from_posts,
    }
