"""Dispatch in command: divert a unit from a less urgent call, recall a unit from a call.

(An override is an assignment with a reason: ``incidents.assign``.) Each use case is one
transaction under the unit's agency's lock, like an assignment, and the unit is written
with its version checked, so of a diversion, an assignment and a recall racing for one
unit, one wins and the others get 409: a unit is never on two incidents.
"""

from __future__ import annotations

from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.events import IncidentRequeued, UnitAssigned, UnitRecalled
from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.records import (
    AssignResult,
    IncidentRecord,
    RecallResult,
    UnitRecord,
)
from bluepool.domain.dispatch.units import COMMITTED, Unit, reason_given
from bluepool.domain.shared.errors import Conflict, UnitUnavailable
from bluepool.domain.shared.ids import IncidentId, UnitId
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.dispatch import diversions, incidents, policy
from bluepool.services.lookup import found, not_found
from bluepool.services.ports import UnitOfWork


@refusal_recorded
def divert(ctx: Context, user: User, incident_id: str, unit_id: str) -> AssignResult:
    """Take a unit off a less urgent call and dispatch it to this one, in one go.

    The unit must be one the recommendation offers for diversion: committed to an open
    incident strictly less urgent than this one, capable, and allowed here by its agency's
    sharing policy. The call it leaves goes back to the queue when no unit is left on it
    (``incident.requeued``).
    """
    policy.dispatch(user)
    with ctx.uow() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        unit, fleet = _locked_unit(uow, unit_id)
        if unit.status not in COMMITTED or unit.incident_id is None:
            raise UnitUnavailable(
                f"unit {unit.id} is {unit.status.value}, on no incident: assign it instead"
            )
        facts = incidents.standing_facts(ctx, uow)
        ct = incidents.call_type_of(ctx, uow, incident, facts)
        offer = next(
            (
                d
                for d in diversions.diversions(
                    uow, incident, ct, fleet, facts, ctx.travel, ctx.clock.now()
                )
                if d.candidate.unit_id == unit.id
            ),
            None,
        )
        if offer is None:
            raise Conflict(
                f"unit {unit.id} cannot be diverted to incident {incident.id}: it is not on a "
                "less urgent call, or could not serve this one",
                code="not_divertable",
            )
        left = found(uow.incidents, offer.on.id, "incident")
        now = ctx.clock.now()
        to = f"diverted to P{incident.priority} {ct.name} (#{incident.id})"
        requeued = left.take_off(unit, now, user.username, "diverted", to)
        left_type = facts.call_types.get(left.call_type)
        came = f"diverted from P{left.priority} {left_type.name if left_type else left.call_type}"
        came += f" (#{left.id})"
        incident.assign(unit, now, user.username, "; ".join((came, *offer.candidate.reasons)))
        uow.units.update(unit)
        # The incident the unit leaves first: its open assignment closes before the new one
        # opens (one open assignment per unit, checked row by row).
        uow.incidents.update(left)
        uow.incidents.update(incident)
        left_record, unit_record = IncidentRecord.of(left), UnitRecord.of(unit)
        _left(uow, user, left_record, unit_record, requeued, to, incident.id, now)
        record = IncidentRecord.of(incident)
        eta = round(offer.candidate.eta_seconds, 1)
        uow.raise_event(
            UnitAssigned(now, user.username, record, unit_record, eta, diverted_from=left.id)
        )
        uow.commit()
    return AssignResult(
        incident.id,
        unit.id,
        eta,
        offer.candidate.reasons,
        record,
        unit_record,
        diverted_from=left_record,
    )


@refusal_recorded
def recall(
    ctx: Context, user: User, incident_id: str, unit_id: str, reason: str = ""
) -> RecallResult:
    """Take a unit off an incident: it is available again, and the call goes back to the
    queue when no unit is left on it (``incident.requeued``)."""
    policy.dispatch(user)
    why = reason_given(reason, "a recall") if reason.strip() else ""
    with ctx.uow() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        unit, _ = _locked_unit(uow, unit_id)
        now = ctx.clock.now()
        requeued = incident.take_off(unit, now, user.username, "recalled", why)
        uow.units.update(unit)
        uow.incidents.update(incident)
        record, unit_record = IncidentRecord.of(incident), UnitRecord.of(unit)
        _left(uow, user, record, unit_record, requeued, why or "recalled", None, now)
        uow.commit()
    return RecallResult(record, unit_record, requeued)


def alert_if_requeued(
    uow: UnitOfWork, user: User, at: datetime, had_units: bool, incident: Incident, why: str
) -> None:
    """Raise ``incident.requeued`` when ``incident``, which had units on it, has none left
    and is still open: it went back to the queue unserved (a unit freed by a status change
    before it reached the scene, or gone out of service)."""
    if had_units and incident.is_open and not incident.active_units():
        uow.raise_event(IncidentRequeued(at, user.username, IncidentRecord.of(incident), why))


def _locked_unit(uow: UnitOfWork, unit_id: str) -> tuple[Unit, list[Unit]]:
    """The unit, read with its agency held (as an assignment reads it), and the fleet."""
    if uow.lock_agency_of(UnitId(unit_id)) is None:
        raise not_found("unit", unit_id)
    fleet = uow.units.list()
    unit = next((u for u in fleet if u.id == unit_id), None)
    if unit is None:
        raise not_found("unit", unit_id)
    return unit, fleet


def _left(
    uow: UnitOfWork,
    user: User,
    incident: IncidentRecord,
    unit: UnitRecord,
    requeued: bool,
    why: str,
    diverted_to: IncidentId | None,
    now: datetime,
) -> None:
    """The events of a unit leaving an incident: the recall (with the incident as it now
    stands), and the alert when the call is back in the queue."""
    uow.raise_event(UnitRecalled(now, user.username, incident, unit, why, diverted_to))
    if requeued:
        uow.raise_event(IncidentRequeued(now, user.username, incident, f"{unit.id} {why}"))
