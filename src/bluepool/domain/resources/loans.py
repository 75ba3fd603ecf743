"""Equipment loans: checked out to an agency or an incident, due back, checked back in.

A loan lends one piece of equipment (a resource of an equipment type) from its owner (the
*lender*) to a *borrower*: the agency it is lent to, or, for an incident, the agency that
answers for the incident's jurisdiction (``COLLECTIVE`` for an incident outside every
jurisdiction). A loan across agencies needs an agreement in force whose clause covers the
equipment's type (``covering_clause``); the loan keeps the agreement and the clause, so the
ledger prices it by the day at that clause's rate.

Rules (``check_checkout``): an item is never out twice at once, is lent only when
serviceable, only inside one of its availability windows, and never for longer than the
clause allows nor ``MAX_LOAN_DAYS``. A loan is *overdue* when it is open and its due time
has passed; ``overdue_noticed_at`` says when that was first noticed (one ``loan.overdue``
event a loan).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import NewType

from bluepool.domain.resources.catalogue import ResourceType
from bluepool.domain.resources.resources import MAX_NOTES, Condition, Resource, ResourceId
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, IncidentId, JurisdictionId
from bluepool.domain.sharing.agreements import COLLECTIVE, Agreement, AgreementId, Clause

LoanId = NewType("LoanId", str)

#: The longest any loan may last, whatever an agreement says.
MAX_LOAN_DAYS = 90


@dataclass(frozen=True, slots=True)
class Loan:
    id: LoanId
    resource: ResourceId
    #: The resource's type when it went out (the ledger's daily rate is by type).
    resource_type: str
    #: The owner agency that lends it.
    lender: AgencyId
    #: The agency it is lent to (for an incident: the incident's jurisdiction's agency).
    borrower: AgencyId
    out_at: datetime
    due_at: datetime
    condition_out: Condition
    #: The incident it went out for (None: lent to the borrower agency itself).
    incident: IncidentId | None = None
    #: The agreement and clause (numbered from 1) that allow it (None: the owner's own use).
    agreement: AgreementId | None = None
    clause: int | None = None
    out_by: str = ""
    notes: str = ""
    returned_at: datetime | None = None
    condition_in: Condition | None = None
    returned_by: str = ""
    return_notes: str = ""
    overdue_noticed_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.due_at <= self.out_at:
            raise Invalid(
                f"a loan must be due after it goes out: {self.due_at.isoformat()} is not after "
                f"{self.out_at.isoformat()}",
                code="bad_dates",
            )
        if self.returned_at is not None and self.returned_at < self.out_at:
            raise Invalid("a loan cannot come back before it went out", code="bad_dates")
        if (self.agreement is None) != (self.clause is None):
            raise Invalid("a loan names both an agreement and its clause, or neither")
        for text in (self.notes, self.return_notes):
            if len(text) > MAX_NOTES:
                raise Invalid(f"loan notes are at most {MAX_NOTES} characters")

    @property
    def is_open(self) -> bool:
        return self.returned_at is None

    def overdue_at(self, now: datetime) -> bool:
        return self.is_open and now > self.due_at

    def returned(self, at: datetime, condition: Condition, by: str, notes: str = "") -> Loan:
        """The loan checked back in at ``at``, in ``condition``."""
        if self.returned_at is not None:
            raise Conflict(
                f"loan {self.id} was already returned at {self.returned_at.isoformat()}",
                code="already_returned",
            )
        if at < self.out_at:
            raise Invalid("a loan cannot come back before it went out", code="bad_dates")
        return replace(
            self, returned_at=at, condition_in=condition, returned_by=by, return_notes=notes
        )

    def noticed_overdue(self, at: datetime) -> Loan:
        return replace(self, overdue_noticed_at=at)


def condition_after_return(resource: Resource, condition_in: Condition) -> Condition:
    """What the resource is once back: serviceable only if it came back serviceable; a
    returned item in bad condition needs repair (or is out of service, if it came back so)."""
    if condition_in is Condition.SERVICEABLE:
        return resource.condition
    return condition_in


def check_loanable(resource: Resource, rtype: ResourceType) -> None:
    """Only equipment is checked out; a typed unit is lent through dispatch."""
    if not rtype.loanable:
        raise Invalid(
            f"resource {resource.id} is a {rtype.name} ({rtype.kind.value}): units are lent "
            "through dispatch, only equipment is checked out",
            code="not_loanable",
        )


def check_checkout(
    resource: Resource,
    rtype: ResourceType,
    open_loans: Iterable[Loan],
    out_at: datetime,
    due_at: datetime,
    max_hours: int | None = None,
) -> None:
    """Refuse a loan of ``resource`` from ``out_at`` to ``due_at`` that breaks a rule;
    ``open_loans`` are the loans not returned yet (of any resource); ``max_hours`` the
    covering clause's limit."""
    check_loanable(resource, rtype)
    out = next((loan for loan in open_loans if loan.resource == resource.id), None)
    if out is not None:
        raise Conflict(
            f"resource {resource.id} is already out on loan {out.id} to {out.borrower} "
            f"(due {out.due_at.isoformat()})",
            code="on_loan",
        )
    if resource.condition is not Condition.SERVICEABLE:
        raise Conflict(
            f"resource {resource.id} is {resource.condition.value.replace('_', ' ')}: only "
            "serviceable equipment is lent",
            code="not_serviceable",
        )
    if due_at <= out_at:
        raise Invalid(
            f"due_at ({due_at.isoformat()}) must be after the loan goes out ({out_at.isoformat()})",
            code="bad_dates",
        )
    if not resource.lendable_between(out_at, due_at):
        raise Conflict(
            f"resource {resource.id} is not available from {out_at.isoformat()} to "
            f"{due_at.isoformat()}: no availability window holds that time",
            code="outside_window",
        )
    limit = MAX_LOAN_DAYS * 24 if max_hours is None else min(max_hours, MAX_LOAN_DAYS * 24)
    if due_at - out_at > timedelta(hours=limit):
        raise Invalid(
            f"a loan of resource {resource.id} may last at most {limit} hours",
            code="loan_too_long",
        )


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What of an incident decides whether a clause covers a loan to it."""

    jurisdiction: JurisdictionId | None
    call_type: CallTypeCode
    priority: int


def covering_clause(
    agreements: Iterable[Agreement],
    lender: AgencyId,
    borrower: AgencyId,
    resource_type: str,
    at: datetime,
    incident: IncidentFacts | None = None,
) -> tuple[Agreement, int] | None:
    """The first agreement (by id) in force at ``at`` with a clause by which ``lender``
    lends equipment of ``resource_type`` to ``borrower`` (for ``incident``, if one), and
    that clause's number; None when none does."""
    for agreement in sorted(agreements, key=lambda a: a.id):
        if not agreement.lends_at(at):
            continue
        for number, clause in enumerate(agreement.clauses, start=1):
            if clause.lender != lender or not clause.covers_equipment(resource_type):
                continue
            to = agreement.borrower(clause)
            if to != borrower and not (to == COLLECTIVE and borrower != lender):
                continue
            if _fits_incident(clause, incident):
                return agreement, number
    return None


def _fits_incident(clause: Clause, incident: IncidentFacts | None) -> bool:
    if incident is None:  # an agency loan: a clause narrowed to incidents does not cover it
        return clause.jurisdictions is None and clause.call_types is None
    if clause.jurisdictions is not None and incident.jurisdiction not in clause.jurisdictions:
        return False
    if clause.call_types is not None and incident.call_type not in clause.call_types:
        return False
    return incident.priority <= clause.max_priority
