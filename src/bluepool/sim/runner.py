"""Run a scenario: every policy it compares on the same calls, plus the lower bound.

A run is a function of (scenario, seed): one ``numpy.random.Generator(seed)`` draws the
generated calls (or places calls given by area) and then every call's on-scene time; the
policies then serve exactly the same calls for exactly the same times.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.dispatch.travel import TravelTimes
from bluepool.domain.shared.errors import DomainError
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import CallTypeCode
from bluepool.domain.spec import CollectiveSpec
from bluepool.sim.bounds import lower_bound
from bluepool.sim.calls import CallStream, generate, replay
from bluepool.sim.engine import simulate
from bluepool.sim.fleet import Fleet, build_fleet, staffed
from bluepool.sim.metrics import PolicyResult, bound_result, summarize
from bluepool.sim.policies import collective_for
from bluepool.sim.pool import Neighbours, neighbours
from bluepool.sim.report import Report
from bluepool.sim.scenario import ReplayCalls, Scenario, ScenarioError
from bluepool.sim.service import draw_delays, draw_on_scene, fill_on_scene
from bluepool.sim.shifts import Schedule, schedule
from bluepool.sim.travel import TravelModel, make_travel

#: Below this many calls a run does not fork workers: it would not pay.
PARALLEL_FROM_CALLS = 20_000


def run(
    scenario: Scenario,
    collective: CollectiveSpec,
    seed: int | None = None,
    progress: bool = True,
    *,
    road: TravelTimes | None = None,
    workers: int | None = None,
) -> Report:
    """Simulate every policy of ``scenario`` on ``collective``; ``seed`` None takes the
    scenario's.

    ``collective`` is the collective file the scenario names, as the caller read it, or
    any other (e.g. the collective as it stands in the database,
    ``services.setup.snapshot``): the simulator reads no collective file itself.

    The policies run in ``workers`` processes (None: one per policy, up to the CPUs; only
    for runs of 20,000 calls or more, and only where processes can fork). The report is
    the same whatever the number of workers.

    Raises ``DataMissing`` (naming the files) when a data file is absent, and
    ``ScenarioError`` for anything else wrong with the scenario.
    """
    seed = scenario.seed if seed is None else seed
    scenario.require_data(collective=False)
    fleet = build_fleet(collective)
    check_against_fleet(scenario, fleet)
    rng = np.random.default_rng(seed)
    travel = make_travel(scenario.travel, road)
    calls = routable(load_calls(scenario, fleet, rng), travel)
    fleet = staffed(fleet, collective, calls.start)
    policies = scenario.policies.compare
    with tqdm(
        total=len(calls) * len(policies),
        desc=scenario.name,
        unit="call",
        file=sys.stderr,
        disable=not progress,
        leave=False,
    ) as bar:

        def advance(n: int) -> None:
            bar.update(n)

        results = compare(
            fleet,
            calls,
            travel,
            scenario,
            progress=advance if progress else None,
            workers=_workers(workers, len(calls), len(policies)),
        )
    return Report(
        scenario=scenario.name,
        description=scenario.description,
        seed=seed,
        fleet=fleet,
        calls=calls,
        travel=travel.port.method,
        service=scenario.service,
        results=results,
        shifts=scenario.shifts,
        warnings=tuple(warnings(calls, scenario, results)),
    )


def check_against_fleet(scenario: Scenario, fleet: Fleet) -> None:
    """What the scenario file alone cannot check: ``policies.reserve_by_agency`` names
    agencies of the collective (a misspelt name would silently keep the default reserve)."""
    known = {str(a) for a in fleet.agencies}
    unknown = sorted(a for a in scenario.policies.reserve_by_agency if a not in known)
    if unknown:
        raise ScenarioError(
            f"scenario {scenario.name}: policies.reserve_by_agency: no agency "
            f"{', '.join(repr(a) for a in unknown)} in the collective "
            f"(agencies: {', '.join(sorted(known))})"
        )


def load_calls(scenario: Scenario, fleet: Fleet, rng: np.random.Generator) -> CallStream:
    """The scenario's calls with their on-scene times and delays."""
    source = scenario.calls
    if isinstance(source, ReplayCalls):
        return served_as(scenario, replay(source.path, source.mapping, fleet, rng), rng)[0]
    calls = generate(source, fleet, rng)
    calls = calls.with_on_scene(
        draw_on_scene(scenario.service, calls.call_type, calls.priority, rng)
    )
    return with_delays(scenario, calls, rng)


def served_as(
    scenario: Scenario, calls: CallStream, rng: np.random.Generator
) -> tuple[CallStream, NDArray[np.bool_]]:
    """Replayed calls with on-scene times by the ``missing_on_scene`` rule (the calls it
    drops counted), and the service model's delays; and which of ``calls`` are kept."""
    service = scenario.service
    seconds, keep = fill_on_scene(service, calls.call_type, calls.priority, calls.on_scene, rng)
    if not keep.all():
        calls = calls.keep(keep, "no on-scene time (missing_on_scene = drop)")
        seconds = seconds[keep]
    filled = dataclasses.replace(
        calls.with_on_scene(seconds), on_scene_filled=int(np.isnan(calls.on_scene).sum())
    )
    return with_delays(scenario, filled, rng), keep


def with_delays(scenario: Scenario, calls: CallStream, rng: np.random.Generator) -> CallStream:
    processing, turnout = draw_delays(scenario.service, calls.call_type, calls.priority, rng)
    return calls.with_delays(processing, turnout)


def warnings(calls: CallStream, scenario: Scenario, results: list[PolicyResult]) -> list[str]:
    """What a user should know before trusting the figures: calls left out, on-scene
    times the scenario's rule filled, calls no unit reached."""
    out = [f"{n} calls left out: {reason}" for reason, n in calls.dropped.items()]
    if calls.on_scene_filled:
        rule = scenario.service.missing_on_scene
        how = {
            "assume": "drawn from the service model (missing_on_scene = assume)",
            "impute": "imputed from the same call type (missing_on_scene = impute)",
        }.get(rule, rule)
        out.append(f"{calls.on_scene_filled} calls had no on-scene time: {how}")
    for r in results:
        if r.policy != "lower_bound" and r.unserved:
            out.append(f"{r.label}: {r.unserved} calls never got a unit before the run ended")
    return out


def _workers(asked: int | None, calls: int, policies: int) -> int:
    if asked is not None:
        return max(1, asked)
    if calls < PARALLEL_FROM_CALLS or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(policies, os.cpu_count() or 1))


@dataclass(frozen=True, slots=True, eq=False)
class _Job:
    fleet: Fleet
    calls: CallStream
    travel: TravelModel
    scenario: Scenario
    near: Neighbours
    shifts: Schedule | None


#: What a forked worker inherits: set just before the pool forks, read in the child
#: (the fleet's spatial indexes do not pickle, and need not be sent).
_JOB: list[_Job] = []


def _run_policy(policy: str) -> PolicyResult:
    job = _JOB[0]
    return _policy(
        job.fleet, job.calls, job.travel, job.scenario, policy, None, job.near, job.shifts
    )


def _policy(
    fleet: Fleet,
    calls: CallStream,
    travel: TravelModel,
    scenario: Scenario,
    policy: str,
    progress: Callable[[int], None] | None,
    near: Neighbours,
    shifts: Schedule | None = None,
) -> PolicyResult:
    collective = collective_for(
        policy,
        fleet,
        home_reserve=scenario.policies.home_reserve,
        reserve_by_agency=scenario.policies.reserve_by_agency,
    )
    outcome = simulate(
        fleet,
        calls,
        collective,
        travel,
        policy=policy,
        default_plan=scenario.default_plan,
        near=near,
        progress=progress,
        shifts=shifts,
    )
    return summarize(fleet, calls, outcome)


def routable(calls: CallStream, travel: TravelModel) -> CallStream:
    """Drop the calls a road oracle cannot place on its network (too far from any road)."""
    snap = getattr(travel.port, "snap", None)
    if travel.straight_line or snap is None:
        return calls
    ok = np.ones(len(calls), dtype=np.bool_)
    for i, (lat, lon) in enumerate(zip(calls.lat.tolist(), calls.lon.tolist(), strict=True)):
        try:
            snap(Location(lat, lon))
        except DomainError:
            ok[i] = False
    return calls.keep(ok, "too far from any road")


def compare(
    fleet: Fleet,
    calls: CallStream,
    travel: TravelModel,
    scenario: Scenario,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> list[PolicyResult]:
    """Serve the calls under each policy of the scenario, then compute the lower bound."""
    check_against_fleet(scenario, fleet)
    policies = scenario.policies.compare
    near = neighbours(fleet, calls, scenario.default_plan)
    shifts = (
        schedule(scenario.shifts, fleet, calls.start, calls.horizon)
        if scenario.shifts is not None
        else None
    )
    try:
        if workers > 1 and len(policies) > 1:
            _JOB[:] = [_Job(fleet, calls, travel, scenario, near, shifts)]
            with ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("fork")
            ) as pool:
                futures = [pool.submit(_run_policy, p) for p in policies]
                results = []
                for f in futures:
                    results.append(f.result())
                    if progress is not None:
                        progress(len(calls))
        else:
            results = [
                _policy(fleet, calls, travel, scenario, p, progress, near, shifts) for p in policies
            ]
    finally:
        _JOB.clear()
    plans: dict[CallTypeCode, tuple[Requirement, ...]] = {
        code: tuple(ct.plan) for code, ct in fleet.call_types.items()
    }
    bound = lower_bound(fleet, calls, travel, plans, scenario.default_plan)
    for delay in (calls.processing, calls.turnout):
        if delay is not None:
            bound = bound + delay
    results.append(bound_result(fleet, calls, bound))
    return results
