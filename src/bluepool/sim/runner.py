"""Run a scenario: every policy it compares on the same calls, plus the lower bound.

A run is a function of (scenario, seed): one ``numpy.random.Generator(seed)`` draws the
generated calls (or places calls given by area) and then every call's on-scene time; the
policies then serve exactly the same calls for exactly the same times.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
from tqdm import tqdm

from bluepool.adapters.files.collective import read_collective
from bluepool.domain.agencies import Requirement
from bluepool.domain.ids import CallTypeCode
from bluepool.domain.travel import TravelTimes
from bluepool.sim.bounds import lower_bound
from bluepool.sim.calls import CallStream, generate, replay
from bluepool.sim.engine import simulate
from bluepool.sim.fleet import Fleet, build_fleet
from bluepool.sim.metrics import PolicyResult, bound_result, summarize
from bluepool.sim.policies import collective_for
from bluepool.sim.pool import neighbours
from bluepool.sim.report import Report
from bluepool.sim.scenario import DataMissing, ReplayCalls, Scenario
from bluepool.sim.service import draw_on_scene
from bluepool.sim.travel import TravelModel, make_travel


def run(
    scenario: Scenario,
    seed: int | None = None,
    progress: bool = True,
    *,
    road: TravelTimes | None = None,
) -> Report:
    """Simulate every policy of ``scenario``; ``seed`` None takes the scenario's.

    Raises ``DataMissing`` (naming the files) when a data file is absent, and
    ``ScenarioError`` for anything else wrong with the scenario.
    """
    seed = scenario.seed if seed is None else seed
    missing = scenario.missing_data()
    if missing:
        raise DataMissing(
            f"scenario {scenario.name}: missing " + ", ".join(str(p) for p in missing)
        )
    fleet = build_fleet(read_collective(scenario.collective))
    rng = np.random.default_rng(seed)
    calls = load_calls(scenario, fleet, rng)
    travel = make_travel(scenario.travel, road)
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

        results = compare(fleet, calls, travel, scenario, progress=advance if progress else None)
    return Report(
        scenario=scenario.name,
        description=scenario.description,
        seed=seed,
        fleet=fleet,
        calls=calls,
        travel=travel.port.method,
        service=scenario.service,
        results=results,
    )


def load_calls(scenario: Scenario, fleet: Fleet, rng: np.random.Generator) -> CallStream:
    """The scenario's calls with their on-scene times."""
    source = scenario.calls
    if isinstance(source, ReplayCalls):
        calls = replay(source.path, source.mapping, fleet, rng)
    else:
        calls = generate(source, fleet, rng)
    return calls.with_on_scene(
        draw_on_scene(scenario.service, calls.call_type, calls.priority, rng)
    )


def compare(
    fleet: Fleet,
    calls: CallStream,
    travel: TravelModel,
    scenario: Scenario,
    progress: Callable[[int], None] | None = None,
) -> list[PolicyResult]:
    """Serve the calls under each policy of the scenario, then compute the lower bound."""
    near = neighbours(fleet, calls)
    results: list[PolicyResult] = []
    for policy in scenario.policies.compare:
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
        )
        results.append(summarize(fleet, calls, outcome))
    plans: dict[CallTypeCode, tuple[Requirement, ...]] = {
        code: tuple(ct.plan) for code, ct in fleet.call_types.items()
    }
    bound = lower_bound(fleet, calls, travel, plans, scenario.default_plan)
    results.append(bound_result(fleet, calls, bound))
    return results
