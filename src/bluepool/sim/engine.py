"""The discrete-event engine: calls arrive, ``recommend`` picks units, units drive, serve
and drive back to their post.

One event heap holds the times units come back to their post (free again); the calls,
known in advance, are merged in by time. A unit dispatched at ``t`` with ETA ``e`` arrives
at ``t + e``, stays on scene for the call's on-scene time, drives back to its post and is
available again when it gets there; its busy time is all three.

When ``recommend`` cannot fill a call's response plan, the units it proposes go and the
rest of the plan waits in a queue, ordered by priority, then arrival. When a unit comes
free the queued calls it might serve are offered to ``recommend`` again, most urgent
first, so a queued call is served as soon as any unit may take it. (A queued call is
re-tried only when a unit of an agency that may serve it comes free: nothing else can
make it servable, since dispatches only make fewer units available.)
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from bluepool.domain.agencies import Requirement
from bluepool.domain.dispatch import Collective, IncidentView, Recommendation, recommend
from bluepool.domain.geo import Location
from bluepool.domain.ids import CallTypeCode, IncidentId, JurisdictionId
from bluepool.domain.units import UnitStatus
from bluepool.sim.calls import CallStream
from bluepool.sim.fleet import Fleet, FloatArray, IntArray
from bluepool.sim.policies import may_lend_to
from bluepool.sim.pool import Availability, Neighbours, PoolRecommender, neighbours
from bluepool.sim.travel import TravelModel

BoolArray = NDArray[np.bool_]
Progress = Callable[[int], None]
_PROGRESS_EVERY = 2048


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
) -> Outcome:
    """Serve ``calls`` with ``fleet`` under ``collective``'s sharing policies.

    ``on_scene`` must be filled for every call. With ``verify`` every pooled
    recommendation is checked against ``recommend`` over the whole fleet (slow).
    """
    engine = _Engine(
        fleet,
        calls,
        collective,
        travel,
        near if near is not None else neighbours(fleet, calls),
        default_plan,
        verify,
    )
    return engine.run(policy, progress)


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
    ) -> None:
        if np.isnan(calls.on_scene).any():
            raise ValueError("every call needs an on-scene time (see service.draw_on_scene)")
        self.fleet = fleet
        self.calls = calls
        self.collective = collective
        self.travel = travel
        self.verify = verify
        self.units = fleet.fresh_units()
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
        self.prio = calls.priority.tolist()
        self.jur = calls.jurisdiction.tolist()
        self.lat = calls.lat.tolist()
        self.lon = calls.lon.tolist()
        self.on_scene = calls.on_scene.tolist()
        # per call
        self.first_dispatch = [math.nan] * n
        self.first_arrival = [math.inf] * n
        self.sent = [0] * n
        self.cross = [False] * n
        # per dispatch
        self.d_unit: list[int] = []
        self.d_call: list[int] = []
        self.d_start: list[float] = []
        self.d_arrive: list[float] = []
        self.d_end: list[float] = []
        self.d_lent: list[bool] = []
        # the queue: per jurisdiction, sorted (priority, arrival, call)
        self.queues: list[list[tuple[int, float, int]]] = [[] for _ in fleet.jurisdictions]
        self.pending: dict[int, tuple[Requirement, ...]] = {}
        self.views: dict[int, IncidentView] = {}
        self.heap: list[tuple[float, int]] = []

    def run(self, policy: str, progress: Progress | None) -> Outcome:
        heap = self.heap
        pop = heapq.heappop
        free = self._free
        arrive = self._arrive
        t_all = self.t
        tick = 0
        for i, t in enumerate(t_all):
            while heap and heap[0][0] <= t:
                tf, u = pop(heap)
                free(u, tf)
            arrive(i, t)
            tick += 1
            if progress is not None and tick == _PROGRESS_EVERY:
                progress(tick)
                tick = 0
        while heap:
            tf, u = pop(heap)
            free(u, tf)
        if progress is not None and tick:
            progress(tick)
        arrival = np.array(self.first_arrival)
        arrival[np.isinf(arrival)] = np.nan
        return Outcome(
            policy=policy,
            first_dispatch=np.array(self.first_dispatch),
            first_arrival=arrival,
            units_sent=np.array(self.sent, dtype=np.int64),
            cross=np.array(self.cross, dtype=np.bool_),
            unit=np.array(self.d_unit, dtype=np.int64),
            call=np.array(self.d_call, dtype=np.int64),
            start=np.array(self.d_start),
            arrive=np.array(self.d_arrive),
            end=np.array(self.d_end),
            lent=np.array(self.d_lent, dtype=np.bool_),
            stats={
                "recommend_calls": self.pool.calls,
                "pools_widened": self.pool.widened,
                "still_queued": len(self.pending),
            },
        )

    # -- events

    def _arrive(self, i: int, now: float) -> None:
        ct = self.calls.call_type[i]
        plan = self.plans.get(ct, self.default_plan)
        view = IncidentView(
            IncidentId(str(i)),
            ct,
            self.prio[i],
            Location(self.lat[i], self.lon[i]),
            self.jids[self.jur[i]],
        )
        self._offer(i, view, plan, now)

    def _free(self, u: int, now: float) -> None:
        unit = self.units[u]
        unit.status = UnitStatus.AVAILABLE
        unit.incident_id = None
        self.avail.put(u)
        if self.pending:
            self._serve_queue(self.avail.agency[u], now)

    def _serve_queue(self, a: int, now: float) -> None:
        """Offer the queued calls agency ``a``'s units might serve, most urgent first."""
        lists = [q for j in self.relevant[a] if (q := self.queues[j])]
        if not lists:
            return
        entries = list(lists[0]) if len(lists) == 1 else sorted(e for q in lists for e in q)
        failed: set[tuple[int, CallTypeCode, int, tuple[Requirement, ...]]] = set()
        count = self.avail.count
        for _, _, i in entries:
            if count[a] == 0:
                return
            plan = self.pending[i]
            view = self.views[i]
            key = (self.jur[i], view.call_type, view.priority, plan)
            if key in failed:
                continue
            if not self._offer(i, view, plan, now):
                failed.add(key)

    def _offer(self, i: int, view: IncidentView, plan: tuple[Requirement, ...], now: float) -> bool:
        """Dispatch what ``recommend`` proposes; queue what it cannot fill. True if any
        unit went."""
        rec = self.pool.recommend(i, view, plan) if self.pool.may_help(view, plan) else None
        if self.verify:
            self._check(view, plan, rec)
        if rec is None or not rec.proposed:
            self._enqueue(i, view, plan)
            return False
        eta_of = {c.unit_id: c.eta_seconds for c in rec.candidates if c.proposed}
        on_scene = self.on_scene[i]
        home = self.j_agency[self.jur[i]]
        agency = self.avail.agency
        for _, uid in rec.proposed:
            u = self.uid[uid]
            eta = eta_of[uid]
            arrive = now + eta
            back = eta if self.travel.straight_line else self._back(u, view.location, eta)
            end = arrive + on_scene + back
            self.avail.take(u)
            unit = self.units[u]
            unit.status = UnitStatus.DISPATCHED
            unit.incident_id = view.id
            unit.workload += 1
            heapq.heappush(self.heap, (end, u))
            lent = agency[u] != home
            self.d_unit.append(u)
            self.d_call.append(i)
            self.d_start.append(now)
            self.d_arrive.append(arrive)
            self.d_end.append(end)
            self.d_lent.append(lent)
            if lent:
                self.cross[i] = True
            if arrive < self.first_arrival[i]:
                self.first_arrival[i] = arrive
        if self.sent[i] == 0:
            self.first_dispatch[i] = now
        self.sent[i] += len(rec.proposed)
        if rec.shortfalls:
            rest = tuple(Requirement(s.capability, s.missing) for s in rec.shortfalls)
            self._enqueue(i, view, rest)
        elif i in self.pending:
            self._dequeue(i)
        return True

    def _back(self, u: int, scene: Location, out: float) -> float:
        back = self.travel.port.to_destination([scene], self.post_loc[u])[0]
        return out if back is None else back

    def _enqueue(self, i: int, view: IncidentView, plan: tuple[Requirement, ...]) -> None:
        if i in self.pending:
            self.pending[i] = plan
            return
        self.pending[i] = plan
        self.views[i] = view
        bisect.insort(self.queues[self.jur[i]], (self.prio[i], self.t[i], i))

    def _dequeue(self, i: int) -> None:
        del self.pending[i]
        del self.views[i]
        self.queues[self.jur[i]].remove((self.prio[i], self.t[i], i))

    def _check(
        self, view: IncidentView, plan: tuple[Requirement, ...], rec: Recommendation | None
    ) -> None:
        full = recommend(view, plan, self.units, self.collective, self.travel.port)
        got = rec.proposed if rec is not None else ()
        if full.proposed != got:
            raise PoolMismatch(
                f"incident {view.id}: pool proposed {got}, the fleet {full.proposed}"
            )
