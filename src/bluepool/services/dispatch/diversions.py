"""Diversion offers: the units on less urgent calls that could come to an incident instead.

Computed beside the recommendation, not inside it (``domain.dispatch.recommend`` ranks the
free units): the units committed to a strictly less urgent open incident are handed to the
same recommender as if they were free (``domain.dispatch.command.divertable``), so an offer
obeys the same capability and sharing rules and carries an ETA by the same travel model.
The incidents they are on are read only when there are such units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bluepool.domain.collective.agencies import CallType
from bluepool.domain.dispatch.command import Committed, DiversionOffer, divertable
from bluepool.domain.dispatch.incidents import PRIORITIES, Incident
from bluepool.domain.dispatch.recommend import Candidate, IncidentView, recommend
from bluepool.domain.dispatch.travel import TravelTimes
from bluepool.domain.dispatch.units import COMMITTED, Unit
from bluepool.domain.shared.ids import IncidentId
from bluepool.services.people import gate
from bluepool.services.ports import Standing, UnitOfWork


def view_of(incident: Incident) -> IncidentView:
    """What the recommender needs to know of an incident."""
    return IncidentView(
        incident.id,
        incident.call_type,
        incident.priority,
        incident.location,
        incident.jurisdiction_id,
    )


@dataclass(frozen=True, slots=True)
class Diversion:
    """A unit the recommender would send here, and the incident it would leave."""

    candidate: Candidate
    on: Committed


def diversions(
    uow: UnitOfWork,
    incident: Incident,
    call_type: CallType,
    fleet: Sequence[Unit],
    facts: Standing,
    travel: TravelTimes,
    now: datetime,
) -> list[Diversion]:
    """Every unit that could be diverted to ``incident``, nearest first (lent by the
    agreements in force for it at ``now``)."""
    if not incident.is_open or incident.priority >= max(PRIORITIES):
        return []
    needed = {r.capability for r in call_type.plan}
    elsewhere = {
        u.incident_id
        for u in fleet
        if u.status in COMMITTED
        and u.incident_id is not None
        and u.incident_id != incident.id
        and u.location is not None
        and not needed.isdisjoint(u.capabilities)
    }
    if not elsewhere:
        return []
    on: dict[IncidentId, Committed] = {
        i.id: Committed(i.id, i.priority, i.call_type)
        for i in uow.incidents.get_many(elsewhere).values()
        if i.is_open
    }
    free = divertable(fleet, incident.priority, incident.id, on)
    if not free:
        return []
    was_on = {u.id: u.incident_id for u in fleet}
    collective = replace(
        facts.lending(incident.received_at, now),
        withheld=gate.withheld(uow, facts.certifications, free, now),
    )
    rec = recommend(view_of(incident), call_type.plan, free, collective, travel)
    return [
        Diversion(c, on[incident_id])
        for c in rec.candidates
        if (incident_id := was_on.get(c.unit_id)) is not None and incident_id in on
    ]


def offers(found: Sequence[Diversion], facts: Standing, limit: int) -> tuple[DiversionOffer, ...]:
    """The nearest ``limit`` diversions, as the recommendation offers them."""
    return tuple(
        DiversionOffer.of(d.candidate, d.on, _call_type_name(facts, d.on)) for d in found[:limit]
    )


def _call_type_name(facts: Standing, on: Committed) -> str:
    ct = facts.call_types.get(on.call_type)
    return ct.name if ct is not None else on.call_type
