"""Timers: nothing on the dispatch floor goes stale unnoticed.

The collective sets, per priority, how long a call may wait unassigned, how long a unit
may stay dispatched without setting off (en route), and how often a unit on scene is
checked on (the welfare check). ``running`` is the one rule for which timers run on an
incident and when each falls due; the console, the supervisor panel and the tests all ask
it. A dispatcher who has seen a due timer acknowledges it (``acknowledge``): the
acknowledgement goes on the incident's timeline and that timer starts again from then.

    unassigned                received (or requeued) ──> +unassigned_s
    dispatched_not_enroute    unit dispatched        ──> +dispatched_not_enroute_s
    welfare_check             unit on scene          ──> +welfare_check_s (again after each ack)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bluepool.domain.dispatch.incidents import Incident, IncidentStatus, TimelineEntry
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.ids import IncidentId, UnitId

#: The timeline entry an acknowledgement writes (its detail is the timer's kind).
ACKNOWLEDGED = "acknowledged"


class TimerKind(StrEnum):
    UNASSIGNED = "unassigned"
    DISPATCHED_NOT_ENROUTE = "dispatched_not_enroute"
    WELFARE_CHECK = "welfare_check"


#: What a person reads for each timer when it is due.
LABELS = {
    TimerKind.UNASSIGNED: "waiting unassigned",
    TimerKind.DISPATCHED_NOT_ENROUTE: "dispatched, not en route",
    TimerKind.WELFARE_CHECK: "welfare check due",
}


@dataclass(frozen=True, slots=True)
class TimerLimits:
    """One priority's timers, in seconds; None: that timer does not run for the priority."""

    priority: int
    unassigned_s: int | None = None
    dispatched_not_enroute_s: int | None = None
    welfare_check_s: int | None = None

    def __post_init__(self) -> None:
        if self.priority not in range(1, 6):
            raise Invalid(f"timers for priority {self.priority}: 1 to 5", code="bad_priority")
        for kind in TimerKind:
            s = self.seconds(kind)
            if s is not None and s <= 0:
                raise Invalid(
                    f"timer {kind.value}_s for P{self.priority} must be positive, not {s}",
                    code="bad_timer",
                )

    def seconds(self, kind: TimerKind) -> int | None:
        value: int | None = getattr(self, f"{kind.value}_s")
        return value


@dataclass(frozen=True, slots=True)
class Timer:
    """A timer running on an incident (on one of its units, for the unit's timers)."""

    incident_id: IncidentId
    kind: TimerKind
    priority: int
    started_at: datetime
    due_at: datetime
    unit_id: UnitId | None = None

    def is_due(self, now: datetime) -> bool:
        return now >= self.due_at


def acknowledge(
    incident: Incident,
    limits: Mapping[int, TimerLimits],
    kind: TimerKind,
    unit_id: UnitId | None,
    at: datetime,
    actor: str,
) -> Timer:
    """Record that ``actor`` saw ``kind`` (on ``unit_id``, for a unit's timer): the entry
    goes on the timeline and the timer starts again from ``at``. Only a running timer can
    be acknowledged; return it as it runs now."""
    found = [t for t in running([incident], limits) if t.kind is kind and t.unit_id == unit_id]
    if not found:
        on = f" on unit {unit_id}" if unit_id else ""
        raise Conflict(f"no {kind.value} timer runs{on} on incident {incident.id}", code="no_timer")
    incident.timeline.append(TimelineEntry(at, ACKNOWLEDGED, actor, unit_id, kind.value))
    return next(t for t in running([incident], limits) if t.kind is kind and t.unit_id == unit_id)


def running(incidents: Iterable[Incident], limits: Mapping[int, TimerLimits]) -> list[Timer]:
    """Every timer running on the open ``incidents``, the soonest due first."""
    timers: list[Timer] = []
    for incident in incidents:
        lim = limits.get(incident.priority)
        if lim is not None and incident.is_open:
            timers.extend(_timers_of(incident, lim))
    return sorted(timers, key=lambda t: (t.due_at, t.priority, t.incident_id, t.unit_id or ""))


def due(timers: Iterable[Timer], now: datetime) -> list[Timer]:
    """The timers that have fallen due at ``now``, most urgent first (priority, then the
    longest overdue)."""
    return sorted((t for t in timers if t.is_due(now)), key=lambda t: (t.priority, t.due_at))


def _timers_of(incident: Incident, lim: TimerLimits) -> list[Timer]:
    acks = _last_acks(incident)
    out: list[Timer] = []

    def add(kind: TimerKind, since: datetime, unit_id: UnitId | None = None) -> None:
        seconds = lim.seconds(kind)
        if seconds is None:
            return
        start = max(since, acks.get((kind, unit_id), since))
        out.append(
            Timer(
                incident.id,
                kind,
                incident.priority,
                start,
                start + timedelta(seconds=seconds),
                unit_id,
            )
        )

    if incident.status is IncidentStatus.RECEIVED:
        add(TimerKind.UNASSIGNED, _waiting_since(incident))
    for a in incident.assignments:
        if not a.active:
            continue
        if a.status is UnitStatus.DISPATCHED:
            add(TimerKind.DISPATCHED_NOT_ENROUTE, a.assigned_at, a.unit_id)
        elif a.status in (UnitStatus.ON_SCENE, UnitStatus.BUSY):
            add(
                TimerKind.WELFARE_CHECK,
                _on_scene_since(incident, a.unit_id, a.assigned_at),
                a.unit_id,
            )
    return out


def _waiting_since(incident: Incident) -> datetime:
    """A call waits since it was received, or since it went back to the queue."""
    since = incident.received_at
    for e in incident.timeline:
        if e.kind == "requeued":
            since = e.at
    return since


def _on_scene_since(incident: Incident, unit_id: UnitId, fallback: datetime) -> datetime:
    since = fallback
    for e in incident.timeline:
        if e.unit_id == unit_id and e.kind == UnitStatus.ON_SCENE.value:
            since = e.at
    return since


def _last_acks(incident: Incident) -> dict[tuple[TimerKind, UnitId | None], datetime]:
    acks: dict[tuple[TimerKind, UnitId | None], datetime] = {}
    kinds = {k.value: k for k in TimerKind}
    for e in incident.timeline:
        if e.kind == ACKNOWLEDGED and e.detail in kinds:
            acks[(kinds[e.detail], e.unit_id)] = e.at
    return acks


@dataclass(frozen=True, slots=True)
class TimersView:
    """The collective's timers and those running now (``GET /timers``)."""

    #: The server's time when read: a page compares ``due_at`` with its own clock set by it.
    now: datetime
    limits: tuple[TimerLimits, ...]
    timers: tuple[Timer, ...]


def timers_value(limits: Iterable[TimerLimits]) -> dict[str, Any]:
    """The timers as plain values, by priority (how the collective's settings keep them)."""
    return {
        str(t.priority): {
            "unassigned_s": t.unassigned_s,
            "dispatched_not_enroute_s": t.dispatched_not_enroute_s,
            "welfare_check_s": t.welfare_check_s,
        }
        for t in sorted(limits, key=lambda t: t.priority)
    }


def timers_of(value: Mapping[str, Any]) -> dict[int, TimerLimits]:
    """The timers kept by ``timers_value``, by priority."""
    return {
        int(p): TimerLimits(
            int(p),
            v.get("unassigned_s"),
            v.get("dispatched_not_enroute_s"),
            v.get("welfare_check_s"),
        )
        for p, v in sorted(value.items(), key=lambda kv: int(kv[0]))
    }
