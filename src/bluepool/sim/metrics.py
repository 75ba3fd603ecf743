"""What a policy achieved: response times, queueing, utilisation, lending, from an Outcome.

Times are reported in minutes. A call's *response time* runs from its arrival to the
arrival of its first unit on scene; its *queue delay* from arrival (with a call-processing
delay: from the end of it) to the first dispatch.
Utilisation is the share of the run (first to last call) units spent busy (driving out,
on scene, driving back); the headline figure is fleet-wide, all units' busy time over
(number of units x run), so each agency weighs by its number of units. With shifts on, the
denominator is the unit-time on shift within the run instead (the busy time still counts a
call finished after the shift ended, so a unit working overtime can exceed 100 %). A
*cross-boundary
dispatch* is a unit sent to a call in a jurisdiction its agency does not answer for; the
unit-hours of those are *lent* by the unit's agency and *borrowed* by the call's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bluepool.domain.analytics.kpis import BY_NAME
from bluepool.sim.calls import CallStream
from bluepool.sim.engine import Outcome
from bluepool.sim.fleet import Fleet, FloatArray
from bluepool.sim.policies import LABELS

#: The KPIs a simulated call has, by the names of ``domain.analytics.kpis`` (the queue
#: and on-scene KPIs are inputs of a run, not outcomes).
SIMULATED_KPIS = tuple(
    BY_NAME[k].name for k in ("call_processing", "turnout", "travel", "total_response")
)


@dataclass(frozen=True, slots=True)
class Stats:
    n: int
    mean: float
    p50: float
    p90: float

    @classmethod
    def of(cls, minutes: FloatArray) -> Stats:
        if len(minutes) == 0:
            return cls(0, float("nan"), float("nan"), float("nan"))
        p50, p90 = np.percentile(minutes, [50, 90])
        return cls(len(minutes), float(minutes.mean()), float(p50), float(p90))

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "mean": _round(self.mean),
            "p50": _round(self.p50),
            "p90": _round(self.p90),
        }


@dataclass(frozen=True, slots=True, eq=False)
class PolicyResult:
    policy: str
    calls: int
    served: int
    response: Stats
    response_by_priority: Mapping[int, Stats]
    response_by_jurisdiction: Mapping[str, Stats]
    queue_delay: Stats
    queue_delay_by_priority: Mapping[int, Stats]
    #: Share of served calls that waited for a unit.
    queued_share: float
    dispatches: int
    cross_boundary: int
    cross_by_jurisdiction: Mapping[str, int]
    utilisation_by_agency: Mapping[str, float]
    lent_hours: Mapping[str, float]
    borrowed_hours: Mapping[str, float]
    stats: Mapping[str, int] = field(default_factory=dict)
    #: Fleet-wide: busy unit-time of all units / (number of units x run), or with shifts
    #: over their unit-time on shift; NaN for the bound.
    fleet_utilisation: float = float("nan")
    #: With shifts: unit-hours on shift within the run, by agency; None when shifts are off.
    on_shift_hours: Mapping[str, float] | None = None
    #: Per call, for the plots (not written to JSON): response and queue delay, minutes.
    response_minutes: FloatArray | None = None
    queue_minutes: FloatArray | None = None
    #: The served calls' KPIs in minutes, by ``SIMULATED_KPIS`` name (the response time
    #: is "total_response"; "call_processing" is the service model's delay plus the wait).
    kpis: Mapping[str, Stats] = field(default_factory=dict)

    @property
    def unserved(self) -> int:
        """Calls no unit ever reached (still queued when the run ended)."""
        return self.calls - self.served

    @property
    def label(self) -> str:
        return LABELS.get(self.policy, self.policy)

    @property
    def utilisation(self) -> float:
        """The headline utilisation: fleet-wide, not a mean over agencies."""
        return self.fleet_utilisation

    def as_dict(self) -> dict[str, Any]:
        out = {
            "policy": self.policy,
            "label": self.label,
            "calls": self.calls,
            "served": self.served,
            "response_minutes": self.response.as_dict(),
            "response_minutes_by_priority": {
                str(p): s.as_dict() for p, s in self.response_by_priority.items()
            },
            "response_minutes_by_jurisdiction": {
                j: s.as_dict() for j, s in self.response_by_jurisdiction.items()
            },
            "queue_delay_minutes": self.queue_delay.as_dict(),
            "queue_delay_minutes_by_priority": {
                str(p): s.as_dict() for p, s in self.queue_delay_by_priority.items()
            },
            "queued_share": _round(self.queued_share),
            "dispatches": self.dispatches,
            "cross_boundary_dispatches": self.cross_boundary,
            "cross_boundary_by_jurisdiction": dict(self.cross_by_jurisdiction),
            "utilisation_by_agency": {a: _round(u) for a, u in self.utilisation_by_agency.items()},
            "unit_hours_lent": {a: _round(h) for a, h in self.lent_hours.items()},
            "unit_hours_borrowed": {a: _round(h) for a, h in self.borrowed_hours.items()},
            "engine": dict(self.stats),
        }
        if self.kpis:
            out["unserved"] = self.unserved
            out["kpi_minutes"] = {k: s.as_dict() for k, s in self.kpis.items()}
        if self.on_shift_hours is not None:
            out["unit_hours_on_shift"] = {a: _round(h) for a, h in self.on_shift_hours.items()}
        return out


def summarize(fleet: Fleet, calls: CallStream, outcome: Outcome) -> PolicyResult:
    """Reduce one policy's outcome to the report's figures."""
    t = calls.t
    served = ~np.isnan(outcome.first_arrival)
    response = (outcome.first_arrival - t) / 60.0
    dispatch = (outcome.first_dispatch - t) / 60.0
    processing = calls.processing / 60.0 if calls.processing is not None else 0.0
    #: The wait for a unit: from when the call could be dispatched (after its processing).
    delay = dispatch - processing
    jur_names = [str(j.id) for j in fleet.jurisdictions]
    by_priority = {
        int(p): Stats.of(response[served & (calls.priority == p)])
        for p in np.unique(calls.priority)
    }
    by_jurisdiction = {
        name: Stats.of(response[served & (calls.jurisdiction == j)])
        for j, name in enumerate(jur_names)
    }
    delay_by_priority = {
        int(p): Stats.of(delay[served & (calls.priority == p)]) for p in np.unique(calls.priority)
    }
    horizon = max(calls.horizon, 1.0)
    busy = np.minimum(outcome.end, horizon) - np.minimum(outcome.start, horizon)
    unit_agency = np.array(fleet.unit_agency, dtype=np.int64)
    agency_of_dispatch = unit_agency[outcome.unit] if len(outcome.unit) else np.empty(0, np.int64)
    n_agencies = len(fleet.agencies)
    busy_by_agency = np.bincount(agency_of_dispatch, weights=busy, minlength=n_agencies)
    # Unit-time that could be busy: the run, or with shifts the time on shift within it.
    if outcome.on_shift is None:
        capacity: FloatArray = (np.bincount(unit_agency, minlength=n_agencies) * horizon).astype(
            np.float64
        )
        fleet_capacity = len(unit_agency) * horizon
    else:
        capacity = np.bincount(unit_agency, weights=outcome.on_shift, minlength=n_agencies).astype(
            np.float64
        )
        fleet_capacity = float(outcome.on_shift.sum())
    hours = (outcome.end - outcome.start) / 3600.0
    lent = outcome.lent
    j_agency_index = fleet.agency_index()
    call_agency = np.array(
        [j_agency_index[j.agency_id] for j in fleet.jurisdictions], dtype=np.int64
    )[calls.jurisdiction]
    borrower = call_agency[outcome.call] if len(outcome.call) else np.empty(0, np.int64)
    lent_hours = np.bincount(agency_of_dispatch[lent], weights=hours[lent], minlength=n_agencies)
    borrowed_hours = np.bincount(borrower[lent], weights=hours[lent], minlength=n_agencies)
    cross_calls = np.bincount(
        outcome.call[lent] if len(outcome.call) else np.empty(0, np.int64),
        minlength=len(calls),
    )
    cross_by_j = np.bincount(calls.jurisdiction, weights=cross_calls, minlength=len(jur_names))
    names = [str(a) for a in fleet.agencies]
    turnout = calls.turnout if calls.turnout is not None else np.zeros(len(calls))
    kpi_values = dict(
        zip(
            SIMULATED_KPIS,
            (dispatch, turnout / 60.0, response - dispatch - turnout / 60.0, response),
            strict=True,
        )
    )
    on_shift_hours = (
        None
        if outcome.on_shift is None
        else dict(zip(names, (capacity / 3600.0).tolist(), strict=True))
    )
    return PolicyResult(
        policy=outcome.policy,
        calls=len(calls),
        served=int(served.sum()),
        response=Stats.of(response[served]),
        response_by_priority=by_priority,
        response_by_jurisdiction=by_jurisdiction,
        queue_delay=Stats.of(delay[served]),
        queue_delay_by_priority=delay_by_priority,
        queued_share=float((delay[served] > 0).mean()) if served.any() else float("nan"),
        dispatches=len(outcome.unit),
        cross_boundary=int(lent.sum()),
        cross_by_jurisdiction={n: int(c) for n, c in zip(jur_names, cross_by_j, strict=True)},
        utilisation_by_agency={
            n: float(b / c) if c else float("nan")
            for n, b, c in zip(names, busy_by_agency, capacity, strict=True)
        },
        lent_hours=dict(zip(names, lent_hours.tolist(), strict=True)),
        borrowed_hours=dict(zip(names, borrowed_hours.tolist(), strict=True)),
        stats=outcome.stats,
        fleet_utilisation=(float(busy.sum() / fleet_capacity) if fleet_capacity else float("nan")),
        on_shift_hours=on_shift_hours,
        response_minutes=np.where(served, response, np.nan),
        queue_minutes=np.where(served, delay, np.nan),
        kpis={k: Stats.of(v[served]) for k, v in kpi_values.items()},
    )


def bound_result(fleet: Fleet, calls: CallStream, seconds: FloatArray) -> PolicyResult:
    """The lower bound as a 'policy': each call's nearest capable unit, never busy."""
    minutes = seconds / 60.0
    ok = ~np.isnan(minutes)
    jur_names = [str(j.id) for j in fleet.jurisdictions]
    zero = Stats.of(np.zeros(int(ok.sum())))
    return PolicyResult(
        policy="lower_bound",
        calls=len(calls),
        served=int(ok.sum()),
        response=Stats.of(minutes[ok]),
        response_by_priority={
            int(p): Stats.of(minutes[ok & (calls.priority == p)]) for p in np.unique(calls.priority)
        },
        response_by_jurisdiction={
            name: Stats.of(minutes[ok & (calls.jurisdiction == j)])
            for j, name in enumerate(jur_names)
        },
        queue_delay=zero,
        queue_delay_by_priority={},
        queued_share=0.0,
        dispatches=0,
        cross_boundary=0,
        cross_by_jurisdiction={},
        utilisation_by_agency={},
        lent_hours={},
        borrowed_hours={},
        response_minutes=minutes,
        queue_minutes=np.zeros(len(calls)),
    )


def _round(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 4)
