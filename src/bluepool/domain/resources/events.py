"""What happens to the catalogue and its loans: resources created and changed, equipment
checked out, returned, noticed overdue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.resources.records import LoanRecord, ResourceRecord
from bluepool.domain.shared.events import Action, Event, RecordChanged


@dataclass(frozen=True, slots=True)
class ResourceChanged(RecordChanged):
    """A resource was added to the catalogue or changed (its condition, windows...)."""

    resource: ResourceRecord | None = None
    entity: ClassVar[str] = "resource"
    actions: ClassVar[tuple[Action, ...]] = (Action.CREATED, Action.UPDATED)


# Each loan event carries ``loan``, the loan as it now stands: lender, borrower, agreement
# and clause, out and returned times (what the ledger prices by the day).


@dataclass(frozen=True, slots=True)
class LoanOut(Event):
    """Equipment was checked out."""

    loan: LoanRecord
    name: ClassVar[str] = "loan.created"


@dataclass(frozen=True, slots=True)
class LoanReturned(Event):
    """Equipment was checked back in (``loan.condition_in`` says how)."""

    loan: LoanRecord
    name: ClassVar[str] = "loan.returned"


@dataclass(frozen=True, slots=True)
class LoanOverdue(Event):
    """A loan was first noticed past its due time (once a loan)."""

    loan: LoanRecord
    name: ClassVar[str] = "loan.overdue"


#: The change log's verb for each loan event.
LOAN_VERBS: dict[type[Event], str] = {
    LoanOut: "check_out",
    LoanReturned: "return",
    LoanOverdue: "overdue",
}
