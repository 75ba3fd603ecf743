"""Sharing agreements: drafted, proposed, signed by each party, terminated; every version
kept (``domain.sharing.agreements``; docs/agreements.md).

Each change is a new version, written with an ``agreement`` event (the change log, the
audit log, the live stream; the cached standing facts of dispatch are read again). What
the file or the API cannot check alone is checked here, against the collective: that the
parties are agencies (or the collective), and that the clauses' jurisdictions and call
types exist.
"""

from __future__ import annotations

from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.shared.errors import ConcurrentUpdate, Duplicate, Invalid
from bluepool.domain.shared.events import Action
from bluepool.domain.sharing.agreements import COLLECTIVE, Agreement, AgreementId, State
from bluepool.domain.sharing.events import AgreementChanged
from bluepool.domain.sharing.records import AgreementRecord, AgreementVersionRecord
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.lookup import not_found
from bluepool.services.ports import UnitOfWork
from bluepool.services.sharing import policy


def list_agreements(
    ctx: Context,
    user: User,
    party: str | None = None,
    state: State | None = None,
) -> tuple[AgreementRecord, ...]:
    """Every agreement (of ``party``, in ``state`` now), by id."""
    policy.read(user)
    now = ctx.clock.now()
    with ctx.reader() as uow:
        agreements = uow.agreements.list()
    records = (AgreementRecord.of(a, now) for a in agreements)
    return tuple(
        r
        for r in records
        if (party is None or party in r.parties) and (state is None or r.state is state)
    )


def get_agreement(ctx: Context, user: User, agreement_id: str) -> AgreementRecord:
    policy.read(user)
    with ctx.reader() as uow:
        agreement = _found(uow, agreement_id)
    return AgreementRecord.of(agreement, ctx.clock.now())


def agreement_versions(
    ctx: Context, user: User, agreement_id: str
) -> tuple[AgreementVersionRecord, ...]:
    """Every version of an agreement, oldest first: who made each, and when."""
    policy.read(user)
    with ctx.reader() as uow:
        versions = uow.agreements.versions(AgreementId(agreement_id))
    if not versions:
        raise not_found("agreement", agreement_id)
    return tuple(
        AgreementVersionRecord(
            v.agreement.version,
            v.changed_at,
            v.changed_by,
            AgreementRecord.of(v.agreement, v.changed_at),
        )
        for v in versions
    )


@refusal_recorded
def draft_agreement(
    ctx: Context, user: User, draft: Agreement, propose: bool = False
) -> AgreementRecord:
    """Keep a new agreement as a draft (or, with ``propose``, proposed to the parties at
    once); an admin of one of its parties drafts it."""
    policy.act_for_a_party(user, draft.parties)
    with ctx.uow() as uow:
        if uow.agreements.get(draft.id) is not None:
            raise Duplicate(f"agreement {draft.id} already exists", code="agreement_exists")
        _check_references(uow, draft)
        if propose:  # the draft is kept as its first version, the proposal as the second
            uow.agreements.add(draft, user.username, ctx.clock.now())
            return _keep(ctx, uow, user, draft.propose(), Action.CREATED, stored=True)
        return _keep(ctx, uow, user, draft, Action.CREATED)


@refusal_recorded
def amend_agreement(
    ctx: Context, user: User, agreement_id: str, version: int, terms: Agreement
) -> AgreementRecord:
    """New terms for a draft or a proposal (back to draft, signatures dropped).
    ``version`` is the version the terms were written against: an agreement moved on since
    is a conflict, not overwritten."""
    with ctx.uow() as uow:
        current = _current(uow, agreement_id, version)
        policy.act_for_a_party(user, current.parties)
        policy.act_for_a_party(user, terms.parties)
        amended = current.amend(
            title=terms.title,
            parties=terms.parties,
            clauses=terms.clauses,
            valid_from=terms.valid_from,
            valid_until=terms.valid_until,
        )
        _check_references(uow, amended)
        return _keep(ctx, uow, user, amended)


@refusal_recorded
def propose_agreement(
    ctx: Context, user: User, agreement_id: str, version: int | None = None
) -> AgreementRecord:
    """Put a draft to the parties for signature."""
    with ctx.uow() as uow:
        current = _current(uow, agreement_id, version)
        policy.act_for_a_party(user, current.parties)
        return _keep(ctx, uow, user, current.propose())


@refusal_recorded
def sign_agreement(
    ctx: Context, user: User, agreement_id: str, version: int | None = None
) -> AgreementRecord:
    """Sign a proposal for the party the user administers (an agency admin for their
    agency, a collective admin for the collective); the last party's signature makes it
    signed, and it lends from its first day."""
    with ctx.uow() as uow:
        current = _current(uow, agreement_id, version)
        party = policy.signing_party(user, current)
        return _keep(ctx, uow, user, current.sign(party, user.username, ctx.clock.now()))


@refusal_recorded
def terminate_agreement(
    ctx: Context, user: User, agreement_id: str, reason: str, version: int | None = None
) -> AgreementRecord:
    """End an agreement now, with a reason (a draft or a proposal is withdrawn). From now on
    it lends to no incident, also to those taken before."""
    with ctx.uow() as uow:
        current = _current(uow, agreement_id, version)
        policy.act_for_a_party(user, current.parties)
        return _keep(ctx, uow, user, current.terminate(ctx.clock.now(), reason))


# -- helpers --------------------------------------------------------------------------


def _found(uow: UnitOfWork, agreement_id: str) -> Agreement:
    agreement = uow.agreements.get(AgreementId(agreement_id))
    if agreement is None:
        raise not_found("agreement", agreement_id)
    return agreement


def _current(uow: UnitOfWork, agreement_id: str, version: int | None) -> Agreement:
    """The agreement, checked to be at ``version`` when the caller gives one."""
    agreement = _found(uow, agreement_id)
    if version is not None and version != agreement.version:
        raise ConcurrentUpdate(
            f"agreement {agreement.id} is at version {agreement.version}, not {version}: "
            "reload it and try again",
            code="stale_version",
        )
    return agreement


def _check_references(uow: UnitOfWork, agreement: Agreement) -> None:
    agencies = {a.id for a in uow.agencies.list()}
    for n, party in enumerate(agreement.parties):
        if party != COLLECTIVE and party not in agencies:
            raise Invalid(f"parties[{n}]: no agency {party}", code="unknown_agency")
    known = {j.id for j in uow.jurisdictions.list()}
    codes = {c.code for c in uow.call_types.list()}
    for n, clause in enumerate(agreement.clauses, start=1):
        bad = (clause.jurisdictions or frozenset()) - known
        if bad:
            raise Invalid(
                f"clause {n}: no jurisdiction {', '.join(sorted(bad))}",
                code="unknown_jurisdiction",
            )
        unknown = (clause.call_types or frozenset()) - codes
        if unknown:
            raise Invalid(
                f"clause {n}: no call type {', '.join(sorted(unknown))}",
                code="unknown_call_type",
            )


def _keep(
    ctx: Context,
    uow: UnitOfWork,
    user: User,
    agreement: Agreement,
    action: Action = Action.UPDATED,
    stored: bool = False,
) -> AgreementRecord:
    """Keep the agreement's next version (its first, for a new one unless ``stored``),
    raise its event and commit."""
    now: datetime = ctx.clock.now()
    if action is Action.CREATED and not stored:
        uow.agreements.add(agreement, user.username, now)
    else:
        uow.agreements.update(agreement, user.username, now)
    record = AgreementRecord.of(agreement, now)
    uow.raise_event(AgreementChanged(now, user.username, action, agreement.id, record))
    uow.commit()
    return record
