"""The change log: who changed what, when, as a handler of the domain events.

Registered in ``bootstrap`` to run inside each transaction, so a change and its line in the
log commit together or not at all. ``entry`` says, for each kind of event, what the log
keeps; events that only follow from another (an incident following its units, units freed
by a closed call) add nothing of their own. Positions are not changes: they are kept in
the position history (``uow.positions``), not here (decision 0011).
"""

from __future__ import annotations

from typing import Any

from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.events import (
    IncidentClosed,
    IncidentEdited,
    IncidentNoted,
    IncidentReceived,
    TimerAcknowledged,
    UnitAssigned,
    UnitRecalled,
    UnitStatusChanged,
)
from bluepool.domain.resources.events import LOAN_VERBS, LoanOut, LoanOverdue, LoanReturned
from bluepool.domain.shared.events import Action, Event, RecordChanged
from bluepool.domain.shared.personal import redact
from bluepool.services.access import policy
from bluepool.services.context import Context
from bluepool.services.plain import plain
from bluepool.services.ports import ChangePage, ChangeRecord, Page, UnitOfWork

_VERB = {Action.CREATED: "create", Action.UPDATED: "update", Action.DELETED: "delete"}


def entry(event: Event) -> ChangeRecord | None:
    """The change log's line for ``event`` (None: nothing to log)."""
    if isinstance(event, RecordChanged):
        record = getattr(event, event.entity, None)
        # Personal fields (a person's name) stay out of the log: it says they were set.
        data: dict[str, Any] = redact(plain(record)) if record is not None else {}
        return ChangeRecord(
            event.at, event.actor, _VERB[event.action], event.entity, event.id, data
        )
    if isinstance(event, LoanOut | LoanReturned | LoanOverdue):
        verb = LOAN_VERBS[type(event)]
        return ChangeRecord(event.at, event.actor, verb, "loan", event.loan.id, plain(event.loan))
    if isinstance(event, UnitStatusChanged):
        u = event.unit
        at = u.status_at.isoformat() if u.status_at else None
        status: dict[str, Any] = {"status": u.status.value, "at": at}
        if u.status_reason:
            status["reason"] = u.status_reason
        return ChangeRecord(event.at, event.actor, "status", "unit", u.id, status)
    if isinstance(event, IncidentReceived):
        i = event.incident
        brief = {
            "call_type": i.call_type,
            "priority": i.priority,
            "location": plain(i.location),
            "jurisdiction": i.jurisdiction,
        }
        return ChangeRecord(event.at, event.actor, "create", "incident", i.id, brief)
    if isinstance(event, UnitAssigned):
        data = {"unit_id": event.unit.id, "eta_seconds": event.eta_seconds}
        if event.override is not None:
            data["override"] = plain(event.override)
        if event.diverted_from is not None:
            data["diverted_from"] = event.diverted_from
        return ChangeRecord(event.at, event.actor, "assign", "incident", event.incident.id, data)
    if isinstance(event, UnitRecalled):
        data = {"unit_id": event.unit.id, "reason": event.reason}
        if event.diverted_to is not None:
            data["diverted_to"] = event.diverted_to
        return ChangeRecord(event.at, event.actor, "recall", "incident", event.incident.id, data)
    if isinstance(event, TimerAcknowledged):
        data = {"timer": event.timer, "unit_id": event.unit_id}
        return ChangeRecord(
            event.at, event.actor, "acknowledge", "incident", event.incident.id, data
        )
    if isinstance(event, IncidentClosed):
        i = event.incident
        closed = {"disposition": i.disposition, "report_number": i.report_number}
        return ChangeRecord(event.at, event.actor, "close", "incident", i.id, closed)
    if isinstance(event, IncidentEdited):
        # The names of what changed, never the values (a caller's number is personal).
        edited = {"fields": list(event.fields)}
        return ChangeRecord(event.at, event.actor, "edit", "incident", event.incident.id, edited)
    if isinstance(event, IncidentNoted):
        return ChangeRecord(event.at, event.actor, "note", "incident", event.incident.id)
    return None


def record(uow: UnitOfWork, event: Event) -> None:
    """Add ``event``'s line to the change log, in the event's transaction."""
    line = entry(event)
    if line is not None:
        uow.changes.add(line)


def changes(
    ctx: Context, user: User, entity: str | None, entity_id: str | None, page: Page
) -> ChangePage:
    """The change log, newest first."""
    policy.read_change_log(user)
    with ctx.reader() as uow:
        found, total = uow.changes.find(entity, entity_id, page)
        return ChangePage(tuple(found), total, page.limit, page.offset)
