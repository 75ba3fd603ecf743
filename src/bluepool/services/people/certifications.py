"""Certifications granted to the agencies' people, and their renewals
(``domain.people.certifications``; docs/people.md). A renewal issues a new grant and marks
the old one superseded by it: both stay."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from bluepool.domain.access.roles import User
from bluepool.domain.people.certifications import Grant, GrantId
from bluepool.domain.people.events import CertificationChanged
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import AgencyId
from bluepool.services.audit import reads
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.lookup import not_found
from bluepool.services.people import policy
from bluepool.services.people.personnel import person_of
from bluepool.services.ports import UnitOfWork


@refusal_recorded
def list_certifications(
    ctx: Context, user: User, person: str | None = None, valid_at: datetime | None = None
) -> tuple[Grant, ...]:
    """The grants ``user`` may read (of ``person``; valid at ``valid_at``), by id."""
    scope = policy.read(user, "certifications")
    with ctx.reader() as uow:
        people = {
            p.id: p
            for p in uow.personnel.find()
            if scope.sees(p.agency_id, p.username) and (person is None or p.id == person)
        }
        found = uow.certifications.of_people(people)
    shown = tuple(g for g in found if valid_at is None or g.valid_at(valid_at))
    reads.note(
        ctx,
        user,
        "list_certifications",
        "certification",
        ((g.id, people[g.person_id].agency_id) for g in shown),
    )
    return shown


@refusal_recorded
def grant_certification(
    ctx: Context,
    user: User,
    person_id: str,
    kind: str,
    issued_on: date,
    valid_days: int | None = None,
    expires_on: date | None = None,
) -> Grant:
    """Certify a person (their agency's admin) for ``kind`` from ``issued_on``, under an
    expiry rule: ``valid_days``, ``expires_on``, or neither (it never expires)."""
    with ctx.uow() as uow:
        person = person_of(uow, person_id)
        policy.keep(user, person.agency_id)
        grant = Grant.issue(
            uuid.uuid4().hex[:12], person.id, kind, issued_on, user.username, valid_days, expires_on
        )
        uow.certifications.add(grant)
        _changed(ctx, uow, user, grant, Action.CREATED, person.agency_id)
        uow.commit()
    return grant


@refusal_recorded
def renew_certification(
    ctx: Context,
    user: User,
    grant_id: str,
    issued_on: date,
    valid_days: int | None = None,
    expires_on: date | None = None,
) -> Grant:
    """Renew a grant: a new grant of the same kind to the same person, the old one kept
    and marked superseded by it; Conflict when it was renewed already."""
    with ctx.uow() as uow:
        old = uow.certifications.get(GrantId(grant_id))
        if old is None:
            raise not_found("certification", grant_id)
        person = person_of(uow, old.person_id)
        policy.keep(user, person.agency_id)
        new = Grant.issue(
            uuid.uuid4().hex[:12],
            old.person_id,
            old.kind,
            issued_on,
            user.username,
            valid_days,
            expires_on,
        )
        kept = old.renewed_by(new)
        uow.certifications.update(kept)
        uow.certifications.add(new)
        _changed(ctx, uow, user, kept, Action.UPDATED, person.agency_id)
        _changed(ctx, uow, user, new, Action.CREATED, person.agency_id)
        uow.commit()
    return new


def _changed(
    ctx: Context, uow: UnitOfWork, user: User, grant: Grant, action: Action, agency: AgencyId
) -> None:
    uow.raise_event(
        CertificationChanged(ctx.clock.now(), user.username, action, grant.id, grant, agency)
    )
