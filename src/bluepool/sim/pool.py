"""Candidate pools: ``recommend`` over a few units that gives what it gives over the fleet.

Calling the production ``recommend`` with all 2,000 units of a collective for every call
would cost milliseconds a call. The simulator instead keeps an index of the available
units by post, walks the posts nearest to the call, and hands ``recommend`` only the
available units there that belong to an agency that may serve the call and have a
capability the plan needs. Its answer (the proposed units) is then *the same* as over the
whole fleet, because:

1. ``recommend`` ranks eligible units by the key (ETA, not own agency, workload, id),
   which depends on the unit alone, and fills each requirement of the plan in turn with
   the best-ranked units that have its capability, skipping taken units and units whose
   loan would break their agency's home reserve.
2. The pool holds *every* available unit of a serving agency with a needed capability at
   each post walked, and the walk goes in order of distance, so each unit left out lies at
   least ``d_next`` metres away (the next post's distance) and cannot arrive before
   ``d_next * seconds_per_metre`` (the travel model's lower bound). Units of agencies that
   may not serve the call (``SharingPolicy.lends`` is empty for the plan's capabilities)
   are excluded by ``recommend`` anyway.
3. Home reserves count *all* available units of a lender at home (any capability), and
   compare that count ``x`` with ``reserve + lent + 1`` where ``lent`` < K, the number of
   units the plan asks for. So for every lender with a reserve the pool is padded with
   more of its available units at home, up to ``min(x, reserve + K)``: every comparison
   then comes out as over the fleet. (For a reserve of 0 no padding is needed: the unit
   compared and those already lent are themselves in the pool.)

4. ``recommend`` fills the requirement with the fewest eligible units (its *supply*) first.
   A capability's supply over the fleet lies between its supply in the pool and the number
   of available units of the serving agencies that have it (and equals the pool's when the
   pool holds all of those); when those ranges cannot swap two requirements, the order of
   filling is the fleet's.

Hence, if the order is certain and, for every requirement, either the pool holds every
available capable unit of the serving agencies, or the requirement was filled and each unit
chosen for it arrives before the bound (strictly), then no unit outside the pool ranks
before a chosen one, and by induction over the requirements (in filling order) the fill
over the pool makes the same choices as over the fleet. When that check fails the walk
goes further (twice as many units, or as many as the order needs), up to the whole fleet.
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
    post_xyz: NDArray[np.float64]
    call_xyz: NDArray[np.float64]

    def all_posts(self, i: int) -> tuple[list[int], list[float]]:
        """Every post by distance from call ``i`` (the walk's fallback)."""
        chord = np.linalg.norm(self.post_xyz - self.call_xyz[i], axis=1)
        order = np.argsort(chord, kind="stable")
        return order.tolist(), chord_to_metres(chord[order]).tolist()


def neighbours(fleet: Fleet, calls: CallStream, k: int = NEAREST_POSTS) -> Neighbours:
    """Find each call's nearest posts in one vectorised query."""
    post_xyz = fleet.post_xyz
    call_xyz = unit_vectors(calls.lat, calls.lon)
    k = min(k, len(fleet.posts))
    if len(calls) == 0 or k == 0:
        return Neighbours([[] for _ in range(len(calls))], [], post_xyz, call_xyz)
    chord, idx = cKDTree(post_xyz).query(call_xyz, k=k)
    if k == 1:
        chord, idx = chord[:, None], idx[:, None]
    return Neighbours(idx.tolist(), chord_to_metres(chord).tolist(), post_xyz, call_xyz)


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

    def may_help(self, view: IncidentView, plan: tuple[Requirement, ...]) -> bool:
        """False when no available unit of a serving agency has any capability needed."""
        info = self.plan_info(plan)
        s = self.serving(view, info.needed)
        return any(self.available_for(s, c) for c in info.caps)

    def recommend(
        self, i: int, view: IncidentView, plan: tuple[Requirement, ...]
    ) -> Recommendation:
        """``recommend(view, plan, fleet, ...)``, computed over a pool; ``i`` is the call's
        index in the stream the neighbours were computed for."""
        self.calls += 1
        info = self.plan_info(plan)
        s = self.serving(view, info.needed)
        totals = [self.available_for(s, c) for c in info.caps]
        targets = [min(n, t) for n, t in zip(info.counts, totals, strict=True)]
        while True:
            pool, got, d_next = self._walk(i, s, info, targets)
            if self.any_reserve:
                self._pad(pool, s, info.size)
            rec = recommend(
                view,
                plan,
                [self.units[u] for u in pool],
                self.collective,
                self.travel.port,
            )
            want = self._proves(rec, info, got, totals, d_next)
            if want is None:
                return rec
            self.widened += 1
            targets = [
                min(t, max(2 * x, x + 1, w)) for x, t, w in zip(targets, totals, want, strict=True)
            ]

    def _walk(
        self, i: int, s: _Serving, info: _Plan, targets: list[int]
    ) -> tuple[list[int], list[int], float]:
        """Collect the available capable units of the serving agencies, post by post."""
        caps, flags = info.caps, s.flags
        agency, unit_caps, at_post = self.avail.agency, self.avail.caps, self.avail.at_post
        posts, metres = self.near.posts[i], self.near.metres[i]
        full = len(posts) == len(self.fleet.posts)
        while True:
            pool: list[int] = []
            got = [0] * len(caps)
            short = sum(1 for t in targets if t > 0)
            d_last = -1.0
            j = 0
            n = len(posts)
            while j < n:
                d = metres[j]
                if short == 0 and d > d_last:
                    return pool, got, d
                d_last = d
                for u in at_post[posts[j]]:
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
                j += 1
            if full:
                return pool, got, math.inf
            posts, metres = self.near.all_posts(i)
            full = True

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

    def _proves(
        self,
        rec: Recommendation,
        info: _Plan,
        got: list[int],
        totals: list[int],
        d_next: float,
    ) -> list[int] | None:
        """None when no unit outside the pool could change ``rec.proposed``; else how many
        units of each capability the next pool should hold (see the module's docstring)."""
        complete = [g >= t for g, t in zip(got, totals, strict=True)]
        if all(complete):
            return None
        want = [0] * len(totals)
        if len(info.caps) > 1 and not self._same_order(rec, info, complete, totals, want):
            return want
        open_caps = {c for c, done in zip(info.caps, complete, strict=True) if not done}
        if any(sf.capability in open_caps for sf in rec.shortfalls):
            return want
        bound = d_next * self.travel.seconds_per_metre * _MARGIN
        chosen = {uid for cap, uid in rec.proposed if cap in open_caps}
        for c in rec.candidates:
            if c.proposed and c.unit_id in chosen and c.eta_seconds >= bound:
                return want
        return None

    @staticmethod
    def _same_order(
        rec: Recommendation,
        info: _Plan,
        complete: list[bool],
        totals: list[int],
        want: list[int],
    ) -> bool:
        """Would ``recommend`` fill the requirements in the same order over the fleet?

        It fills the one with the fewest eligible units first (``supply``), then plan
        order. Over the fleet a capability's supply lies between the pool's and the number
        of available units of the serving agencies with it (exactly the pool's when the
        pool holds all of those), so the order is certain when those ranges do not
        overlap in a way that could swap two requirements.
        """
        caps = info.caps
        low = [sum(1 for c in rec.candidates if cap in c.fills) for cap in caps]
        high = [lo if done else t for lo, done, t in zip(low, complete, totals, strict=True)]
        same = True
        for i in range(len(caps)):
            for j in range(i + 1, len(caps)):
                # i goes first iff supply_i <= supply_j
                if high[i] <= low[j] or low[i] > high[j]:
                    continue
                same = False
                want[i] = max(want[i], high[j] + 1)
                want[j] = max(want[j], high[i])
        return same
