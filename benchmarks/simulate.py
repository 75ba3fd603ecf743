"""Simulated calls per second, pooled policy, on a 2,000-unit collective.

bluepool's engine (a heapq event loop, a spatial index of available units, ``recommend``
over a small candidate pool) against, in the same run, a straightforward SimPy model of
the same thing: one process per call and per unit trip, ``recommend`` over the whole fleet
for every decision.

Before it reports, the benchmark checks that the two make the same dispatches, on the
window SimPy is timed on and on a short window at a higher call rate, where the fleet runs
out and calls queue (so queue handling is compared too).

``calls_per_second`` is the rate of ONE run (200,000 calls, steady state, from the call
stream to the outcome), the fastest of ``--repeat`` runs (``calls_per_second_median``:
their median): its event loop is sequential, on one core; only the neighbour query
before it runs on both. ``calls_per_second_two_cores`` is the throughput of two
independent replications (other seeds) running side by side on two cores, as a study of
several seeds or a scenario's policies runs them. ``speedup_vs_simpy`` compares bluepool
and SimPy on the same calls (the SimPy window), one core each; both call the same
``recommend``. ``compiled`` says whether the hot paths run compiled by mypyc (see
docs/decisions/0004), as ``make install`` builds them. Prints a table and, last, one JSON
line.

    .venv/bin/python benchmarks/simulate.py [--calls N] [--repeat N] [--baseline-calls N]
        [--queue-calls N] [--queue-load X]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).parent))

from common import footer, fresh_build

from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Requirement, Station
from bluepool.domain.dispatch.recommend import Collective, IncidentView, recommend
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    StationId,
    UnitId,
)
from bluepool.domain.spec import CollectiveSpec
from bluepool.sim.calls import CallStream, from_arrays
from bluepool.sim.engine import Outcome, simulate
from bluepool.sim.fleet import Fleet, build_fleet
from bluepool.sim.policies import collective_for
from bluepool.sim.travel import TravelModel, straight_line

COLS, ROWS, SIZE = 5, 4, 0.1  # 20 agencies, squares of 0.1 degree (about 10 km)
PATROL, K9, SWAT = 90, 6, 4  # per agency: 100 units
CALL_TYPES = (
    CallType(CallTypeCode("routine"), "Routine", 3, (Requirement("patrol"),)),
    CallType(CallTypeCode("backup"), "Needs backup", 2, (Requirement("patrol", 2),)),
    CallType(
        CallTypeCode("robbery"),
        "Armed robbery",
        1,
        (Requirement("patrol", 2), Requirement("k9", 1)),
    ),
)
MIX = (0.85, 0.12, 0.03)
CALLS_PER_HOUR = 1400.0  # about half the fleet busy
MEAN_ON_SCENE = 1800.0


def collective(rng: np.random.Generator) -> CollectiveSpec:
    agencies, jurisdictions, stations, units = [], [], [], []
    for x in range(COLS):
        for y in range(ROWS):
            a = AgencyId(f"a{x}{y}")
            lon0, lat0 = 9.0 + x * SIZE, 47.0 + y * SIZE
            ring = [
                [lon0, lat0],
                [lon0 + SIZE, lat0],
                [lon0 + SIZE, lat0 + SIZE],
                [lon0, lat0 + SIZE],
                [lon0, lat0],
            ]
            agencies.append(Agency(a, a.upper()))
            jurisdictions.append(
                Jurisdiction(JurisdictionId(a), a, a, {"type": "Polygon", "coordinates": [ring]})
            )

            def post(name: str, a: AgencyId = a, lon0: float = lon0, lat0: float = lat0) -> Station:
                loc = Location(lat0 + rng.random() * SIZE, lon0 + rng.random() * SIZE)
                s = Station(StationId(f"{a}-{name}"), a, name, loc)
                stations.append(s)
                return s

            for k in range(PATROL):
                s = post(f"beat-{k}")
                units.append(
                    Unit(
                        UnitId(f"{a}-p{k}"),
                        a,
                        "patrol",
                        frozenset({"patrol"}),
                        s.id,
                        location=s.location,
                    )
                )
            hq = post("hq")
            for k in range(K9):
                units.append(
                    Unit(
                        UnitId(f"{a}-k{k}"),
                        a,
                        "k9",
                        frozenset({"k9", "patrol"}),
                        hq.id,
                        location=hq.location,
                    )
                )
            for k in range(SWAT):
                units.append(
                    Unit(
                        UnitId(f"{a}-s{k}"),
                        a,
                        "swat",
                        frozenset({"swat"}),
                        hq.id,
                        location=hq.location,
                    )
                )
    return CollectiveSpec(
        agencies=tuple(agencies),
        jurisdictions=tuple(jurisdictions),
        stations=tuple(stations),
        units=tuple(units),
        call_types=CALL_TYPES,
    )


def calls(fleet: Fleet, n: int, rng: np.random.Generator, load: float = 1.0) -> CallStream:
    t = np.cumsum(rng.exponential(3600.0 / (CALLS_PER_HOUR * load), n))
    kinds = rng.choice(len(CALL_TYPES), size=n, p=MIX)
    return from_arrays(
        fleet,
        t,
        47.0 + rng.random(n) * ROWS * SIZE,
        9.0 + rng.random(n) * COLS * SIZE,
        priority=np.array([CALL_TYPES[k].default_priority for k in kinds]),
        call_type=[CALL_TYPES[k].code for k in kinds],
        on_scene=rng.exponential(MEAN_ON_SCENE, n),
    )


def simpy_baseline(
    fleet: Fleet, stream: CallStream, pooled: Collective, travel: TravelModel
) -> list[tuple[int, str, float]]:
    """The same model written the straightforward way: SimPy processes, the whole fleet
    handed to ``recommend`` for every decision. Returns (call, unit, dispatch time)."""
    env = simpy.Environment()
    units = fleet.fresh_units()
    plans = {ct.code: ct.plan for ct in CALL_TYPES}
    j_ids = [j.id for j in fleet.jurisdictions]
    post = {u.id: u.location for u in units}
    waiting: list[tuple[int, float, int, tuple[frozenset[str], ...]]] = []
    log: list[tuple[int, str, float]] = []

    def offer(i: int, sent: tuple[frozenset[str], ...]) -> bool:
        view = IncidentView(
            IncidentId(str(i)),
            stream.call_type[i],
            int(stream.priority[i]),
            Location(float(stream.lat[i]), float(stream.lon[i])),
            j_ids[int(stream.jurisdiction[i])],
        )
        rec = recommend(view, plans[view.call_type], units, pooled, travel.port, sent)
        if not rec.proposed:
            return False
        eta = {c.unit_id: c.eta_seconds for c in rec.candidates if c.proposed}
        by_id = {u.id: u for u in units}
        for _, uid in rec.proposed:
            unit = by_id[uid]
            unit.status = UnitStatus.DISPATCHED
            unit.workload += 1
            log.append((i, uid, env.now))
            env.process(trip(unit, eta[uid], float(stream.on_scene[i])))
        waiting[:] = [w for w in waiting if w[2] != i]
        if rec.shortfalls:
            more = tuple(by_id[uid].capabilities for _, uid in rec.proposed)
            waiting.append((int(stream.priority[i]), float(stream.t[i]), i, sent + more))
            waiting.sort()
        return True

    def trip(unit: Unit, eta: float, on_scene: float):  # type: ignore[no-untyped-def]
        yield env.timeout(eta + on_scene + eta)
        unit.status = UnitStatus.AVAILABLE
        assert unit.location == post[unit.id]
        for _, _, i, sent in list(waiting):
            offer(i, sent)

    def arrivals():  # type: ignore[no-untyped-def]
        for i, t in enumerate(stream.t.tolist()):
            yield env.timeout(t - env.now)
            if not offer(i, ()):
                waiting.append((int(stream.priority[i]), t, i, ()))
                waiting.sort()

    env.process(arrivals())
    env.run()
    return log


def _replication(seed: int) -> int:
    """One independent pooled run (its own calls), in a worker process."""
    fleet = _SHARED[0]
    stream = calls(fleet, _SHARED_CALLS[0], np.random.default_rng(seed))
    simulate(fleet, stream, collective_for("pooled", fleet), straight_line())
    return len(stream)


_SHARED: list[Fleet] = []
_SHARED_CALLS: list[int] = []


def two_cores(fleet: Fleet, n: int, workers: int = 2) -> tuple[int, float]:
    """Independent replications, one per core, as a study of several seeds runs them."""
    _SHARED[:] = [fleet]
    _SHARED_CALLS[:] = [n]
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        t0 = time.perf_counter()
        total = sum(pool.map(_replication, range(100, 100 + workers)))
        return total, time.perf_counter() - t0


def window(stream: CallStream, n: int) -> CallStream:
    """The first ``n`` calls of a stream."""
    return CallStream(
        stream.start,
        stream.t[:n],
        stream.priority[:n],
        stream.call_type[:n],
        stream.lat[:n],
        stream.lon[:n],
        stream.jurisdiction[:n],
        stream.on_scene[:n],
    )


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The shortest of ``repeat`` timings of ``fn``, seconds (a short run is noisy)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def same_dispatches(a: list[tuple[int, str, float]], b: list[tuple[int, str, float]]) -> bool:
    return len(a) == len(b) and all(
        x[:2] == y[:2] and abs(x[2] - y[2]) < 1e-6 for x, y in zip(a, b, strict=True)
    )


def dispatch_log(outcome: Outcome, fleet: Fleet) -> list[tuple[int, str, float]]:
    return [
        (int(c), fleet.units[int(u)].id, float(s))
        for c, u, s in zip(outcome.call, outcome.unit, outcome.start, strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the one-run figure")
    parser.add_argument("--baseline-calls", type=int, default=1_500)
    parser.add_argument("--queue-calls", type=int, default=1_800)
    parser.add_argument(
        "--queue-load", type=float, default=10.0, help="call rate of the queueing check, x normal"
    )
    args = parser.parse_args()
    compiled = "bluepool/sim/engine.py" in fresh_build()
    rng = np.random.default_rng(2024)
    fleet = build_fleet(collective(rng))
    stream = calls(fleet, args.calls, rng)
    travel = straight_line()
    pooled = collective_for("pooled", fleet)

    # The machine is shared: the fastest of a few runs is the engine's speed, the median
    # what a user sees on a busy day.
    runs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        outcome = simulate(fleet, stream, pooled, travel, policy="pooled")
        runs.append(time.perf_counter() - t0)
    fast_s, median_s = min(runs), statistics.median(runs)
    fast_rate = len(stream) / fast_s

    # The speed-up: SimPy and bluepool on the same window of calls.
    head = window(stream, args.baseline_calls)
    t0 = time.perf_counter()
    slow_log = simpy_baseline(fleet, head, pooled, travel)
    slow_s = time.perf_counter() - t0
    slow_rate = len(head) / slow_s
    head_s = best_of(lambda: simulate(fleet, head, pooled, travel), repeat=5)
    head_rate = len(head) / head_s
    same_head = same_dispatches(
        dispatch_log(simulate(fleet, head, pooled, travel), fleet), slow_log
    )

    # The same dispatches where the fleet runs out and calls queue.
    busy_stream = calls(fleet, args.queue_calls, np.random.default_rng(7), load=args.queue_load)
    busy_out = simulate(fleet, busy_stream, pooled, travel)
    queued = int((busy_out.first_dispatch > busy_stream.t + 1e-9).sum())
    same_busy = same_dispatches(
        dispatch_log(busy_out, fleet), simpy_baseline(fleet, busy_stream, pooled, travel)
    )
    same = same_head and same_busy

    both, both_s = two_cores(fleet, args.calls)
    both_rate = both / both_s

    hours = float(stream.t[-1]) / 3600.0
    busy = float((outcome.end - outcome.start).sum()) / 3600.0
    print(
        f"pooled policy, {len(fleet.units):,} units at {len(fleet.posts):,} posts, "
        f"{len(fleet.agencies)} agencies; {len(stream):,} calls over {hours:,.0f} h "
        f"(utilisation {busy / (len(fleet.units) * hours):.0%}, "
        f"{outcome.stats['pools_widened']:,} pools widened)"
    )
    print(
        f"hot paths compiled with mypyc: {'yes' if compiled else 'NO (plain Python)'}; "
        f"a million calls in one run: about {1e6 / fast_rate:.0f} s"
    )
    print(f"{'engine':<48}{'calls':>10}{'seconds':>10}{'calls/s':>10}")
    rows = [
        (f"bluepool, one run (fastest of {len(runs)})", len(stream), fast_s, fast_rate),
        (
            f"bluepool, one run (median of {len(runs)})",
            len(stream),
            median_s,
            len(stream) / median_s,
        ),
        ("bluepool, two runs on two cores", both, both_s, both_rate),
        (f"bluepool, the same {len(head):,} calls as SimPy", len(head), head_s, head_rate),
        ("SimPy, recommend over the whole fleet", len(head), slow_s, slow_rate),
    ]
    for name, n, secs, rate in rows:
        print(f"{name:<48}{n:>10,}{secs:>10.2f}{rate:>10,.0f}")
    print(
        f"speedup on the same {len(head):,} calls (one core each) {head_rate / slow_rate:,.0f}x; "
        f"same dispatches on them: {'yes' if same_head else 'NO'}; "
        f"on {len(busy_stream):,} calls at {args.queue_load:g}x the rate, {queued:,} of them "
        f"queued: {'yes' if same_busy else 'NO'}"
    )
    if not same:
        raise SystemExit("the engines disagree: the benchmark is void")
    if queued == 0:
        raise SystemExit("no call queued in the queueing check: raise --queue-load")
    footer(
        {
            "benchmark": "simulate",
            "units": len(fleet.units),
            "calls": len(stream),
            "calls_per_second": round(fast_rate),
            "calls_per_second_median": round(len(stream) / median_s),
            "runs": len(runs),
            "seconds_per_million_calls": round(1e6 / fast_rate, 1),
            "compiled": compiled,
            "calls_per_second_two_cores": round(both_rate),
            "cores_for_two_core_figure": 2,
            "baseline_calls": len(head),
            "calls_per_second_same_window": round(head_rate),
            "simpy_calls_per_second": round(slow_rate, 1),
            "speedup_vs_simpy": round(head_rate / slow_rate, 1),
            "queue_check_calls": len(busy_stream),
            "queue_check_queued": queued,
            "same_dispatches": same,
        }
    )


if __name__ == "__main__":
    main()
