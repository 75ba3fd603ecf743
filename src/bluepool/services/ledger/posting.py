"""Posting: every cross-agency use priced and posted once, from the dispatch timeline.

``on_incident_closed`` runs inside the transaction that closes an incident (registered in
``bootstrap``): the incident's lent assignments become usages (``domain.ledger.timeline``),
priced at their clause's rates and posted with the close, or not at all; ``on_loan_returned``
likewise posts a piece of equipment back from a loan under an agreement, by the day.
``post_usages`` is the one way in for any usage. Each usage is
posted under its source key at most once, so replaying the closes (``replay``) posts
nothing twice. A usage dated in a closed month goes to the next open one (decision 0025).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.events import IncidentClosed, IncidentUpdated
from bluepool.domain.dispatch.incidents import Incident, IncidentStatus
from bluepool.domain.ledger import pricing
from bluepool.domain.ledger.entries import Transaction
from bluepool.domain.ledger.events import LedgerPosted
from bluepool.domain.ledger.periods import posting_period
from bluepool.domain.ledger.pricing import PricedUsage, Usage, rate_words
from bluepool.domain.ledger.records import EntryRecord
from bluepool.domain.ledger.timeline import usages_of
from bluepool.domain.resources.events import LoanReturned
from bluepool.domain.resources.records import LoanRecord
from bluepool.domain.shared.ids import IncidentId
from bluepool.domain.sharing.agreements import Agreement, AgreementId, Rates
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.ledger import policy
from bluepool.services.ports import IncidentFilter, LoanFilter, Page, UnitOfWork

log = logging.getLogger(__name__)

#: Incidents a replay reads at a time.
REPLAY_PAGE = 500


def post_usages(
    uow: UnitOfWork,
    usages: Sequence[tuple[Usage, Rates]],
    at: datetime,
    actor: str,
    incident: str = "",
) -> list[Transaction]:
    """Price each usage at its rates and post it, in ``uow``'s transaction, unless its
    source key is posted already; raise one ``LedgerPosted`` for what was written. A usage
    that costs nothing posts nothing. Returns the transactions written."""
    if not usages:
        return []
    closed = uow.ledger.closed()
    items: list[tuple[Transaction, PricedUsage | None]] = []
    for usage, rates in usages:
        price = pricing.price(usage, rates)
        tx = pricing.post(usage, price)
        if tx is None:
            continue
        period = posting_period(tx.period, closed)
        if period != tx.period:
            tx = dataclasses.replace(tx, period=period)
        items.append((tx, PricedUsage(usage, price, rate_words(usage, rates))))
    written = set(uow.ledger.post(items))
    # The ledger wrote the first of each source key: so say the same.
    firsts = {tx.source_key: tx for tx, _ in reversed(items)}
    posted = [tx for key, tx in reversed(firsts.items()) if key in written]
    if posted:
        entries = tuple(EntryRecord.of(tx) for tx in posted)
        parties = tuple(dict.fromkeys(p for e in entries for p in e.parties))
        uow.raise_event(LedgerPosted(at, actor, entries, parties, incident))
    return posted


def agreement_at(uow: UnitOfWork, agreement_id: str, at: datetime) -> Agreement | None:
    """The version of an agreement kept at ``at`` (the latest before it; the first one
    for a time before any was kept)."""
    versions = uow.agreements.versions(AgreementId(agreement_id))
    if not versions:
        return None
    kept = [v for v in versions if v.changed_at <= at]
    return (kept[-1] if kept else versions[0]).agreement


def post_incident(
    uow: UnitOfWork, incident: Incident, at: datetime, actor: str
) -> list[Transaction]:
    """Post the cross-agency costs of a closed incident (nothing for one still open)."""
    if incident.is_open or not any(a.lent for a in incident.assignments):
        return []
    agreements = {}
    for a in incident.assignments:
        if a.lent and AgreementId(a.agreement) not in agreements:
            found = agreement_at(uow, a.agreement, a.assigned_at)
            if found is not None:
                agreements[found.id] = found
    units = uow.units.get_many({a.unit_id for a in incident.assignments if a.lent})
    owners = uow.jurisdictions.owners()
    now = incident.closed_at or at
    usages, unpriced = usages_of(incident, agreements, units, owners, now)
    for u in unpriced:
        log.warning("ledger: %s not priced: %s", u.source_key, u.reason)
    return post_usages(uow, usages, at, actor, incident.id)


def on_incident_closed(uow: UnitOfWork, event: IncidentClosed | IncidentUpdated) -> None:
    """The in-transaction handler: a closed incident's lent units are charged with the
    close (by dispatch, or by its last unit's clear). Costs nothing for an incident no
    other agency's unit served."""
    record = event.incident
    if record.status is not IncidentStatus.CLOSED or not any(
        a.agreement for a in record.assignments
    ):
        return
    incident = uow.incidents.get(record.id)
    if incident is not None:
        post_incident(uow, incident, event.at, event.actor)


def usage_of_loan(uow: UnitOfWork, loan: LoanRecord) -> tuple[Usage, Rates] | None:
    """A returned loan of equipment under an agreement as a usage, priced by the days it
    was out at its clause's daily rate (None: an own use, or not back yet)."""
    if loan.agreement is None or loan.clause is None or loan.returned_at is None:
        return None
    if loan.lender == loan.borrower:
        return None
    agreement = agreement_at(uow, loan.agreement, loan.out_at)
    if agreement is None or not 1 <= loan.clause <= len(agreement.clauses):
        log.warning("ledger: loan %s not priced: its agreement clause is gone", loan.id)
        return None
    usage = Usage(
        f"loan:{loan.id}",
        loan.incident or IncidentId(""),
        loan.resource,
        loan.resource_type,
        loan.lender,
        loan.borrower,
        agreement.id,
        loan.clause,
        loan.out_at,
        loan.returned_at,
        equipment=True,
    )
    return usage, agreement.clauses[loan.clause - 1].rates


def on_loan_returned(uow: UnitOfWork, event: LoanReturned) -> None:
    """The in-transaction handler: equipment back from a loan under an agreement is
    charged by the day with its return, or not at all."""
    priced = usage_of_loan(uow, event.loan)
    if priced is not None:
        post_usages(uow, [priced], event.at, event.actor, event.loan.incident or "")


@refusal_recorded
def replay(ctx: Context, user: User) -> int:
    """Derive the usages of every closed incident again and post them: what was posted is
    not posted again. Returns how many transactions were written (0 on a second run)."""
    policy.keep(user)
    now = ctx.clock.now()
    written = _replay_loans(ctx, now, user.username)
    offset = 0
    while True:
        with ctx.reader() as uow:
            page, _ = uow.incidents.find(
                IncidentFilter(status=IncidentStatus.CLOSED), Page(REPLAY_PAGE, offset)
            )
        if not page:
            return written
        offset += len(page)
        lent = [i.id for i in page if any(a.lent for a in i.assignments)]
        for incident_id in lent:
            written += _replay_one(ctx, incident_id, now, user.username)


def _replay_loans(ctx: Context, now: datetime, actor: str) -> int:
    with ctx.uow() as uow:
        returned = uow.loans.find(LoanFilter(open=False))
        usages = [u for loan in returned if (u := usage_of_loan(uow, LoanRecord.of(loan, now)))]
        posted = post_usages(uow, usages, now, actor)
        if posted:
            uow.commit()
        return len(posted)


def _replay_one(ctx: Context, incident_id: IncidentId, now: datetime, actor: str) -> int:
    with ctx.uow() as uow:
        incident = uow.incidents.get(incident_id)
        if incident is None:
            return 0
        posted = post_incident(uow, incident, now, actor)
        if posted:
            uow.commit()
        return len(posted)
