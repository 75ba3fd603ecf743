"""Validation against reality: replay a period of the history through the simulator with
the calibrated model and set the simulated KPIs beside the observed ones.

The replay keeps each observed call's received time, area, priority, call type and
location (a call without one is placed at random in its area) and its on-scene time (on
scene -> cleared; a call without one follows ``service.missing_on_scene``); the scenario
gives the fleet, the delays, the travel model and the policies. Both sides are reduced by
``domain.analytics.kpis.summarise``: the simulated calls become KPI ``Call``s whose stages
are the simulated times (received, first dispatch, en route after the turnout, first unit
on scene), so observed and simulated figures are the same formulas over the same calls.
A call no unit reached lacks its stages, and counts as missing, as in the history.

The relative error is (simulated - observed) / observed, of the median and of the 90th
percentile; a group with fewer than ``THIN`` observed values is marked thin, and one with
none has no error.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bluepool.domain.analytics.kpis import BY_NAME, Call, Dimension, KpiRow, Stage, summarise
from bluepool.domain.shared.ids import CallTypeCode
from bluepool.domain.spec import CollectiveSpec
from bluepool.sim.calls import CallStream, points_in
from bluepool.sim.engine import Outcome, simulate
from bluepool.sim.fleet import Fleet, build_fleet
from bluepool.sim.history import Observed
from bluepool.sim.policies import LABELS, collective_for
from bluepool.sim.pool import neighbours
from bluepool.sim.runner import check_against_fleet, routable, served_as
from bluepool.sim.scenario import Scenario, ScenarioError
from bluepool.sim.travel import make_travel

#: The KPIs compared: what the simulator produces (queue and on scene are its inputs).
COMPARED = tuple(BY_NAME[k] for k in ("call_processing", "turnout", "travel", "total_response"))
#: Fewer observed values than this in a group: its error is marked thin.
THIN = 20
_DIMENSIONS: tuple[tuple[str, tuple[Dimension, ...]], ...] = (
    ("all", ()),
    ("priority", (Dimension.PRIORITY,)),
    ("area", (Dimension.JURISDICTION,)),
)


@dataclass(frozen=True, slots=True)
class Comparison:
    """One KPI over one group of calls, observed and simulated."""

    dimension: str
    group: str
    kpi: str
    observed: KpiRow
    simulated: KpiRow

    @property
    def thin(self) -> bool:
        return self.observed.count < THIN

    def error(self, which: str) -> float | None:
        obs = getattr(self.observed, which)
        sim = getattr(self.simulated, which)
        if obs is None or sim is None or obs <= 0:
            return None
        return float((sim - obs) / obs)

    def as_dict(self) -> dict[str, Any]:
        def minutes(s: float | None) -> float | None:
            return None if s is None else round(s / 60.0, 2)

        def rel(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "dimension": self.dimension,
            "group": self.group,
            "kpi": self.kpi,
            "observed_n": self.observed.count,
            "observed_p50_min": minutes(self.observed.median_s),
            "observed_p90_min": minutes(self.observed.p90_s),
            "simulated_n": self.simulated.count,
            "simulated_p50_min": minutes(self.simulated.median_s),
            "simulated_p90_min": minutes(self.simulated.p90_s),
            "error_p50": rel(self.error("median_s")),
            "error_p90": rel(self.error("p90_s")),
            "thin": self.thin,
        }


@dataclass(frozen=True, slots=True)
class Validation:
    scenario: str
    seed: int
    calls: int
    dropped: Mapping[str, int]
    on_scene_filled: int
    missing_on_scene: str
    #: By policy: the comparisons, and the calls no unit reached.
    comparisons: Mapping[str, list[Comparison]]
    unserved: Mapping[str, int]
    warnings: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "calls": self.calls,
            "dropped": dict(self.dropped),
            "missing_on_scene": self.missing_on_scene,
            "on_scene_filled": self.on_scene_filled,
            "policies": {
                p: {"unserved": self.unserved[p], "rows": [c.as_dict() for c in rows]}
                for p, rows in self.comparisons.items()
            },
            "warnings": list(self.warnings),
        }


def stream(
    calls: Sequence[Observed], fleet: Fleet, rng: np.random.Generator
) -> tuple[CallStream, list[Observed]]:
    """The observed calls as a call stream (in order of receipt), and the calls kept:
    those whose area is a jurisdiction of the collective."""
    j_index = fleet.jurisdiction_index()
    # In order of receipt, in real (UTC) time: local wall-clock times repeat an hour when
    # summer time ends and skip one when it starts.
    ordered = sorted(calls, key=received)
    kept = [c for c in ordered if c.area in j_index]
    if not kept:
        raise ScenarioError("no observed call lies in an area of the collective")
    start = kept[0].at
    jur = np.array([j_index[c.area] for c in kept], dtype=np.int64)  # type: ignore[index]
    lat = np.array([c.lat for c in kept])
    lon = np.array([c.lon for c in kept])
    unplaced = np.isnan(lat)
    for j in np.unique(jur[unplaced]):
        sel = np.flatnonzero(unplaced & (jur == j))
        lat[sel], lon[sel] = points_in(fleet, int(j), len(sel), rng)
    on_scene = [c.call.seconds(BY_NAME["on_scene"]) for c in kept]
    dropped = {"area not in the collective": len(ordered) - len(kept)}
    return (
        CallStream(
            start=start,
            t=np.array([(received(c) - received(kept[0])).total_seconds() for c in kept]),
            priority=np.array([c.priority for c in kept], dtype=np.int64),
            call_type=tuple(CallTypeCode(c.call.call_type) for c in kept),
            lat=lat,
            lon=lon,
            jurisdiction=jur,
            on_scene=np.array([math.nan if s is None or s < 0 else s for s in on_scene]),
            dropped={k: v for k, v in dropped.items() if v},
        ),
        kept,
    )


def received(c: Observed) -> datetime:
    """When the call was received, in UTC."""
    return c.call.stages[Stage.RECEIVED]


def simulated_calls(
    calls: CallStream, outcome: Outcome, observed: Sequence[Observed]
) -> list[Call]:
    """The replayed calls as KPI calls with their simulated stages (UTC times are not
    needed: only intervals are compared, so the local clock stands in)."""
    out = []
    turnout = calls.turnout if calls.turnout is not None else np.zeros(len(calls))
    for i, c in enumerate(observed):
        received = c.at
        stages = {Stage.RECEIVED: received}
        d, a = outcome.first_dispatch[i], outcome.first_arrival[i]
        if not math.isnan(d):
            dispatched = calls.start + timedelta(seconds=float(d))
            stages[Stage.DISPATCHED] = dispatched
            stages[Stage.EN_ROUTE] = dispatched + timedelta(seconds=float(turnout[i]))
        if not math.isnan(a):
            stages[Stage.ON_SCENE] = calls.start + timedelta(seconds=float(a))
        out.append(
            Call(
                c.call.id,
                c.call.priority,
                c.call.call_type,
                c.call.jurisdiction,
                None,
                "",
                False,
                stages,
            )
        )
    return out


def compare_kpis(observed: Sequence[Call], simulated: Sequence[Call]) -> list[Comparison]:
    """Observed against simulated, for every KPI compared, over all calls, by priority and
    by area."""
    out = []
    for name, by in _DIMENSIONS:
        obs = {(tuple(r.group.values()), r.kpi): r for r in summarise(observed, by, kpis=COMPARED)}
        sim = {(tuple(r.group.values()), r.kpi): r for r in summarise(simulated, by, kpis=COMPARED)}
        for key in sorted(obs.keys() | sim.keys()):
            o = obs.get(key) or _empty(key[1])
            s = sim.get(key) or _empty(key[1])
            out.append(Comparison(name, "/".join(key[0]) or "all", key[1], o, s))
    return out


def _empty(kpi: str) -> KpiRow:
    return KpiRow({}, kpi, 0, None, None, 0, 0)


def validate(
    scenario: Scenario,
    collective: CollectiveSpec,
    calls: Sequence[Observed],
    *,
    seed: int | None = None,
    dropped: Mapping[str, int] | None = None,
) -> Validation:
    """Replay ``calls`` under each policy of ``scenario`` and compare the KPIs."""
    seed = scenario.seed if seed is None else seed
    scenario.require_data(collective=False)
    fleet = build_fleet(collective)
    check_against_fleet(scenario, fleet)
    rng = np.random.default_rng(seed)
    travel = make_travel(scenario.travel)
    replay, kept = stream(calls, fleet, rng)
    replay, keep = served_as(scenario, replay, rng)
    kept = [c for c, k in zip(kept, keep.tolist(), strict=True) if k]
    before = len(replay)
    replay = routable(replay, travel)
    if len(replay) != before:
        raise ScenarioError(
            "validation needs every call routable: use a travel model without a road network"
        )
    near = neighbours(fleet, replay, scenario.default_plan)
    observed_calls = [c.call for c in kept]
    comparisons: dict[str, list[Comparison]] = {}
    unserved: dict[str, int] = {}
    for policy in scenario.policies.compare:
        outcome = simulate(
            fleet,
            replay,
            collective_for(
                policy,
                fleet,
                home_reserve=scenario.policies.home_reserve,
                reserve_by_agency=scenario.policies.reserve_by_agency,
            ),
            travel,
            policy=policy,
            default_plan=scenario.default_plan,
            near=near,
        )
        comparisons[policy] = compare_kpis(observed_calls, simulated_calls(replay, outcome, kept))
        unserved[policy] = int(np.isnan(outcome.first_arrival).sum())
    left_out = {**(dropped or {}), **replay.dropped}
    warnings = [f"{n} calls left out: {reason}" for reason, n in left_out.items()]
    if replay.on_scene_filled:
        warnings.append(
            f"{replay.on_scene_filled} calls had no on-scene time "
            f"(missing_on_scene = {scenario.service.missing_on_scene})"
        )
    for policy, n in unserved.items():
        if n:
            warnings.append(f"{LABELS.get(policy, policy)}: {n} calls never got a unit")
    thin = {
        (c.dimension, c.group)
        for rows in comparisons.values()
        for c in rows
        if c.thin and c.kpi == "total_response"
    }
    if thin:
        warnings.append(
            f"{len(thin)} groups have fewer than {THIN} observed response times: their "
            "errors say little"
        )
    return Validation(
        scenario.name,
        seed,
        len(replay),
        left_out,
        replay.on_scene_filled,
        scenario.service.missing_on_scene,
        comparisons,
        unserved,
        tuple(warnings),
    )


def table(v: Validation, policy: str) -> str:
    """Observed against simulated medians and 90th percentiles, minutes, for a terminal."""
    head = (
        f"{'group':<22} {'kpi':<16} {'obs n':>6} {'obs p50':>8} {'sim p50':>8} {'err':>7} "
        f"{'obs p90':>8} {'sim p90':>8} {'err':>7}"
    )
    lines = [
        f"{v.scenario}: {v.calls} observed calls replayed, policy {LABELS.get(policy, policy)}, "
        f"seed {v.seed}; minutes, error = (simulated - observed) / observed",
        head,
        "-" * len(head),
    ]
    for c in v.comparisons[policy]:
        row = c.as_dict()
        group = c.group if c.dimension == "all" else f"{c.dimension} {c.group}"
        lines.append(
            f"{group:<22} {c.kpi:<16} {c.observed.count:>6} {_m(row['observed_p50_min']):>8} "
            f"{_m(row['simulated_p50_min']):>8} {_pct(c.error('median_s')):>7} "
            f"{_m(row['observed_p90_min']):>8} {_m(row['simulated_p90_min']):>8} "
            f"{_pct(c.error('p90_s')):>7}{' thin' if c.thin else ''}"
        )
    lines.append(f"unserved (no unit before the run ended): {v.unserved[policy]}")
    return "\n".join(lines)


def write_validation(v: Validation, out_dir: Path | str) -> list[Path]:
    """validation.json, validation.csv (one row per policy, group and KPI) and
    validation.png (total response by priority, observed against simulated)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    js = out / "validation.json"
    js.write_text(json.dumps(v.as_dict(), indent=2) + "\n", encoding="utf-8")
    path = out / "validation.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w: csv.DictWriter[str] | None = None
        for policy, rows in v.comparisons.items():
            for c in rows:
                record = {"policy": policy, **c.as_dict()}
                if w is None:
                    w = csv.DictWriter(f, fieldnames=list(record))
                    w.writeheader()
                w.writerow(record)
    from bluepool.sim.plots import png
    from bluepool.sim.plots import validation as figure

    picture = out / "validation.png"
    picture.write_bytes(png(figure(v)))
    return [js, path, picture]


def _m(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:+.0f}%"
