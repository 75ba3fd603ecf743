"""Read models of mutual aid: a request as the API, the event stream and the form show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.aid.requests import (
    Approval,
    Category,
    Extension,
    Fulfilment,
    Request,
    State,
    Step,
    Terms,
)
from bluepool.domain.shared.ids import AgencyId, IncidentId


@dataclass(frozen=True, slots=True)
class ItemRecord:
    number: int
    quantity: int
    category: Category
    kind: str
    type: str
    priority: int
    description: str
    requested_arrival: datetime | None
    reporting_location: str
    substitutes: str
    #: How many were sent (released ones too).
    fulfilled: int
    #: The supplier's clause and rate for it (None until a supplier is named).
    terms: Terms | None


@dataclass(frozen=True, slots=True)
class RequestRecord:
    id: str
    incident_id: IncidentId
    incident_name: str
    requested_at: datetime
    requested_by: str
    requesting_agency: AgencyId
    state: State
    steps: tuple[Step, ...]
    #: The step waiting for approval (None: none).
    next_step: Step | None
    approvals: tuple[Approval, ...]
    #: The agencies whose agreements lend every item, in order.
    routed_to: tuple[AgencyId, ...]
    supplier: AgencyId | None
    order_number: str
    eta: datetime | None
    #: Estimated, in integer minor units (``Request.cost``).
    cost: int
    needed_until: datetime
    items: tuple[ItemRecord, ...]
    fulfilments: tuple[Fulfilment, ...]
    extensions: tuple[Extension, ...]
    closed_reason: str
    closed_by: str
    version: int

    @classmethod
    def of(cls, r: Request) -> RequestRecord:
        route = r.route_of(r.supplier)
        items = tuple(
            ItemRecord(
                n,
                i.quantity,
                i.category,
                i.kind,
                i.type,
                i.priority,
                i.description,
                i.requested_arrival,
                i.reporting_location,
                i.substitutes,
                r.fulfilled(n),
                route.terms[n - 1] if route is not None else None,
            )
            for n, i in enumerate(r.items, start=1)
        )
        return cls(
            r.id,
            r.incident_id,
            r.incident_name,
            r.requested_at,
            r.requested_by,
            r.requesting_agency,
            r.state,
            r.steps,
            r.next_step if r.state is State.REQUESTED else None,
            r.approvals,
            r.routed_to,
            r.supplier,
            r.order_number,
            r.eta,
            r.cost,
            r.needed_until,
            items,
            r.fulfilments,
            r.extensions,
            r.closed_reason,
            r.closed_by,
            r.version,
        )

    def involves(self, agency: AgencyId | None) -> bool:
        """Whether ``agency`` asks, supplies or is asked."""
        return agency is not None and (
            agency == self.requesting_agency or agency == self.supplier or agency in self.routed_to
        )
