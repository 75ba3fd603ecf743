"""Calls as they develop: edit an incident, add a note, the closing rules, and the premise
and hazard notes shown on the incidents at the places they cover."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from bluepool.domain.dispatch.records import (
    ClosingRecord,
    IncidentRecord,
    NoteResult,
    PremiseNoteRecord,
)
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId
from bluepool.services.dispatch import closing, edits, premises
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.common import Problem, QueryFlag
from bluepool.web.schemas.incidents import (
    IncidentEdit,
    NoteCreate,
    PremiseNoteCreate,
    PremiseNoteUpdate,
)

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}
INCIDENTS: list[str | Enum] = ["incidents"]
NOTES: list[str | Enum] = ["premise notes"]


@router.patch(
    "/incidents/{incident_id}", response_model=IncidentRecord, tags=INCIDENTS, responses=ERRORS
)
def edit_incident(
    incident_id: str, body: IncidentEdit, ctx: ContextDep, user: CurrentUser
) -> IncidentRecord:
    """Change an open call: call type, priority, location (its jurisdiction found again),
    address, the caller's name and callback number (personal data). ``version`` is the
    version the edit was made on: 409 ``stale_version`` when someone changed it meanwhile.
    Each changed field is a timeline entry; the change is an ``incident.edited`` event."""
    edit = edits.Edit(
        body.call_type,
        body.priority,
        Location(body.location.lat, body.location.lon) if body.location else None,
        body.address,
        body.caller_name,
        body.caller_phone,
    )
    return edits.edit_incident(ctx, user, incident_id, body.version, edit)


@router.post(
    "/incidents/{incident_id}/notes",
    status_code=201,
    response_model=NoteResult,
    tags=INCIDENTS,
    responses=ERRORS,
)
def add_note(incident_id: str, body: NoteCreate, ctx: ContextDep, user: CurrentUser) -> NoteResult:
    """Add a narrative note to the call's timeline: dispatch, or an officer whose unit is
    or was on it (``incident.noted``)."""
    return edits.add_note(ctx, user, incident_id, body.text)


@router.get(
    "/incidents/{incident_id}/premise-notes",
    response_model=tuple[PremiseNoteRecord, ...],
    tags=INCIDENTS,
    responses=ERRORS,
)
def incident_premise_notes(
    incident_id: str, ctx: ContextDep, user: CurrentUser
) -> tuple[PremiseNoteRecord, ...]:
    """The live premise and hazard notes covering the incident's place, hazards first."""
    return premises.for_incident(ctx, user, incident_id)


@router.get("/closing", response_model=ClosingRecord, tags=INCIDENTS, responses=ERRORS)
def closing_rules(
    ctx: ContextDep, user: CurrentUser, call_type: str | None = None
) -> ClosingRecord:
    """The dispositions calls are closed with (those for ``call_type``, when given), the
    report number's format and whether the last unit's clear closes a call."""
    return closing.closing_rules(ctx, user, call_type)


@router.get(
    "/premise-notes",
    response_model=tuple[PremiseNoteRecord, ...],
    tags=NOTES,
    responses=ERRORS,
)
def list_premise_notes(
    ctx: ContextDep,
    user: CurrentUser,
    live: Annotated[QueryFlag, Query(description="only those not expired")] = True,
) -> tuple[PremiseNoteRecord, ...]:
    """Premise and hazard notes, hazards first, newest first."""
    return premises.list_notes(ctx, user, live)


@router.post(
    "/premise-notes",
    status_code=201,
    response_model=PremiseNoteRecord,
    tags=NOTES,
    responses=ERRORS,
)
def create_premise_note(
    body: PremiseNoteCreate, ctx: ContextDep, user: CurrentUser
) -> PremiseNoteRecord:
    """Add a note for a place: a point and radius, or an address (found in the
    gazetteer). Central dispatch, or an agency admin for their agency's notes."""
    draft = premises.NoteDraft(
        body.kind,
        body.text,
        Location(body.location.lat, body.location.lon) if body.location else None,
        body.radius_m,
        body.address,
        AgencyId(body.agency) if body.agency else None,
        body.expires_at,
    )
    return premises.create_note(ctx, user, draft)


@router.get(
    "/premise-notes/{note_id}", response_model=PremiseNoteRecord, tags=NOTES, responses=ERRORS
)
def get_premise_note(note_id: str, ctx: ContextDep, user: CurrentUser) -> PremiseNoteRecord:
    return premises.get_note(ctx, user, note_id)


@router.patch(
    "/premise-notes/{note_id}", response_model=PremiseNoteRecord, tags=NOTES, responses=ERRORS
)
def update_premise_note(
    note_id: str, body: PremiseNoteUpdate, ctx: ContextDep, user: CurrentUser
) -> PremiseNoteRecord:
    """Change a note's kind, text or expiry (``expires_at: null``: until removed)."""
    clear = "expires_at" in body.model_fields_set and body.expires_at is None
    return premises.update_note(ctx, user, note_id, body.text, body.kind, body.expires_at, clear)


@router.delete("/premise-notes/{note_id}", status_code=204, tags=NOTES, responses=ERRORS)
def delete_premise_note(note_id: str, ctx: ContextDep, user: CurrentUser) -> Response:
    premises.delete_note(ctx, user, note_id)
    return Response(status_code=204)
