"""The candidate pool: ``recommend`` over it proposes what ``recommend`` over the whole
fleet proposes, on random states of random collectives (see ``bluepool.sim.pool``)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from bluepool.adapters.files.collective import read_collective
from bluepool.domain.dispatch.recommend import IncidentView, recommend
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, IncidentId, JurisdictionId
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule
from bluepool.sim.calls import from_arrays
from bluepool.sim.engine import simulate
from bluepool.sim.fleet import Fleet, build_fleet
from bluepool.sim.policies import collective_for
from bluepool.sim.pool import Availability, PoolRecommender, neighbours
from bluepool.sim.runner import load_calls, routable
from bluepool.sim.scenario import load_scenario
from bluepool.sim.travel import make_travel, straight_line
from tests.sim.builders import District, Post, call_type, collective

SCENARIOS = Path(__file__).parents[2] / "scenarios"
CAPS = [{"patrol"}, {"patrol"}, {"patrol"}, {"patrol", "k9"}, {"k9"}, {"swat"}, {"air"}]
CALL_TYPES = [
    call_type("one", ("patrol", 1)),
    call_type("two", ("patrol", 2)),
    call_type("robbery", ("patrol", 2), ("k9", 1)),
    call_type("hostage", ("swat", 1), ("patrol", 2)),
    call_type("search", ("k9", 1), ("air", 1), ("patrol", 1)),
]


def random_rule(rng: random.Random, ids: list[str]) -> SharingRule:
    return SharingRule(
        jurisdictions=(
            frozenset(JurisdictionId(j) for j in rng.sample(ids, rng.randint(1, len(ids))))
            if rng.random() < 0.3
            else None
        ),
        call_types=(
            frozenset(CallTypeCode(c.code) for c in rng.sample(CALL_TYPES, 2))
            if rng.random() < 0.2
            else None
        ),
        capabilities=frozenset(rng.choice(CAPS)) if rng.random() < 0.3 else None,
        max_priority=rng.randint(1, 5),
    )


def random_fleet(rng: random.Random) -> Fleet:
    cols, rows = rng.randint(1, 3), rng.randint(1, 3)
    ids = [f"d{x}{y}" for x in range(cols) for y in range(rows)]
    districts = []
    for x in range(cols):
        for y in range(rows):
            d = f"d{x}{y}"
            posts = [
                Post(
                    0.1 * y + rng.random() * 0.1,
                    0.1 * x + rng.random() * 0.1,
                    rng.randint(1, 3),
                    frozenset(rng.choice(CAPS)),
                )
                for _ in range(rng.randint(1, 5))
            ]
            if rng.random() < 0.2:  # a post just outside its own jurisdiction
                posts.append(Post(0.1 * y + 0.05, 0.1 * x + 0.1 + 1e-4))
            rules = tuple(random_rule(rng, ids) for _ in range(rng.randint(0, 2)))
            policy = SharingPolicy(AgencyId(d), rng.choice([0, 0, 1, 2, 3]), rules)
            districts.append(
                District(d, 0.1 * x, 0.1 * y, 0.1, posts, policy if rng.random() < 0.9 else None)
            )
    return build_fleet(collective(districts, CALL_TYPES))


@pytest.mark.parametrize("policy", ["configured", "pooled", "pooled_reserve", "siloed"])
def test_pool_proposes_what_the_whole_fleet_does(policy: str) -> None:
    checked = widened = 0
    for seed in range(60):
        rng = random.Random(seed)
        fleet = random_fleet(rng)
        n = 12
        g = np.random.default_rng(seed)
        xmax = max(p.lon for p in fleet.posts) + 0.05
        ymax = max(p.lat for p in fleet.posts) + 0.05
        calls = from_arrays(fleet, np.arange(n), g.random(n) * ymax, g.random(n) * xmax)
        collective = collective_for(policy, fleet, home_reserve=rng.randint(1, 3))
        units = fleet.fresh_units()
        for u in units:
            if rng.random() < 0.4:
                u.status = UnitStatus.ON_SCENE
            u.workload = rng.randint(0, 3)
        avail = Availability(fleet, units)
        pool = PoolRecommender(fleet, avail, collective, straight_line(), neighbours(fleet, calls))
        for i in range(len(calls)):
            ct = rng.choice(CALL_TYPES)
            view = IncidentView(
                IncidentId(str(i)),
                ct.code,
                rng.randint(1, 5),
                Location(float(calls.lat[i]), float(calls.lon[i])),
                fleet.jurisdictions[int(calls.jurisdiction[i])].id,
            )
            # sometimes a unit is already on the call (a queued call, partly served)
            sent = (frozenset(rng.choice(CAPS)),) if rng.random() < 0.3 else ()
            whole = recommend(view, ct.plan, units, collective, straight_line().port, sent)
            got = pool.recommend(i, view, ct.plan, sent)
            if got is None:  # nobody could serve it: the fleet proposes nobody either
                assert whole.proposed == (), f"seed {seed}, call {i}"
            else:
                assert got.proposed == whole.proposed, f"seed {seed}, call {i}"
                assert got.shortfalls == whole.shortfalls, f"seed {seed}, call {i}"
            checked += 1
        widened += pool.widened
    assert checked > 400  # calls that fell outside every district are dropped
    assert widened > 0  # the harder path (a pool grown until it proves itself) was taken


def test_a_far_dog_does_not_pull_every_patrol_car_on_the_way_into_the_pool() -> None:
    """Two patrol cars and a dog, with thirty patrol posts between the call and the only
    dog: the walk by type takes the two nearest cars and the dog, and its answer is still
    the fleet's (see ``bluepool.sim.pool``, point 3)."""
    posts = [Post(0.0005, 0.001 * k + 0.0005) for k in range(30)]
    posts.append(Post(0.0005, 0.0995, 1, frozenset({"k9", "patrol"})))
    robbery = call_type("robbery", ("patrol", 2), ("k9", 1))
    fleet = build_fleet(collective([District("d", 0.0, 0.0, 0.1, posts)], [robbery]))
    calls = from_arrays(fleet, [0.0], [0.0005], [0.0001], call_type=["robbery"])
    units = fleet.fresh_units()
    pooled = collective_for("pooled", fleet)
    pool = PoolRecommender(
        fleet, Availability(fleet, units), pooled, straight_line(), neighbours(fleet, calls)
    )
    view = IncidentView(
        IncidentId("0"), robbery.code, 3, Location(0.0005, 0.0001), JurisdictionId("d")
    )
    got = pool.recommend(0, view, robbery.plan)
    whole = recommend(view, robbery.plan, units, pooled, straight_line().port)
    assert got is not None
    assert got.proposed == whole.proposed
    assert [uid for _, uid in got.proposed] == ["d-s0-u0", "d-s1-u0", "d-s30-u0"]
    assert len(got.candidates) == 3  # not the 30 patrol cars nearer than the dog
    assert len(whole.candidates) == 31
    assert pool.widened == 0


def test_a_whole_run_under_load_never_departs_from_the_fleets_recommendation() -> None:
    """``verify=True`` re-runs ``recommend`` over the whole fleet for every decision and
    raises on any difference: queues, reserves and multi-unit plans all included."""
    rng = random.Random(99)
    fleet = random_fleet(rng)
    g = np.random.default_rng(1)
    n = 500
    xmax = max(p.lon for p in fleet.posts) + 0.05
    ymax = max(p.lat for p in fleet.posts) + 0.05
    calls = from_arrays(
        fleet,
        np.cumsum(g.exponential(60.0, n)),
        g.random(n) * ymax,
        g.random(n) * xmax,
        priority=g.integers(1, 6, n),
        call_type=[c.code for c in g.choice(np.array(CALL_TYPES, dtype=object), n)],
        on_scene=g.exponential(2400.0, n),
    )
    for policy in ("pooled_reserve", "configured"):
        out = simulate(
            fleet,
            calls,
            collective_for(policy, fleet, home_reserve=2),
            straight_line(),
            verify=True,
        )
        served = ~np.isnan(out.first_dispatch)
        delay = out.first_dispatch[served] - calls.t[served]
        assert (delay >= 0).all()
        assert (delay > 0).mean() > 0.05  # the run was loaded: calls queued


def test_pools_are_exact_with_drive_times_on_the_demo_road_network() -> None:
    """Road ETAs are not monotone in distance: the pool's bound is the network's top speed."""
    scenario = load_scenario(SCENARIOS / "demo-day-roads.toml")
    fleet = build_fleet(read_collective(scenario.collective))
    travel = make_travel(scenario.travel)
    calls = routable(load_calls(scenario, fleet, np.random.default_rng(3)), travel)
    for policy in ("pooled", "pooled_reserve"):
        out = simulate(
            fleet, calls, collective_for(policy, fleet, home_reserve=2), travel, verify=True
        )
        assert out.lent.any()
