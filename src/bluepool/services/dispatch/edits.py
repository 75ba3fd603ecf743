"""Incidents change as calls do: dispatch corrects the call type, the priority, the
location (its jurisdiction found again, so the recommendation follows) and the caller's
details; dispatchers and the officers on a call add notes to its timeline.

An edit names the version it was made on: one made on an older version than the stored
one is refused (409 ``stale_version``), so two dispatchers never overwrite each other
unseen.
"""

from __future__ import annotations

from dataclasses import dataclass

from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.events import IncidentEdited, IncidentNoted
from bluepool.domain.dispatch.incidents import Incident, IncidentChange
from bluepool.domain.dispatch.records import IncidentRecord, NoteResult
from bluepool.domain.shared.errors import ConcurrentUpdate
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import CallTypeCode, IncidentId
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.dispatch import geocode, incidents, policy
from bluepool.services.lookup import found


@dataclass(frozen=True, slots=True)
class Edit:
    """What an edit asks for; None: left as it is. A new location without an address
    takes the gazetteer's nearest one."""

    call_type: str | None = None
    priority: int | None = None
    location: Location | None = None
    address: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None


@refusal_recorded
def edit_incident(
    ctx: Context, user: User, incident_id: str, version: int, edit: Edit
) -> IncidentRecord:
    """Change an open call as made on ``version``; each changed field is a timeline entry
    and the change one ``incident.edited`` event (nothing changed: no event)."""
    policy.edit_incident(user)
    change = _change(ctx, edit)
    with ctx.uow() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        _same_version(incident, version)
        if change.call_type is not None:
            incidents.known_call_type(ctx, uow, change.call_type)
        now = ctx.clock.now()
        fields = incident.edit(now, user.username, change)
        if not fields:
            return IncidentRecord.of(incident)
        uow.incidents.update(incident)
        record = IncidentRecord.of(incident)
        uow.raise_event(IncidentEdited(now, user.username, record, fields))
        uow.commit()
    return record


@refusal_recorded
def add_note(ctx: Context, user: User, incident_id: str, text: str) -> NoteResult:
    """Add a narrative note to a call's timeline (``incident.noted``, live)."""
    with ctx.uow() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        policy.add_note(user, {a.unit_id for a in incident.assignments})
        now = ctx.clock.now()
        note = incident.add_note(now, user.username, text)
        uow.incidents.update(incident)
        record = IncidentRecord.of(incident)
        uow.raise_event(IncidentNoted(now, user.username, record, note))
        uow.commit()
    return NoteResult(note, record)


def _change(ctx: Context, edit: Edit) -> IncidentChange:
    """The domain's change: a new location located (refused outside every jurisdiction
    unless the collective takes such calls) and, without an address given, named."""
    jurisdiction = None
    address = " ".join(edit.address.split()) if edit.address is not None else None
    if edit.location is not None:
        jurisdiction = incidents.located(ctx, edit.location)
        if address is None:
            address = geocode.address_of(ctx, edit.location)
    return IncidentChange(
        CallTypeCode(edit.call_type) if edit.call_type is not None else None,
        edit.priority,
        edit.location,
        jurisdiction,
        address,
        edit.caller_name,
        edit.caller_phone,
    )


def _same_version(incident: Incident, version: int) -> None:
    if incident.version != version:
        raise ConcurrentUpdate(
            f"incident {incident.id} is at version {incident.version}, not {version}: "
            "someone changed it meanwhile; reload it and edit again",
            code="stale_version",
        )
