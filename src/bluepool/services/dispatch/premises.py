"""Premise and hazard notes: kept by central dispatch and the agencies' admins, read by
everyone working calls, and shown on every incident at a place they cover until they
expire (``GET /incidents/{id}/premise-notes``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.events import PremiseNoteChanged
from bluepool.domain.dispatch.premises import ADDRESS_RADIUS_M, NoteKind, PremiseNote, covering
from bluepool.domain.dispatch.records import PremiseNoteRecord
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, IncidentId
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.dispatch import policy
from bluepool.services.lookup import agency_exists, found


@dataclass(frozen=True, slots=True)
class NoteDraft:
    """A note as asked for: a point (and radius) or an address, or both."""

    kind: NoteKind
    text: str
    location: Location | None = None
    radius_m: int | None = None
    address: str = ""
    agency_id: AgencyId | None = None
    expires_at: datetime | None = None


def list_notes(ctx: Context, user: User, live: bool = True) -> tuple[PremiseNoteRecord, ...]:
    """Every note (only those not expired, by default), hazards first, newest first."""
    policy.read(user)
    now = ctx.clock.now()
    with ctx.reader() as uow:
        notes = [n for n in uow.premise_notes.list() if not live or n.live(now)]
    notes.sort(key=lambda n: (n.kind is not NoteKind.HAZARD, -n.created_at.timestamp()))
    return tuple(PremiseNoteRecord.of(n) for n in notes)


def get_note(ctx: Context, user: User, note_id: str) -> PremiseNoteRecord:
    policy.read(user)
    with ctx.reader() as uow:
        return PremiseNoteRecord.of(found(uow.premise_notes, note_id, "premise note"))


def for_incident(ctx: Context, user: User, incident_id: str) -> tuple[PremiseNoteRecord, ...]:
    """The live notes covering the incident's place, hazards first."""
    policy.read(user)
    with ctx.reader() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        notes = uow.premise_notes.list()
    hits = covering(notes, incident.location, incident.address, ctx.clock.now())
    return tuple(PremiseNoteRecord.of(n) for n in hits)


@refusal_recorded
def create_note(ctx: Context, user: User, draft: NoteDraft) -> PremiseNoteRecord:
    policy.keep_premise_notes(user, draft.agency_id)
    location, radius = _place(ctx, draft)
    now = ctx.clock.now()
    _not_past(draft.expires_at, now)
    note = PremiseNote(
        uuid.uuid4().hex[:12],
        draft.kind,
        draft.text,
        location,
        radius,
        user.username,
        now,
        " ".join(draft.address.split()),
        draft.agency_id,
        draft.expires_at,
    )
    with ctx.uow() as uow:
        if note.agency_id is not None:
            agency_exists(uow, note.agency_id)
        uow.premise_notes.add(note)
        record = PremiseNoteRecord.of(note)
        uow.raise_event(PremiseNoteChanged(now, user.username, Action.CREATED, note.id, record))
        uow.commit()
    return record


@refusal_recorded
def update_note(
    ctx: Context,
    user: User,
    note_id: str,
    text: str | None = None,
    kind: NoteKind | None = None,
    expires_at: datetime | None = None,
    clear_expiry: bool = False,
) -> PremiseNoteRecord:
    """Change a note's text, kind or expiry (``clear_expiry``: keep it until removed)."""
    now = ctx.clock.now()
    _not_past(expires_at, now)
    with ctx.uow() as uow:
        note = found(uow.premise_notes, note_id, "premise note")
        policy.keep_premise_notes(user, note.agency_id)
        changed = PremiseNote(
            note.id,
            kind or note.kind,
            text if text is not None else note.text,
            note.location,
            note.radius_m,
            note.created_by,
            note.created_at,
            note.address,
            note.agency_id,
            None if clear_expiry else expires_at or note.expires_at,
        )
        uow.premise_notes.update(changed)
        record = PremiseNoteRecord.of(changed)
        uow.raise_event(PremiseNoteChanged(now, user.username, Action.UPDATED, note.id, record))
        uow.commit()
    return record


@refusal_recorded
def delete_note(ctx: Context, user: User, note_id: str) -> None:
    with ctx.uow() as uow:
        note = found(uow.premise_notes, note_id, "premise note")
        policy.keep_premise_notes(user, note.agency_id)
        uow.premise_notes.delete(note_id)
        uow.raise_event(PremiseNoteChanged(ctx.clock.now(), user.username, Action.DELETED, note_id))
        uow.commit()


def _place(ctx: Context, draft: NoteDraft) -> tuple[Location, int]:
    """Where the note stands: its point, or the gazetteer's point for its address."""
    if draft.location is not None:
        return draft.location, draft.radius_m or ADDRESS_RADIUS_M
    if not draft.address.strip():
        raise Invalid("give the note a location (and radius_m) or an address", code="bad_note")
    hits = ctx.gazetteer.search(draft.address, 1) if ctx.gazetteer is not None else []
    if not hits:
        raise Invalid(
            f"no address {draft.address!r} is known: give the note a location instead",
            code="unknown_address",
        )
    return hits[0].location, draft.radius_m or ADDRESS_RADIUS_M


def _not_past(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise Invalid("expires_at must lie in the future", code="bad_note")
