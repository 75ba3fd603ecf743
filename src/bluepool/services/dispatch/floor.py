"""Watching the floor: the timers (running, due, acknowledged), the calls waiting for a
unit (and which of them a unit that comes free may take), and the supervisor panel's
figures (each agency's units against its home reserve, each dispatcher's workload).

The rules are the domain's (``domain.dispatch.timers``, ``domain.dispatch.floor``); these
use cases read what they need, ask them, and, for an acknowledgement, commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bluepool.domain.access.roles import User
from bluepool.domain.dispatch import timers
from bluepool.domain.dispatch.events import TimerAcknowledged
from bluepool.domain.dispatch.floor import (
    FloorView,
    PendingCalls,
    reserves,
    waiting_order,
    workload,
)
from bluepool.domain.dispatch.records import IncidentRecord
from bluepool.domain.dispatch.timers import TimerKind, TimersView
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import IncidentId, UnitId
from bluepool.services.audit import reads
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents, policy
from bluepool.services.lookup import found, not_found
from bluepool.services.ports import IncidentFilter, Page

#: How far back the supervisor panel counts a shift when none is asked for.
SHIFT = timedelta(hours=12)
#: Every open incident, for the rules that look at the whole floor.
_OPEN = IncidentFilter(open=True)
_ALL = Page(limit=1_000_000)


def running_timers(ctx: Context, user: User) -> TimersView:
    """The collective's timers per priority and every timer running on an open incident,
    the soonest due first."""
    policy.read(user)
    with ctx.reader() as uow:
        limits = uow.timers.get()
        open_incidents, _ = uow.incidents.find(_OPEN, _ALL)
    now = ctx.clock.now()
    return TimersView(now, tuple(limits.values()), tuple(timers.running(open_incidents, limits)))


@refusal_recorded
def acknowledge(
    ctx: Context, user: User, incident_id: str, kind: str, unit_id: str | None
) -> IncidentRecord:
    """Acknowledge a running timer: the timeline records who saw it, and the timer starts
    again (every console hears it as ``incident.updated``). 409 when no such timer runs."""
    policy.dispatch(user)
    try:
        timer = TimerKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in TimerKind)
        raise Invalid(f"no timer {kind!r}; known: {known}", code="unknown_timer") from None
    with ctx.uow() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        now = ctx.clock.now()
        unit = UnitId(unit_id) if unit_id else None
        timers.acknowledge(incident, uow.timers.get(), timer, unit, now, user.username)
        uow.incidents.update(incident)
        record = IncidentRecord.of(incident)
        uow.raise_event(TimerAcknowledged(now, user.username, record, timer.value, unit))
        uow.commit()
    return record


def pending(ctx: Context, user: User, unit_id: str | None = None) -> PendingCalls:
    """The calls waiting for a unit, most urgent first; with ``unit_id``, only those the
    unit may take now (it is a candidate of their recommendation: available, capable, lent
    by its agency and not held by its home reserve)."""
    policy.read(user)
    with ctx.reader() as uow:
        waiting = waiting_order(uow.incidents.find(_OPEN, _ALL)[0])
        if unit_id is not None:
            fleet = uow.units.list()
            if not any(u.id == unit_id for u in fleet):
                raise not_found("unit", unit_id)
            waiting = [
                i
                for i in waiting
                if any(
                    c.unit_id == unit_id
                    for c in incidents.recommend_for(ctx, uow, i, fleet).candidates
                )
            ]
        records = tuple(IncidentRecord.of(i) for i in waiting)
        owners = reads.owners(uow, user)
    incidents.note_reads(ctx, user, "dispatch.floor.pending", records, owners)
    return PendingCalls(records)


def floor(ctx: Context, user: User, since: datetime | None = None) -> FloorView:
    """The supervisor panel: each agency's available units against its home reserve, and
    the incidents created and units assigned by each dispatcher since ``since`` (the shift;
    default the last 12 hours)."""
    policy.supervise(user)
    now = ctx.clock.now()
    start = since if since is not None else now - SHIFT
    with ctx.reader() as uow:
        fleet = uow.units.list()
        collective = incidents.standing_facts(ctx, uow).lending(now, now)
        # Incidents received in the shift, and older ones still open (assigned in it).
        recent, _ = uow.incidents.find(IncidentFilter(received_from=start), _ALL)
        still_open, _ = uow.incidents.find(_OPEN, _ALL)
    seen = {i.id: i for i in [*recent, *still_open]}
    return FloorView(
        now,
        start,
        tuple(reserves(fleet, collective)),
        tuple(workload(seen.values(), start)),
    )
