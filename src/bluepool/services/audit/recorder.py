"""Events into audit entries: the handler registered (in ``bootstrap``) within every
transaction, for every event, so an entry commits with what it records or not at all.

Access facts (sign-in, failed sign-in, sign-out, refused write, read across agencies)
have their own kinds; every other event is a change, kept with its payload (personal data
redacted).
"""

from __future__ import annotations

from typing import Any

from bluepool.domain.access.events import (
    RecordsRead,
    SignedIn,
    SignedOut,
    SignInFailed,
    WriteRefused,
)
from bluepool.domain.aid.events import MutualAidChanged
from bluepool.domain.audit.entries import AuditDraft, Kind
from bluepool.domain.shared.events import Event, RecordChanged
from bluepool.domain.shared.personal import redact
from bluepool.services.plain import plain
from bluepool.services.ports import UnitOfWork

_SIGNING = {SignedIn: Kind.SIGN_IN, SignInFailed: Kind.SIGN_IN_FAILED, SignedOut: Kind.SIGN_OUT}


def draft(event: Event) -> AuditDraft:
    """The audit entry for ``event`` (before it is chained)."""
    if isinstance(event, SignedIn | SignInFailed | SignedOut):
        where = {"address": event.address} if event.address else {}
        return AuditDraft(event.at, event.actor, _SIGNING[type(event)], event.type, data=where)
    if isinstance(event, WriteRefused):
        return AuditDraft(
            event.at,
            event.actor,
            Kind.REFUSED,
            event.action,
            data={"rule": event.rule, "detail": event.detail},
        )
    if isinstance(event, RecordsRead):
        subject = f"{event.entity}/{event.ids[0]}" if len(event.ids) == 1 else None
        return AuditDraft(
            event.at,
            event.actor,
            Kind.READ,
            event.action,
            agency=event.agency,
            subject=subject,
            data={"entity": event.entity, "ids": list(event.ids)},
        )
    # Personal data (a caller's name and number) is kept out of the log for good: the
    # entry says a value was there, never what it was (domain.shared.personal).
    data: dict[str, Any] = redact(plain(event))
    del data["at"], data["actor"]
    return AuditDraft(
        event.at,
        event.actor,
        Kind.CHANGE,
        event.type,
        agency=_agency(event),
        subject=_subject(event),
        data=data,
    )


def record(uow: UnitOfWork, event: Event) -> None:
    """Append ``event``'s entry to the audit log, in the event's transaction."""
    uow.audit.append(draft(event))


def _subject(event: Event) -> str | None:
    if isinstance(event, MutualAidChanged):
        return f"mutual_aid_request/{event.request.id}"
    if isinstance(event, RecordChanged):
        return f"{event.entity}/{event.id}"
    for name in ("incident", "unit"):
        record = getattr(event, name, None)
        if record is not None:
            return f"{name}/{record.id}"
    return None


def _agency(event: Event) -> str | None:
    """The agency whose record it is (an incident belongs to its jurisdiction, not an
    agency: None; a mutual-aid request is its requesting agency's)."""
    if isinstance(event, MutualAidChanged):
        return event.request.requesting_agency
    if isinstance(event, RecordChanged):
        if event.entity == "agency":
            return event.id
        record = getattr(event, event.entity, None)
    else:
        record = getattr(event, "unit", None)
    agency = getattr(record, "agency", None)
    return str(agency) if agency is not None else None
