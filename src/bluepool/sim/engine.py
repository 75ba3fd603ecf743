"""The discrete-event engine: calls arrive, ``recommend`` picks units, units drive, serve
and drive back to their post.

One event heap holds the times units come back to their post (free again); the calls,
known in advance, are merged in by time. A unit dispatched at ``t`` with ETA ``e`` arrives
at ``t + e``, stays on scene for the call's on-scene time, drives back to its post and is
available again when it gets there; its busy time is all three. With the service model's
delays (``CallStream.processing``, ``.turnout``) a call is offered ``processing`` seconds
after it arrives, and a unit sent to it sets off ``turnout`` seconds after its dispatch
(busy from the dispatch on).

When ``recommend`` cannot fill a call's response plan, the units it proposes go and the
call waits in a queue, ordered by priority, then arrival, for the rest (``recommend`` is
then told which units are already on it, as production does). When a unit comes
free the queued calls it might serve are offered to ``recommend`` again, most urgent
first, so a queued call is served as soon as any unit may take it. (A queued call is
re-tried only when a unit of an agency that may serve it comes free: nothing else can
make it servable, since dispatches only make fewer units available.)
"""

from __future__ import annotations

import bisect
import gc
import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from mypy_extensions import mypyc_attr
from numpy.typing import NDArray

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.dispatch.recommend import (
    Collective,
    IncidentView,
    Recommendation,
    recommend,
    slots_filled,
)
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import CallTypeCode, IncidentId, JurisdictionId
from bluepool.sim.calls import CallStream
from bluepool.sim.fleet import Fleet, FloatArray, IntArray
from bluepool.sim.policies import may_lend_to
from bluepool.sim.pool import Availability, Neighbours, PoolRecommender, neighbours
from bluepool.sim.shifts import START, Schedule
from bluepool.sim.travel import TravelModel

BoolArray = NDArray[np.bool_]
Progress = Callable[[int], None]
_PROGRESS_EVERY = 2048


# An exception class compiled by mypyc must stay a plain Python class (docs/decisions/0004).
@mypyc_attr(native_class=False)
class PoolMismatch(AssertionError):
    """``verify=True`` found a pool whose recommendation differs from the fleet's."""


@dataclass(frozen=True, slots=True, eq=False)
class Outcome:
    """What happened under one policy: per call, and per dispatch (one unit sent)."""

    policy: str
    #: Per call: seconds since the start of the stream; NaN when it never got a unit.
    first_dispatch: FloatArray
    first_arrival: FloatArray
    units_sent: IntArray
    #: Per call: some unit sent came from another agency than the one answering for it.
    cross: BoolArray
    #: Per dispatch.
    unit: IntArray
    call: IntArray
    start: FloatArray
    arrive: FloatArray
    end: FloatArray
    #: Per dispatch: the unit's agency is not the agency answering for the call.
    lent: BoolArray
    stats: Mapping[str, int] = field(default_factory=dict)
    #: Per unit: seconds on shift in [0, horizon]; None when shifts are off.
    on_shift: FloatArray | None = None


def simulate(
    fleet: Fleet,
    calls: CallStream,
    collective: Collective,
    travel: TravelModel,
    *,
    policy: str = "",
    default_plan: tuple[Requirement, ...] = (Requirement("patrol"),),
    near: Neighbours | None = None,
    progress: Progress | None = None,
    verify: bool = False,
    shifts: Schedule | None = None,
) -> Outcome:
    """Serve ``calls`` with ``fleet`` under ``collective``'s sharing policies.

    ``shifts`` (see sim/shifts.py): a unit off shift is not offered to ``recommend``; one
    whose shift ends during a call finishes it, then goes off duty. None: all on duty.

    ``on_scene`` must be filled for every call. With ``verify`` every pooled
    recommendation is checked against ``recommend`` over the whole fleet, and after every
    unit comes free, that no queued call could get a unit (slow: for tests).
    """
    engine = _Engine(
        fleet,
        calls,
        collective,
        travel,
        near if near is not None else neighbours(fleet, calls, default_plan),
        default_plan,
        verify,
        shifts,
    )
    # A run allocates millions of short-lived objects and keeps a growing log, but makes
    # no reference cycles: the cyclic collector would only rescan the heap, again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return engine.run(policy, progress)
    finally:
        if collecting:
            gc.enable()


class _Engine:
    def __init__(
        self,
        fleet: Fleet,
        calls: CallStream,
        collective: Collective,
        travel: TravelModel,
        near: Neighbours,
        default_plan: tuple[Requirement, ...],
        verify: bool,
        shifts: Schedule | None = None,
    ) -> None:
        if np.isnan(calls.on_scene).any():
            raise ValueError("every call needs an on-scene time (see service.draw_on_scene)")
        self.fleet = fleet
        self.calls = calls
        self.collective = collective
        self.travel = travel
        self.verify = verify
        self.units = fleet.fresh_units()
        self.shifts = shifts
        #: Per unit: on shift now (None when shifts are off).
        self.on_duty: list[bool] | None = None
        if shifts is not None:
            self.on_duty = list(shifts.on_at_start)
            for u, on in enumerate(self.on_duty):
                if not on:
                    self.units[u].status = UnitStatus.OFF_DUTY
        self.avail = Availability(fleet, self.units)
        self.pool = PoolRecommender(fleet, self.avail, collective, travel, near)
        self.uid = {u.id: i for i, u in enumerate(self.units)}
        self.post_loc = [fleet.posts[p] for p in fleet.unit_post]
        self.jids: list[JurisdictionId] = [j.id for j in fleet.jurisdictions]
        self.j_agency = [fleet.agency_index()[j.agency_id] for j in fleet.jurisdictions]
        self.relevant = may_lend_to(collective, fleet)
        self.plans: dict[CallTypeCode, tuple[Requirement, ...]] = {
            code: tuple(ct.plan) for code, ct in fleet.call_types.items()
        }
        self.default_plan = default_plan
        n = len(calls)
        self.t = calls.t.tolist()
        #: When each call can be dispatched (arrival plus call processing), and the calls
        #: in that order (arrival order when there is no processing delay).
        if calls.processing is None:
            self.order: list[int] = list(range(n))
            self.ready: list[float] = self.t
        else:
            ready = calls.t + calls.processing
            order = np.argsort(ready, kind="stable")
            self.order = order.tolist()
            self.ready = ready[order].tolist()
        self.turnout: list[float] | None = (
            calls.turnout.tolist() if calls.turnout is not None else None
        )
        self.prio = calls.priority.tolist()
        self.jur = calls.jurisdiction.tolist()
        self.lat = calls.lat.tolist()
        self.lon = calls.lon.tolist()
        self.on_scene = calls.on_scene.tolist()
        self.n = n
        #: One row per dispatch: unit, call, dispatched, arrived, free again, lent.
        self.log: list[tuple[int, int, float, float, float, bool]] = []
        # the queue: per jurisdiction, sorted (priority, arrival, call)
        self.queues: list[list[tuple[int, float, int]]] = [[] for _ in fleet.jurisdictions]
        #: Queued calls: the capabilities of the units already sent to each.
        self.pending: dict[int, tuple[frozenset[str], ...]] = {}
        self.views: dict[int, IncidentView] = {}
        self.heap: list[tuple[float, int]] = []
        self._addable: dict[
            tuple[tuple[Requirement, ...], tuple[frozenset[str], ...], frozenset[str]], bool
        ] = {}

    def run(self, policy: str, progress: Progress | None) -> Outcome:
        heap = self.heap
        pop = heapq.heappop
        free = self._free
        offer = self._offer
        plans, default_plan = self.plans, self.default_plan
        call_type, prio, jids, jur = self.calls.call_type, self.prio, self.jids, self.jur
        lat, lon = self.lat, self.lon
        tick = 0
        shifted = self.shifts is not None
        k = 0
        for i, t in zip(self.order, self.ready, strict=True):
            if shifted:
                k = self._advance(t, k)
            else:
                while heap and heap[0][0] <= t:
                    tf, u = pop(heap)
                    free(u, tf)
            ct = call_type[i]
            view = IncidentView(
                IncidentId(str(i)), ct, prio[i], Location(lat[i], lon[i]), jids[jur[i]]
            )
            offer(i, view, plans.get(ct, default_plan), t)
            tick += 1
            if progress is not None and tick == _PROGRESS_EVERY:
                progress(tick)
                tick = 0
        if shifted:
            self._advance(float("inf"), k)
        while heap:
            tf, u = pop(heap)
            free(u, tf)
        if progress is not None and tick:
            progress(tick)
        return self._outcome(policy)

    def _outcome(self, policy: str) -> Outcome:
        n = self.n
        if self.log:
            cols = list(zip(*self.log, strict=True))
            unit = np.array(cols[0], dtype=np.int64)
            call = np.array(cols[1], dtype=np.int64)
            start, arrive, end = (np.array(c, dtype=np.float64) for c in cols[2:5])
            lent = np.array(cols[5], dtype=np.bool_)
        else:
            unit = call = np.empty(0, dtype=np.int64)
            start = arrive = end = np.empty(0)
            lent = np.empty(0, dtype=np.bool_)
        first_dispatch = np.full(n, np.inf)
        np.minimum.at(first_dispatch, call, start)
        first_arrival = np.full(n, np.inf)
        np.minimum.at(first_arrival, call, arrive)
        first_dispatch[np.isinf(first_dispatch)] = np.nan
        first_arrival[np.isinf(first_arrival)] = np.nan
        return Outcome(
            policy=policy,
            first_dispatch=first_dispatch,
            first_arrival=first_arrival,
            units_sent=np.bincount(call, minlength=n).astype(np.int64),
            cross=np.bincount(call[lent], minlength=n) > 0,
            unit=unit,
            call=call,
            start=start,
            arrive=arrive,
            end=end,
            lent=lent,
            stats={
                "recommend_calls": self.pool.calls,
                "pools_widened": self.pool.widened,
                "still_queued": len(self.pending),
            },
            on_shift=self.shifts.on_seconds if self.shifts is not None else None,
        )

    # -- events

    def _advance(self, t: float, k: int) -> int:
        """With shifts: handle the units' returns and the shift events up to ``t``, in time
        order (a shift event before a return at the same time); return the next event."""
        heap, events = self.heap, self.shifts.events if self.shifts is not None else []
        on_duty = self.on_duty
        assert on_duty is not None
        units, n = self.units, len(events)
        while True:
            ts = events[k][0] if k < n else float("inf")
            if heap and heap[0][0] < ts and heap[0][0] <= t:
                tf, u = heapq.heappop(heap)
                if on_duty[u]:
                    self._free(u, tf)
                else:  # back from a call that ran past its shift: off duty now
                    units[u].status = UnitStatus.OFF_DUTY
            elif k < n and ts <= t:
                _, kind, u = events[k]
                k += 1
                if kind == START:
                    on_duty[u] = True
                    if units[u].status is UnitStatus.OFF_DUTY:
                        self._free(u, ts)  # at its post, like a unit back from a call
                else:
                    on_duty[u] = False
                    if units[u].status is UnitStatus.AVAILABLE:
                        # Fewer units available: no queued call can gain from it.
                        self.avail.take(u)
                        units[u].status = UnitStatus.OFF_DUTY
            else:
                return k

    def _free(self, u: int, now: float) -> None:
        self.units[u].status = UnitStatus.AVAILABLE
        self.avail.put(u)
        if self.pending:
            self._serve_queue(u, now)
            if self.verify:
                self._check_queue()

    def _serve_queue(self, u: int, now: float) -> None:
        """Offer the queued calls unit ``u`` (just free) might help, most urgent first.

        Before ``u`` came free no queued call could get a unit. ``u`` changes what
        ``recommend`` may propose for a call only if its agency may serve the call and
        ``u`` could fill a slot of the plan the units on the call leave open (directly or
        by moving one of them); or, when ``u`` is back home and its agency keeps a reserve
        (so one more of its units may be lent), one of its units at home could. Other
        calls are skipped: ``recommend`` fills the slots by augmenting a matching, and if
        no newly eligible unit can augment it, the units that could not before still
        cannot. So is a call of the same kind
        (jurisdiction, call type, priority, units on it) as one that just got nothing,
        since the same units were eligible for both.
        """
        a = self.avail.agency[u]
        lists = [q for j in self.relevant[a] if (q := self.queues[j])]
        if not lists:
            return
        entries = list(lists[0]) if len(lists) == 1 else sorted(e for q in lists for e in q)
        # What the event may make eligible: u, and with a reserve any of a's units at home.
        if self.avail.home[u] and self.pool.reserve[a] > 0:
            kinds = {self.avail.caps[v] for v in self.avail.at_home[a]}
        else:
            kinds = {self.avail.caps[u]}
        failed: set[tuple[int, CallTypeCode, int, tuple[frozenset[str], ...]]] = set()
        count = self.avail.count
        for _, _, i in entries:
            if count[a] == 0:
                return
            sent = self.pending[i]
            view = self.views[i]
            key = (self.jur[i], view.call_type, view.priority, sent)
            if key in failed:
                continue
            plan = self.plans.get(view.call_type, self.default_plan)
            info = self.pool.plan_info(plan)
            if not self.pool.serving(view, info.needed).flags[a] or not any(
                self._could_add(plan, sent, k & info.needed) for k in kinds
            ):
                continue
            if not self._offer(i, view, plan, now, sent):
                failed.add(key)

    def _could_add(
        self, plan: tuple[Requirement, ...], sent: tuple[frozenset[str], ...], caps: frozenset[str]
    ) -> bool:
        """Would a unit with ``caps`` raise the most slots of ``plan`` the units already on
        the call and it can fill together (a bipartite matching), over theirs alone?"""
        if not caps:
            return False
        key = (plan, sent, caps)
        known = self._addable.get(key)
        if known is None:
            slots = [r.capability for r in plan for _ in range(r.count)]
            known = slots_filled(slots, [*sent, caps]) > slots_filled(slots, sent)
            self._addable[key] = known
        return known

    def _offer(
        self,
        i: int,
        view: IncidentView,
        plan: tuple[Requirement, ...],
        now: float,
        sent: tuple[frozenset[str], ...] = (),
    ) -> bool:
        """Dispatch what ``recommend`` proposes; queue the call if it falls short. True if
        any unit went. ``sent``: the capabilities of the units already on the call."""
        rec = self.pool.recommend(i, view, plan, sent)
        if self.verify:
            self._check(view, plan, sent, rec)
        if rec is None or not rec.proposed:
            self._enqueue(i, view, sent)
            return False
        eta_of = {c.unit_id: c.eta_seconds for c in rec.candidates if c.proposed}
        on_scene = self.on_scene[i]
        home = self.j_agency[self.jur[i]]
        agency = self.avail.agency
        take = self.avail.take
        units = self.units
        straight = self.travel.straight_line
        turnout = self.turnout[i] if self.turnout is not None else 0.0
        for _, uid in rec.proposed:
            u = self.uid[uid]
            eta = eta_of[uid]
            arrive = now + turnout + eta
            end = arrive + on_scene + (eta if straight else self._back(u, view.location, eta))
            take(u)
            unit = units[u]
            unit.status = UnitStatus.DISPATCHED
            unit.workload += 1
            heapq.heappush(self.heap, (end, u))
            self.log.append((u, i, now, arrive, end, agency[u] != home))
        if rec.shortfalls:
            now_sent = sent + tuple(
                self.units[self.uid[uid]].capabilities for _, uid in rec.proposed
            )
            self._enqueue(i, view, now_sent)
        elif i in self.pending:
            self._dequeue(i)
        return True

    def _back(self, u: int, scene: Location, out: float) -> float:
        back = self.travel.port.to_destination([scene], self.post_loc[u])[0]
        return out if back is None else back

    def _enqueue(self, i: int, view: IncidentView, sent: tuple[frozenset[str], ...]) -> None:
        if i in self.pending:
            self.pending[i] = sent
            return
        self.pending[i] = sent
        self.views[i] = view
        bisect.insort(self.queues[self.jur[i]], (self.prio[i], self.t[i], i))

    def _dequeue(self, i: int) -> None:
        del self.pending[i]
        del self.views[i]
        self.queues[self.jur[i]].remove((self.prio[i], self.t[i], i))

    def _check_queue(self) -> None:
        """No queued call could get a unit now (what ``_serve_queue`` skipped included)."""
        for i, sent in self.pending.items():
            view = self.views[i]
            plan = self.plans.get(view.call_type, self.default_plan)
            full = recommend(view, plan, self.units, self.collective, self.travel.port, sent)
            if full.proposed:
                raise PoolMismatch(f"queued incident {view.id} could get {full.proposed} but waits")

    def _check(
        self,
        view: IncidentView,
        plan: tuple[Requirement, ...],
        sent: tuple[frozenset[str], ...],
        rec: Recommendation | None,
    ) -> None:
        full = recommend(view, plan, self.units, self.collective, self.travel.port, sent)
        got = rec.proposed if rec is not None else ()
        if full.proposed != got:
            raise PoolMismatch(
                f"incident {view.id}: pool proposed {got}, the fleet {full.proposed}"
            )
