"""Candidate pools: ``recommend`` over a few units that gives what it gives over the fleet.

Calling the production ``recommend`` with all 2,000 units of a collective for every call
would cost milliseconds a call. The simulator instead keeps an index of the available
units by post, walks the posts nearest to the call, and hands ``recommend`` only the
available units there that belong to an agency that may serve the call and have a
capability the plan needs. Its answer (the proposed units) is then *the same* as over the
whole fleet. Why:

A unit's *type* for a plan is the set of the plan's capabilities it has ({patrol}, or
{k9, patrol} for a dog unit that also patrols). For each type the pool walks the posts
that host units of that type, nearest first, taking every available unit of the type
(of an agency that may serve the call) at each post walked, until it has the type's
target; ``R`` is then the distance of the first post of the type not walked. A unit of
the type left out lies at least ``R`` away, so it cannot arrive before ``R *
seconds_per_metre`` (the travel model's lower bound on an ETA).

1. ``recommend`` ranks eligible units by the key (ETA, not own agency, workload, how
   common its kind is in the fleet, how many capabilities it has, id),
   which depends on the unit alone. It then fills the plan's slots by taking units in
   rank order, each joining when an augmenting path places it (a greedy over a
   matroid), skipping a lender's unit at home when lending it would break the agency's
   home reserve, and stops when every slot is filled. What it has chosen after the first
   m units of the ranking depends on those m units only.
2. So a unit left out changes nothing if it ranks after the last unit chosen: true of a
   type when every proposed unit arrives before the type's bound (strictly).
3. Nor does it if it could never join when its turn comes. Say ``m`` slots take a
   capability of type ``T``, and ``m`` units that may fill exactly ``T`` (candidates
   whose ``fills`` is ``T``) and that no reserve can skip rank before it. At its turn
   each of them has been either chosen, or refused (it could not be placed). If one was
   refused, a unit that can fill no more than it cannot be placed either. If all were
   chosen, they hold all ``m`` slots of ``T``'s capabilities and can move to no other,
   so no augmenting path reaches a free slot. A type's bound is met this way when the
   pool holds ``m`` such candidates arriving before it.
4. Home reserves count *all* available units of a lender at home (any capability), and
   compare that count ``x`` with ``reserve + lent + 1`` where ``lent`` < K, the number of
   slots. So for every lender with a reserve the pool is padded with more of its
   available units at home, up to ``min(x, reserve + K)``: every comparison then comes
   out as over the fleet. (For a reserve of 0 no padding is needed: the unit compared and
   those already lent are themselves in the pool.)

Hence, when the pool's answer fills every slot and every type's bound is met by 2 or 3,
the fleet's fill goes through the same units in the same way: the same answer. When a
bound is not met, that type's walk goes further (twice as many units); when the answer
falls short, every type's walk takes every available unit of the serving agencies (so
the pool *is* the fleet, as far as ``recommend`` can tell). Walking by type rather than
by capability keeps a call that needs one rare unit (a dog) and two common ones from
collecting every patrol car on the way to the nearest dog. ``tests/sim/test_pool.py``
checks the equality on random states.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.dispatch.recommend import (
    Candidate,
    Collective,
    IncidentView,
    Recommendation,
    recommend,
)
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.ids import CallTypeCode, JurisdictionId
from bluepool.sim.calls import CallStream
from bluepool.sim.fleet import Fleet, FloatArray, IntArray, chord_to_metres, unit_vectors
from bluepool.sim.travel import TravelModel

#: How many nearest posts of a type to find for every call in advance.
NEAREST_POSTS = 24
#: Relative margin on the ETA bound, against rounding between two distance formulas.
_MARGIN = 1.0 - 1e-9
_DEFAULT_PLAN = (Requirement("patrol"),)


@dataclass(frozen=True, slots=True, eq=False)
class Kinds:
    """The fleet's units by capability set: ``kind[u]`` indexes ``caps``."""

    caps: tuple[frozenset[str], ...]
    kind: tuple[int, ...]
    #: Per kind: the posts hosting units of that kind.
    posts: tuple[frozenset[int], ...]


def kinds_of(fleet: Fleet) -> Kinds:
    caps: dict[frozenset[str], int] = {}
    kind = tuple(caps.setdefault(u.capabilities, len(caps)) for u in fleet.units)
    posts: list[set[int]] = [set() for _ in caps]
    for k, p in zip(kind, fleet.unit_post, strict=True):
        posts[k].add(p)
    return Kinds(tuple(caps), kind, tuple(frozenset(p) for p in posts))


@dataclass(frozen=True, slots=True, eq=False)
class Types:
    """The units' types for a set of needed capabilities (see the module's docstring)."""

    needed: frozenset[str]
    types: tuple[frozenset[str], ...]
    #: Per unit: its type's index, -1 when it has none of the capabilities.
    unit_type: tuple[int, ...]
    #: Per type: the unit kinds of that type, and the posts hosting them (sorted).
    kinds: tuple[tuple[int, ...], ...]
    posts: tuple[tuple[int, ...], ...]


def types_for(kinds: Kinds, needed: frozenset[str]) -> Types:
    types: dict[frozenset[str], int] = {}
    type_of_kind = []
    for caps in kinds.caps:
        t = caps & needed
        type_of_kind.append(types.setdefault(t, len(types)) if t else -1)
    members = [tuple(k for k, t in enumerate(type_of_kind) if t == i) for i in range(len(types))]
    posts = [tuple(sorted(set().union(*(kinds.posts[k] for k in ks)))) for ks in members]
    return Types(
        needed,
        tuple(types),
        tuple(type_of_kind[k] for k in kinds.kind),
        tuple(members),
        tuple(posts),
    )


@dataclass(slots=True, eq=False)
class PostIndex:
    """Some posts (those hosting units of one type), and each call's nearest of them."""

    posts: NDArray[np.int64]
    tree: cKDTree
    call_xyz: FloatArray
    #: Per call with a row: the nearest posts (fleet indexes) and their distances.
    row: IntArray
    near_posts: IntArray
    near_metres: FloatArray

    def first(self, i: int) -> tuple[list[int], list[float], bool]:
        """The posts nearest to call ``i``; and whether that is all of them."""
        r = int(self.row[i])
        if r < 0:
            return self.nearest(i, NEAREST_POSTS)
        posts: list[int] = self.near_posts[r].tolist()
        return posts, self.near_metres[r].tolist(), len(posts) >= len(self.posts)

    def nearest(self, i: int, k: int) -> tuple[list[int], list[float], bool]:
        """The ``k`` posts nearest to call ``i`` (all of them when k >= their number)."""
        k = min(k, len(self.posts))
        chord, idx = self.tree.query(self.call_xyz[i], k=k)
        chord, idx = np.atleast_1d(chord), np.atleast_1d(idx)
        return self.posts[idx].tolist(), chord_to_metres(chord).tolist(), k == len(self.posts)


@dataclass(slots=True, eq=False)
class Neighbours:
    """For each call, the nearest posts of each type its plan looks for."""

    post_xyz: FloatArray
    call_xyz: FloatArray
    indexes: dict[tuple[int, ...], PostIndex] = field(default_factory=dict)

    def index(self, posts: tuple[int, ...], calls: IntArray | None = None) -> PostIndex:
        """The index of these posts; with ``calls``, find their nearest posts in advance."""
        index = self.indexes.get(posts)
        n = len(self.call_xyz)
        if index is None:
            ids = np.array(posts, dtype=np.int64)
            index = PostIndex(
                ids,
                cKDTree(self.post_xyz[ids]),
                self.call_xyz,
                np.full(n, -1, dtype=np.int64),
                np.empty((0, 0), dtype=np.int64),
                np.empty((0, 0)),
            )
            self.indexes[posts] = index
        if calls is not None and len(calls):
            k = min(NEAREST_POSTS, len(posts))
            # Both cores: the query is the one part of a run that is not sequential.
            chord, idx = index.tree.query(self.call_xyz[calls], k=k, workers=-1)
            chord, idx = chord.reshape(len(calls), k), idx.reshape(len(calls), k)
            index.row[calls] = np.arange(len(calls)) + len(index.near_posts)
            index.near_posts = np.concatenate(
                (index.near_posts.reshape(-1, k), index.posts[idx]), axis=0
            )
            index.near_metres = np.concatenate(
                (index.near_metres.reshape(-1, k), chord_to_metres(chord)), axis=0
            )
        return index


def neighbours(
    fleet: Fleet,
    calls: CallStream,
    default_plan: Sequence[Requirement] = _DEFAULT_PLAN,
) -> Neighbours:
    """Find each call's nearest posts of every type its plan needs, in bulk queries."""
    near = Neighbours(fleet.post_xyz, unit_vectors(calls.lat, calls.lon))
    if not fleet.posts:
        return near
    kinds = kinds_of(fleet)
    by_needed: dict[frozenset[str], list[int]] = {}
    needed_of = {
        code: frozenset(r.capability for r in ct.plan) for code, ct in fleet.call_types.items()
    }
    default = frozenset(r.capability for r in default_plan)
    for i, code in enumerate(calls.call_type):
        by_needed.setdefault(needed_of.get(code, default), []).append(i)
    for needed, rows in by_needed.items():
        for posts in types_for(kinds, needed).posts:
            near.index(posts, np.array(rows, dtype=np.int64))
    return near


class Availability:
    """Which units are available: at each post, by agency and kind, and at home."""

    def __init__(self, fleet: Fleet, units: Sequence[Unit]) -> None:
        self.units = units
        self.post = fleet.unit_post
        self.agency = fleet.unit_agency
        self.home = fleet.unit_home
        self.kinds = kinds_of(fleet)
        self.kind = self.kinds.kind
        self.caps = tuple(u.capabilities for u in units)
        self.at_post: list[list[int]] = [[] for _ in fleet.posts]
        #: Available units per kind, in all and per agency.
        self.total = [0] * len(self.kinds.caps)
        self.by_agency = [[0] * len(self.kinds.caps) for _ in fleet.agencies]
        self.count = [0] * len(fleet.agencies)
        self.at_home: list[set[int]] = [set() for _ in fleet.agencies]
        for u, unit in enumerate(units):
            if unit.status is UnitStatus.AVAILABLE:
                self.put(u)

    def put(self, u: int) -> None:
        a, k = self.agency[u], self.kind[u]
        self.at_post[self.post[u]].append(u)
        self.total[k] += 1
        self.by_agency[a][k] += 1
        self.count[a] += 1
        if self.home[u]:
            self.at_home[a].add(u)

    def take(self, u: int) -> None:
        a, k = self.agency[u], self.kind[u]
        self.at_post[self.post[u]].remove(u)
        self.total[k] -= 1
        self.by_agency[a][k] -= 1
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


@dataclass(frozen=True, slots=True, eq=False)
class _Plan:
    plan: tuple[Requirement, ...]
    needed: frozenset[str]
    size: int
    types: Types
    indexes: tuple[PostIndex, ...]
    #: Per type: how many of the plan's slots take one of its capabilities, and how many
    #: units of the type the first walk looks for.
    slots: tuple[int, ...]
    first: tuple[int, ...]


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
        self.unit_at = {u.id: i for i, u in enumerate(self.units)}
        self._serving: dict[tuple[JurisdictionId, CallTypeCode, int, frozenset[str]], _Serving] = {}
        #: By the plan's identity (hashing its requirements for every call costs more); the
        #: entry holds the plan, so no other object can take its id.
        self._plans: dict[int, _Plan] = {}
        self._types: dict[frozenset[str], Types] = {}
        #: How often the first pool did not prove itself and a walk went further.
        self.widened = 0
        self.calls = 0

    def plan_info(self, plan: tuple[Requirement, ...]) -> _Plan:
        info = self._plans.get(id(plan))
        if info is None:
            needed = frozenset(r.capability for r in plan)
            types = self._types.get(needed)
            if types is None:
                types = self._types[needed] = types_for(self.avail.kinds, needed)
            count: dict[str, int] = {}
            for r in plan:
                count[r.capability] = count.get(r.capability, 0) + r.count
            slots = tuple(sum(count[c] for c in t) for t in types.types)
            info = _Plan(
                plan,
                needed,
                sum(count.values()),
                types,
                tuple(self.near.index(p) for p in types.posts),
                slots,
                # As many as the fewest slots of its capabilities: a dog unit that also
                # patrols is looked for as a dog.
                tuple(min(count[c] for c in t) for t in types.types),
            )
            self._plans[id(plan)] = info
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

    def _available(self, s: _Serving, info: _Plan) -> list[int]:
        """Per type of the plan: its available units of the agencies that may serve."""
        if s.everyone:
            total = self.avail.total
            return [
                total[ks[0]] if len(ks) == 1 else sum(total[k] for k in ks)
                for ks in info.types.kinds
            ]
        by = self.avail.by_agency
        return [sum(by[a][k] for a in s.agencies for k in ks) for ks in info.types.kinds]

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
        info = self._plans.get(id(plan)) or self.plan_info(plan)
        key = (view.jurisdiction_id, view.call_type, view.priority, info.needed)
        s = self._serving.get(key) or self.serving(view, info.needed)  # type: ignore[arg-type]
        totals = self._available(s, info)
        if not any(totals):
            return None
        self.calls += 1
        targets = [min(n, t) for n, t in zip(info.first, totals, strict=True)]
        units = self.units
        flags = None if s.everyone else s.flags
        spm = self.travel.seconds_per_metre * _MARGIN
        while True:
            pool: list[int] = []
            bounds = []
            for t, n in enumerate(targets):
                index, unit_type = info.indexes[t], info.types.unit_type
                d = self._walk(i, index, unit_type, t, n, flags, pool) if n else math.inf
                # With every available unit of the type in the pool, none is left out.
                bounds.append(math.inf if n >= totals[t] else d)
            if self.any_reserve:
                self._pad(pool, s, info.size)
            rec = recommend(
                view, plan, [units[u] for u in pool], self.collective, self.travel.port, on_scene
            )
            if targets == totals:
                return rec
            if rec.shortfalls:
                targets = totals
            else:
                last = max((c.eta_seconds for c in rec.candidates if c.proposed), default=0.0)
                if all(last < r * spm for r in bounds):
                    return rec  # every unit left out ranks after the last one chosen
                late = self._unproven(rec, info, bounds, spm, last)
                if not late:
                    return rec
                for t in late:
                    targets[t] = min(totals[t], 2 * targets[t] + 1)
            self.widened += 1

    def _unproven(
        self, rec: Recommendation, info: _Plan, bounds: list[float], spm: float, last: float
    ) -> list[int]:
        """The types whose left-out units the proof does not cover (see the docstring);
        ``last``: the ETA of the last unit proposed."""
        late = []
        for t, r in enumerate(bounds):
            bound = r * spm
            if last < bound:
                continue
            kind = info.types.types[t]
            sure = sum(
                1
                for c in rec.candidates
                if c.eta_seconds < bound and c.fills == kind and not self._skippable(c)
            )
            if sure < info.slots[t]:
                late.append(t)
        return late

    def _skippable(self, c: Candidate) -> bool:
        """May a home reserve keep this unit from joining (a lender's unit at home)?"""
        if not self.any_reserve or c.own_agency:
            return False
        u = self.unit_at[c.unit_id]
        return bool(self.avail.home[u] and self.reserve[self.avail.agency[u]])

    def _walk(
        self,
        i: int,
        index: PostIndex,
        unit_type: tuple[int, ...],
        t: int,
        target: int,
        flags: tuple[bool, ...] | None,
        pool: list[int],
    ) -> float:
        """Add to ``pool`` the available units of type ``t`` of the serving agencies, post
        by post from call ``i``, until there are ``target`` of them; return the distance
        of the first post not walked."""
        agency, at_post = self.avail.agency, self.avail.at_post
        start = len(pool)
        posts, metres, full = index.first(i)
        while True:
            got = 0
            d_last = -1.0
            for p, d in zip(posts, metres, strict=True):
                if got >= target and d > d_last:
                    return d
                d_last = d
                for u in at_post[p]:
                    if unit_type[u] == t and (flags is None or flags[agency[u]]):
                        pool.append(u)
                        got += 1
            if full:
                return math.inf
            del pool[start:]
            posts, metres, full = index.nearest(i, 4 * len(posts))

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
