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


@dataclass(frozen=True, slots=True)
class LoanEvent(Event):
    """Something happened to a loan; ``loan`` is it as it now stands (lender, borrower,
    agreement and clause, out and returned times: what the ledger prices)."""

    loan: LoanRecord
    #: The change log's verb.
    verb: ClassVar[str] = ""


@dataclass(frozen=True, slots=True)
class LoanOut(LoanEvent):
    name: ClassVar[str] = "loan.created"
    verb: ClassVar[str] = "check_out"


@dataclass(frozen=True, slots=True)
class LoanReturned(LoanEvent):
    name: ClassVar[str] = "loan.returned"
    verb: ClassVar[str] = "return"


@dataclass(frozen=True, slots=True)
class LoanOverdue(LoanEvent):
    """A loan was first noticed past its due time (once a loan)."""

    name: ClassVar[str] = "loan.overdue"
    verb: ClassVar[str] = "overdue"
