"""Read models of the resources context: a resource of the catalogue as it stands now (who
has it, whether it is available), a loan, a resource type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.resources.catalogue import ResourceKind, ResourceType
from bluepool.domain.resources.loans import Loan
from bluepool.domain.resources.resources import Condition, Resource, Window
from bluepool.domain.shared.ids import AgencyId, IncidentId, StationId


@dataclass(frozen=True, slots=True)
class ResourceTypeRecord:
    id: str
    name: str
    kind: ResourceKind
    #: True for equipment (checked out and in), false for unit capabilities.
    loanable: bool

    @classmethod
    def of(cls, t: ResourceType) -> ResourceTypeRecord:
        return cls(t.id, t.name, t.kind, t.loanable)


@dataclass(frozen=True, slots=True)
class LoanRecord:
    id: str
    resource: str
    resource_type: str
    lender: AgencyId
    borrower: AgencyId
    incident: IncidentId | None
    #: The agreement and clause that allow it (None: the owner's own use).
    agreement: str | None
    clause: int | None
    out_at: datetime
    due_at: datetime
    condition_out: Condition
    out_by: str
    notes: str
    returned_at: datetime | None
    condition_in: Condition | None
    returned_by: str
    return_notes: str
    open: bool
    #: Open and past its due time (as of when the record was made).
    overdue: bool
    overdue_noticed_at: datetime | None

    @classmethod
    def of(cls, loan: Loan, now: datetime) -> LoanRecord:
        return cls(
            loan.id,
            loan.resource,
            loan.resource_type,
            loan.lender,
            loan.borrower,
            loan.incident,
            loan.agreement,
            loan.clause,
            loan.out_at,
            loan.due_at,
            loan.condition_out,
            loan.out_by,
            loan.notes,
            loan.returned_at,
            loan.condition_in,
            loan.returned_by,
            loan.return_notes,
            loan.is_open,
            loan.overdue_at(now),
            loan.overdue_noticed_at,
        )


@dataclass(frozen=True, slots=True)
class ResourceRecord:
    id: str
    type: str
    #: The type's name and kind in the catalogue.
    type_name: str
    kind: ResourceKind
    name: str
    owner: AgencyId
    home_station: StationId | None
    condition: Condition
    maintenance_notes: str
    windows: tuple[Window, ...]
    version: int
    #: The open loan, if it is out: who has it and until when.
    loan: LoanRecord | None
    #: Serviceable, not out and inside an availability window (equipment), now.
    available: bool

    @classmethod
    def of(
        cls, r: Resource, rtype: ResourceType, loan: Loan | None, now: datetime
    ) -> ResourceRecord:
        return cls(
            r.id,
            r.type,
            rtype.name,
            rtype.kind,
            r.name,
            r.owner,
            r.home_station,
            r.condition,
            r.maintenance_notes,
            r.windows,
            r.version,
            LoanRecord.of(loan, now) if loan is not None else None,
            available_now(r, loan, now),
        )


def available_now(r: Resource, loan: Loan | None, now: datetime) -> bool:
    return (
        r.condition is Condition.SERVICEABLE
        and (loan is None or not loan.is_open)
        and r.lendable_at(now)
    )
