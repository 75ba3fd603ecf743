"""The engine against Larson's hypercube queuing model, solved exactly here.

Two districts, each its own agency, pooled (the closest available unit goes, whatever its
agency); three units at distinct posts; calls arrive as Poisson streams at three points
("atoms"), two in district A and one in B. Travel is made negligible (a very fast straight
line), so a unit's busy time is its exponential on-scene time, and the ETA only fixes each
atom's preference list: the units by distance. A call finding every unit busy waits in an
infinite FCFS queue and goes to the first unit to come free.

That is Larson's hypercube model with an infinite queue. With identical service rates its
2^N binary states behave as in the zero-capacity (loss) model, the all-busy state then
carrying a geometric queue tail: P(all busy, q waiting) = P(all busy) r^q, r = lambda /
(N mu). Each unit's workload is the probability it is busy; the share of cross-district
dispatches adds, for calls served from the queue, a uniformly random freed unit and a call
from atom k with probability lambda_k / lambda.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bluepool.domain.shared.geo import Location
from bluepool.sim.calls import from_arrays
from bluepool.sim.engine import simulate
from bluepool.sim.fleet import build_fleet
from bluepool.sim.policies import collective_for
from bluepool.sim.travel import straight_line
from tests.sim.builders import District, Post, collective

MEAN_ON_SCENE = 1800.0
#: (district of the atom, lat, lon, share of the calls)
ATOMS = [("a", 0.05, 0.02, 0.35), ("a", 0.05, 0.08, 0.25), ("b", 0.05, 0.15, 0.40)]
POSTS = {"a": [Post(0.05, 0.03), Post(0.06, 0.07)], "b": [Post(0.05, 0.16)]}


def solve_hypercube(prefs: list[list[int]], rates: list[float], mu: float, n: int) -> np.ndarray:
    """Stationary probabilities of the 2^n binary states of the loss model."""
    size = 2**n
    q = np.zeros((size, size))
    for state in range(size):
        for unit in range(n):
            if state >> unit & 1:
                q[state, state & ~(1 << unit)] += mu
        for pref, rate in zip(prefs, rates, strict=True):
            free = next((u for u in pref if not state >> u & 1), None)
            if free is not None:
                q[state, state | 1 << free] += rate
    np.fill_diagonal(q, -q.sum(axis=1))
    a = np.vstack([q.T, np.ones(size)])
    b = np.zeros(size + 1)
    b[-1] = 1.0
    return np.linalg.lstsq(a, b, rcond=None)[0]


def test_workloads_and_cross_district_share_match_the_hypercube() -> None:
    fleet = build_fleet(
        collective(
            [District("a", 0.0, 0.0, 0.1, POSTS["a"]), District("b", 0.1, 0.0, 0.1, POSTS["b"])]
        )
    )
    n = len(fleet.units)
    travel = straight_line(speed_kmh=1e7)  # 10 km in 5 ms: negligible beside 30 min
    posts = [fleet.posts[p] for p in fleet.unit_post]
    prefs = []
    for _, lat, lon, _ in ATOMS:
        etas = travel.port.to_destination(posts, Location(lat, lon))
        prefs.append(sorted(range(n), key=lambda u: etas[u]))
    assert len({tuple(p) for p in prefs}) == 3  # three different preference lists

    mu = 1 / MEAN_ON_SCENE
    lam = 0.6 * n * mu
    rates = [share * lam for *_, share in ATOMS]
    rng = np.random.default_rng(5)
    calls_total = 300_000
    t = np.cumsum(rng.exponential(1 / lam, calls_total))
    atom = rng.choice(len(ATOMS), size=calls_total, p=[s for *_, s in ATOMS])
    calls = from_arrays(
        fleet,
        t,
        np.array([ATOMS[k][1] for k in atom]),
        np.array([ATOMS[k][2] for k in atom]),
        on_scene=rng.exponential(MEAN_ON_SCENE, calls_total),
    )
    out = simulate(fleet, calls, collective_for("pooled", fleet), travel)

    pi = solve_hypercube(prefs, rates, mu, n)
    full = 2**n - 1
    r = lam / (n * mu)
    z = pi[:full].sum() + pi[full] / (1 - r)
    p = pi / z
    p_queue = pi[full] * r / (1 - r) / z  # all busy, somebody waiting
    workload = np.array([sum(p[s] for s in range(2**n) if s >> u & 1) + p_queue for u in range(n)])
    unit_district = [fleet.units[u].agency_id for u in range(n)]
    cross_rate = 0.0
    for s in range(full):
        for (d, *_), pref, rate in zip(ATOMS, prefs, rates, strict=True):
            u = next(u for u in pref if not s >> u & 1)
            cross_rate += rate * p[s] * (unit_district[u] != d)
    for (d, *_), rate in zip(ATOMS, rates, strict=True):
        cross_rate += (p[full] + p_queue) * rate * sum(unit_district[u] != d for u in range(n)) / n
    cross_share = cross_rate / lam

    horizon = calls.horizon
    busy = np.bincount(out.unit, weights=np.minimum(out.end, horizon) - out.start, minlength=n)
    simulated = busy / horizon
    print("workload", simulated.round(4), "hypercube", workload.round(4))
    print("cross", round(float(out.lent.mean()), 4), "hypercube", round(cross_share, 4))
    np.testing.assert_allclose(simulated, workload, rtol=0.02)
    assert float(out.lent.mean()) == pytest.approx(cross_share, rel=0.02)


def test_the_solver_gives_erlang_loss_when_all_atoms_share_one_preference_list() -> None:
    """Sanity check of the oracle: counting busy units, one preference list is M/M/3/3."""
    mu, lam, n = 1.0, 2.0, 3
    pi = solve_hypercube([[0, 1, 2]], [lam], mu, n)
    by_busy = [sum(pi[s] for s in range(2**n) if bin(s).count("1") == k) for k in range(n + 1)]
    a = lam / mu
    truncated_poisson = np.array([a**k / math.factorial(k) for k in range(n + 1)])
    np.testing.assert_allclose(by_busy, truncated_poisson / truncated_poisson.sum(), atol=1e-12)
