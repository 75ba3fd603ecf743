"""Candidate pools: ``recommend`` over a few units that gives what it gives over the fleet.

Calling the production ``recommend`` with all 2,000 units of a collective for every call
would cost milliseconds a call. The simulator instead keeps an index of the available
units by post, walks the posts nearest to the call, and hands ``recommend`` only the
available units there that belong to an agency that may serve the call and have a
capability the plan needs. Its answer (the proposed units) is then *the same* as over the
whole fleet, because:

1. ``recommend`` ranks eligible units by the key (ETA, not own agency, workload, id), which
   depends on the unit alone. It then fills the plan's slots by taking units in rank order,
   each joining when an augmenting path places it (a greedy over a matroid), skipping a
   lender's unit at home when lending it would break the agency's home reserve, and stops
   when every slot is filled. What it has chosen after the first m units of the ranking
   depends on those m units only.
2. The pool holds *every* available unit of a serving agency with a needed capability at
   each post walked, and the walk goes in order of distance, so each unit left out lies at
   least ``d_next`` metres away (the next post's distance) and cannot arrive before
   ``d_next * seconds_per_metre`` (the travel model's lower bound). Units of agencies that
   may not serve the call (``SharingPolicy.lends`` is empty for the plan's capabilities)
   are excluded by ``recommend`` anyway.
3. Home reserves count *all* available units of a lender at home (any capability), and
   compare that count ``x`` with ``reserve + lent + 1`` where ``lent`` < K, the number of
   slots. So for every lender with a reserve the pool is padded with more of its available
   units at home, up to ``min(x, reserve + K)``: every comparison then comes out as over
   the fleet. (For a reserve of 0 no padding is needed: the unit compared and those
   already lent are themselves in the pool.)

Hence, when the pool's answer fills every slot with units that arrive before the bound
(strictly), every unit ranked before the last one chosen is in the pool, the fleet's fill
goes through the same units in the same order and stops at the same one: the same
answer. When the pool's answer falls short, the pool is grown to every available unit of
the serving agencies with a needed capability (so it *is* the fleet, as far as
``recommend`` can tell). Otherwise the walk goes further (twice as many units).
``tests/sim/test_pool.py`` checks the equality on random states.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from bluepool.domain.agencies import Requirement
from bluepool.domain.dispatch import Collective, IncidentView, Recommendation, recommend
from bluepool.domain.ids import CallTypeCode, JurisdictionId
from bluepool.domain.units import Unit, UnitStatus
from bluepool.sim.calls import CallStream
from bluepool.sim.fleet import Fleet, chord_to_metres, unit_vectors
from bluepool.sim.travel import TravelModel

#: How many nearest posts to precompute per call.
NEAREST_POSTS = 24
#: Relative margin on the ETA bound, against rounding between two distance formulas.
_MARGIN = 1.0 - 1e-9


@dataclass(frozen=True, slots=True, eq=False)
class Neighbours:
    """For each call, the nearest posts and their great-circle distances, nearest first."""

    posts: list[list[int]]
    metres: list[list[float]]
    tree: cKDTree | None
    call_xyz: NDArray[np.float64]
    count: int

    def nearest(self, i: int, k: int) -> tuple[list[int], list[float]]:
        """The ``k`` posts nearest to call ``i`` (all of them when k >= their number)."""
        assert self.tree is not None
        k = min(k, self.count)
        chord, idx = self.tree.query(self.call_xyz[i], k=k)
        chord, idx = np.atleast_1d(chord), np.atleast_1d(idx)
        return idx.tolist(), chord_to_metres(chord).tolist()


def neighbours(fleet: Fleet, calls: CallStream, k: int = NEAREST_POSTS) -> Neighbours:
    """Find each call's nearest posts in one vectorised query."""
    call_xyz = unit_vectors(calls.lat, calls.lon)
    n = len(fleet.posts)
    k = min(k, n)
    if len(calls) == 0 or k == 0:
        empty: list[list[int]] = [[] for _ in range(len(calls))]
        return Neighbours(empty, [[] for _ in range(len(calls))], None, call_xyz, n)
    tree = cKDTree(fleet.post_xyz)
    chord, idx = tree.query(call_xyz, k=k)
    if k == 1:
        chord, idx = chord[:, None], idx[:, None]
    return Neighbours(idx.tolist(), chord_to_metres(chord).tolist(), tree, call_xyz, n)


class Availability:
    """Which units are available, by post, by agency and capability, and at home."""

    def __init__(self, fleet: Fleet, units: Sequence[Unit]) -> None:
        self.units = units
        self.post = fleet.unit_post
        self.agency = fleet.unit_agency
        self.home = fleet.unit_home
        self.caps = tuple(u.capabilities for u in units)
        self.at_post: list[list[int]] = [[] for _ in fleet.posts]
        self.by_agency: list[dict[str, int]] = [{} for _ in fleet.agencies]
        self.total: dict[str, int] = {}
        self.count = [0] * len(fleet.agencies)
        self.at_home: list[set[int]] = [set() for _ in fleet.agencies]
        for u, unit in enumerate(units):
            if unit.status is UnitStatus.AVAILABLE:
                self.put(u)

    def put(self, u: int) -> None:
        a = self.agency[u]
        self.at_post[self.post[u]].append(u)
        counts, total = self.by_agency[a], self.total
        for c in self.caps[u]:
            counts[c] = counts.get(c, 0) + 1
            total[c] = total.get(c, 0) + 1
        self.count[a] += 1
        if self.home[u]:
            self.at_home[a].add(u)

    def take(self, u: int) -> None:
        a = self.agency[u]
        self.at_post[self.post[u]].remove(u)
        counts, total = self.by_agency[a], self.total
        for c in self.caps[u]:
            counts[c] -= 1
            total[c] -= 1
        self.count[a] -= 1
        if self.home[u]:
            self.at_home[a].discard(u)


@dataclass(frozen=True, slots=True)
class _Serving:
    #: Per agency index: may its units serve such a call?
    flags: tuple[bool, ...]
    agencies: tuple[int, ...]
    everyone: bool
    home: int


@dataclass(frozen=True, slots=True)
class _Plan:
    plan: tuple[Requirement, ...]
    needed: frozenset[str]
    caps: tuple[str, ...]
    counts: tuple[int, ...]
    size: int


class PoolRecommender:
    """``recommend`` for one call, over a candidate pool drawn from ``Availability``."""

    def __init__(
        self,
        fleet: Fleet,
        availability: Availability,
        collective: Collective,
        travel: TravelModel,
        near: Neighbours,
    ) -> None:
        self.fleet = fleet
        self.avail = availability
        self.units = availability.units
        self.collective = collective
        self.travel = travel
        self.near = near
        self.agency_at = fleet.agency_index()
        self.reserve = [
            p.home_reserve if (p := collective.policies.get(a)) is not None else 0
            for a in fleet.agencies
        ]
        self.any_reserve = any(self.reserve)
        self._serving: dict[tuple[JurisdictionId, CallTypeCode, int, frozenset[str]], _Serving] = {}
        self._plans: dict[tuple[Requirement, ...], _Plan] = {}
        #: How often the first pool did not prove itself and the walk went further.
        self.widened = 0
        self.calls = 0

    def plan_info(self, plan: tuple[Requirement, ...]) -> _Plan:
        info = self._plans.get(plan)
        if info is None:
            caps = tuple(r.capability for r in plan)
            counts = tuple(r.count for r in plan)
            info = _Plan(plan, frozenset(caps), caps, counts, sum(counts))
            self._plans[plan] = info
        return info

    def serving(self, view: IncidentView, needed: frozenset[str]) -> _Serving:
        """Which agencies may serve the call: its own, and those whose policy lends it."""
        jid = view.jurisdiction_id
        assert jid is not None
        key = (jid, view.call_type, view.priority, needed)
        s = self._serving.get(key)
        if s is None:
            home = self.collective.jurisdiction_agency[jid]
            flags = []
            for a in self.fleet.agencies:
                policy = self.collective.policies.get(a)
                flags.append(
                    a == home
                    or (
                        policy is not None
                        and bool(policy.lends(jid, view.call_type, view.priority, needed))
                    )
                )
            s = _Serving(
                tuple(flags),
                tuple(i for i, f in enumerate(flags) if f),
                all(flags),
                self.agency_at[home],
            )
            self._serving[key] = s
        return s

    def available_for(self, s: _Serving, cap: str) -> int:
        if s.everyone:
            return self.avail.total.get(cap, 0)
        by = self.avail.by_agency
        return sum(by[a].get(cap, 0) for a in s.agencies)

    def recommend(
        self,
        i: int,
        view: IncidentView,
        plan: tuple[Requirement, ...],
        on_scene: Sequence[frozenset[str]] = (),
    ) -> Recommendation | None:
        """``recommend(view, plan, fleet, ...)``, computed over a pool; ``i`` is the call's
        index in the stream the neighbours were computed for. None when no available unit
        of an agency that may serve the call has a capability the plan needs (so nothing
        could be proposed)."""
        info = self._plans.get(plan) or self.plan_info(plan)
        key = (view.jurisdiction_id, view.call_type, view.priority, info.needed)
        s = self._serving.get(key) or self.serving(view, info.needed)  # type: ignore[arg-type]
        if s.everyone:
            total = self.avail.total
            totals = [total.get(c, 0) for c in info.caps]
        else:
            totals = [self.available_for(s, c) for c in info.caps]
        if not any(totals):
            return None
        self.calls += 1
        targets = [min(n, t) for n, t in zip(info.counts, totals, strict=True)]
        units = self.units
        while True:
            if len(targets) == 1:
                pool, d_next = self._walk_one(i, s, info.caps[0], targets[0])
                got = [len(pool)]
            else:
                pool, got, d_next = self._walk(i, s, info, targets)
            if self.any_reserve:
                self._pad(pool, s, info.size)
            rec = recommend(
                view, plan, [units[u] for u in pool], self.collective, self.travel.port, on_scene
            )
            # The proof (see the module's docstring): complete, or filled before the bound.
            if got == totals:
                return rec
            if not rec.shortfalls:
                bound = d_next * self.travel.seconds_per_metre * _MARGIN
                for c in rec.candidates:
                    if c.proposed and c.eta_seconds >= bound:
                        break
                else:
                    return rec
                targets = [min(t, 2 * x + 1) for x, t in zip(targets, totals, strict=True)]
            else:
                targets = totals
            self.widened += 1

    def _posts(self, i: int, seen: int) -> tuple[list[int], list[float], bool]:
        """Posts by distance from call ``i``, more than ``seen`` of them if there are more;
        and whether that is all of them."""
        if seen == 0:
            posts, metres = self.near.posts[i], self.near.metres[i]
        else:
            posts, metres = self.near.nearest(i, 4 * seen)
        return posts, metres, len(posts) >= self.near.count

    def _walk_one(self, i: int, s: _Serving, cap: str, target: int) -> tuple[list[int], float]:
        """``_walk`` for a plan that needs one capability."""
        agency, unit_caps, at_post = self.avail.agency, self.avail.caps, self.avail.at_post
        flags = None if s.everyone else s.flags
        posts, metres, full = self._posts(i, 0)
        while True:
            pool: list[int] = []
            d_last = -1.0
            for p, d in zip(posts, metres, strict=True):
                if len(pool) >= target and d > d_last:
                    return pool, d
                d_last = d
                for u in at_post[p]:
                    if cap in unit_caps[u] and (flags is None or flags[agency[u]]):
                        pool.append(u)
            if full:
                return pool, math.inf
            posts, metres, full = self._posts(i, len(posts))

    def _walk(
        self, i: int, s: _Serving, info: _Plan, targets: list[int]
    ) -> tuple[list[int], list[int], float]:
        """Collect the available capable units of the serving agencies, post by post, until
        each capability has its target; return them, their count by capability, and the
        distance of the first post not walked."""
        caps, flags = info.caps, s.flags
        agency, unit_caps, at_post = self.avail.agency, self.avail.caps, self.avail.at_post
        posts, metres, full = self._posts(i, 0)
        while True:
            pool: list[int] = []
            got = [0] * len(caps)
            short = sum(1 for t in targets if t > 0)
            d_last = -1.0
            for p, d in zip(posts, metres, strict=True):
                if short == 0 and d > d_last:
                    return pool, got, d
                d_last = d
                for u in at_post[p]:
                    if flags[agency[u]]:
                        have = unit_caps[u]
                        hit = False
                        for k, c in enumerate(caps):
                            if c in have:
                                hit = True
                                got[k] += 1
                                if got[k] == targets[k]:
                                    short -= 1
                        if hit:
                            pool.append(u)
            if full:
                return pool, got, math.inf
            posts, metres, full = self._posts(i, len(posts))

    def _pad(self, pool: list[int], s: _Serving, size: int) -> None:
        """Add lenders' units at home, so the pool counts their reserves as the fleet does."""
        home_of = self.avail.home
        agency = self.avail.agency
        in_pool: dict[int, int] = {}
        for u in pool:
            a = agency[u]
            if a != s.home and home_of[u] and self.reserve[a]:
                in_pool[a] = in_pool.get(a, 0) + 1
        if not in_pool:
            return
        members = set(pool)
        for a, x in in_pool.items():
            at_home = self.avail.at_home[a]
            want = min(len(at_home), self.reserve[a] + size) - x
            for u in at_home:
                if want <= 0:
                    break
                if u not in members:
                    pool.append(u)
                    members.add(u)
                    want -= 1
