"""Equipment loans: checked out to an agency or an incident, checked back in with its
condition, overdue alerts (``domain.resources.loans``; docs/resources.md).

A loan across agencies is allowed only by an agreement in force now whose clause covers
the equipment's type; the loan keeps the agreement and clause, the lender and the
borrower, so the ledger prices it by the day from its ``loan.returned`` event.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.incidents import OPEN
from bluepool.domain.resources.events import LoanOut, LoanOverdue, LoanReturned, ResourceChanged
from bluepool.domain.resources.loans import (
    IncidentFacts,
    Loan,
    LoanId,
    check_checkout,
    check_loanable,
    condition_after_return,
    covering_clause,
)
from bluepool.domain.resources.records import LoanRecord
from bluepool.domain.resources.resources import Condition, ResourceId
from bluepool.domain.shared.errors import Conflict, Invalid, PolicyForbids
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import AgencyId, IncidentId
from bluepool.domain.sharing.agreements import COLLECTIVE
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.lookup import agency_exists, not_found
from bluepool.services.ports import LoanFilter, UnitOfWork
from bluepool.services.resources import policy
from bluepool.services.resources.catalogue import found, record_of, type_of


def list_loans(
    ctx: Context,
    user: User,
    open: bool | None = None,
    overdue: bool | None = None,
    agency: str | None = None,
    resource: str | None = None,
) -> tuple[LoanRecord, ...]:
    """The loans (open or returned; overdue now or not; lent by or to ``agency``; of
    ``resource``), newest first."""
    policy.read(user)
    now = ctx.clock.now()
    where = LoanFilter(
        resource=ResourceId(resource) if resource else None,
        open=open,
        agency=AgencyId(agency) if agency else None,
    )
    with ctx.reader() as uow:
        loans = uow.loans.find(where)
    return tuple(
        LoanRecord.of(loan, now)
        for loan in loans
        if overdue is None or loan.overdue_at(now) == overdue
    )


def get_loan(ctx: Context, user: User, loan_id: str) -> LoanRecord:
    policy.read(user)
    with ctx.reader() as uow:
        loan = _found(uow, loan_id)
    return LoanRecord.of(loan, ctx.clock.now())


@refusal_recorded
def check_out(
    ctx: Context,
    user: User,
    resource_id: str,
    due_at: datetime,
    agency: str | None = None,
    incident: str | None = None,
    notes: str = "",
) -> LoanRecord:
    """Lend a piece of equipment from now until ``due_at``: to ``agency``, or to
    ``incident`` (then the borrower is the agency that answers for its jurisdiction).
    Refused when it is out already, not serviceable, outside its availability windows,
    for longer than allowed, or across agencies with no agreement covering it."""
    with ctx.uow() as uow:
        record = lend_in(ctx, uow, user, resource_id, due_at, agency, incident, notes)
        uow.commit()
    return record


def lend_in(
    ctx: Context,
    uow: UnitOfWork,
    user: User,
    resource_id: str,
    due_at: datetime,
    agency: str | None = None,
    incident: str | None = None,
    notes: str = "",
) -> LoanRecord:
    """``check_out``'s body, in a transaction the caller commits (mutual aid sends
    equipment to an incident with its fulfilment)."""
    if (agency is None) == (incident is None):
        raise Invalid("a loan goes to an agency or to an incident: name one", code="no_borrower")
    now = ctx.clock.now()
    resource = found(uow, resource_id)
    rtype = type_of(uow, resource.type)
    check_loanable(resource, rtype)
    policy.lend(user, resource.owner, to_incident=incident is not None)
    borrower, facts = _borrower(uow, agency, incident)
    if borrower == resource.owner and incident is None:
        raise Invalid(
            f"resource {resource.id} is {borrower}'s own: a loan goes to another agency "
            "or to an incident",
            code="own_agency",
        )
    agreement, clause, max_hours = None, None, None
    if borrower != resource.owner:
        cover = covering_clause(
            uow.agreements.list(), resource.owner, borrower, resource.type, now, facts
        )
        if cover is None:
            raise PolicyForbids(
                f"no agreement in force lets {resource.owner} lend {rtype.name} "
                f"({resource.type}) to {borrower}"
                + (f" for incident {incident}" if incident else ""),
                code="no_agreement",
            )
        agreement, clause = cover[0].id, cover[1]
        max_hours = cover[0].clauses[clause - 1].max_loan_hours
    open_loans = uow.loans.find(LoanFilter(resource=resource.id, open=True))
    check_checkout(resource, rtype, open_loans, now, due_at, max_hours)
    loan = Loan(
        LoanId(f"loan-{uuid.uuid4().hex[:12]}"),
        resource.id,
        resource.type,
        resource.owner,
        borrower,
        now,
        due_at,
        resource.condition,
        incident=IncidentId(incident) if incident else None,
        agreement=agreement,
        clause=clause,
        out_by=user.username,
        notes=notes,
    )
    uow.loans.add(loan)
    record = LoanRecord.of(loan, now)
    uow.raise_event(LoanOut(now, user.username, record))
    uow.commit()
    return record


@refusal_recorded
def return_loan(
    ctx: Context, user: User, loan_id: str, condition: Condition, notes: str = ""
) -> LoanRecord:
    """Check a loan back in, in ``condition``: an item back in bad condition needs repair
    (or is out of service) until its owner says otherwise."""
    with ctx.uow() as uow:
        record = take_back_in(ctx, uow, user, loan_id, condition, notes)
        uow.commit()
    return record


def take_back_in(
    ctx: Context, uow: UnitOfWork, user: User, loan_id: str, condition: Condition, notes: str = ""
) -> LoanRecord:
    """``return_loan``'s body, in a transaction the caller commits."""
    now = ctx.clock.now()
    loan = _found(uow, loan_id)
    policy.take_back(user, loan)
    back = loan.returned(now, condition, user.username, notes)
    uow.loans.update(back)
    record = LoanRecord.of(back, now)
    uow.raise_event(LoanReturned(now, user.username, record))
    resource = found(uow, loan.resource)
    after = condition_after_return(resource, condition)
    if after is not resource.condition:
        changed = resource.changed(condition=after)
        uow.resources.update(changed)
        item = record_of(uow, changed, now)
        uow.raise_event(ResourceChanged(now, user.username, Action.UPDATED, changed.id, item))
    return record


def open_loan_of(uow: UnitOfWork, resource_id: ResourceId) -> Loan | None:
    """The loan an item is out on now, if any."""
    found_ = uow.loans.find(LoanFilter(resource=resource_id, open=True))
    return found_[0] if found_ else None


@refusal_recorded
def notice_overdue(ctx: Context, user: User) -> tuple[LoanRecord, ...]:
    """Raise ``loan.overdue`` for each open loan past due not noticed before (once a
    loan); return those loans. Run it periodically (``bluepool resources overdue``)."""
    policy.notice_overdue(user)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        late = [
            loan.noticed_overdue(now)
            for loan in uow.loans.find(LoanFilter(overdue_at=now))
            if loan.overdue_noticed_at is None
        ]
        records = tuple(LoanRecord.of(loan, now) for loan in late)
        for loan, record in zip(late, records, strict=True):
            uow.loans.update(loan)
            uow.raise_event(LoanOverdue(now, user.username, record))
        if late:
            uow.commit()
    return records


def _found(uow: UnitOfWork, loan_id: str) -> Loan:
    loan = uow.loans.get(LoanId(loan_id))
    if loan is None:
        raise not_found("loan", loan_id)
    return loan


def _borrower(
    uow: UnitOfWork, agency: str | None, incident: str | None
) -> tuple[AgencyId, IncidentFacts | None]:
    """Who borrows: the agency named, or the one answering for the incident's jurisdiction
    (the collective, for an incident outside every jurisdiction)."""
    if agency is not None:
        agency_exists(uow, agency)
        return AgencyId(agency), None
    found_incident = uow.incidents.get(IncidentId(str(incident)))
    if found_incident is None:
        raise not_found("incident", str(incident))
    if found_incident.status not in OPEN:
        raise Conflict(
            f"incident {incident} is {found_incident.status.value}: equipment goes out to an "
            "open incident",
            code="incident_closed",
        )
    jurisdiction = found_incident.jurisdiction_id
    owner = uow.jurisdictions.owners().get(jurisdiction) if jurisdiction else None
    facts = IncidentFacts(jurisdiction, found_incident.call_type, found_incident.priority)
    return owner or COLLECTIVE, facts
