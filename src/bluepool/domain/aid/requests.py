"""Mutual-aid requests: one agency asks the others for resources for an incident, on the
fields of an ICS-213RR resource request.

A request is made from an incident (its name, time and place come from it) by the
requesting agency, with one or more order items (quantity, kind, type, priority, detailed
description, requested arrival, reporting location, substitutes). It is routed to the
agencies whose agreements in force lend the requested kinds for the incident
(``domain.aid.routing``), approved in the steps the collective configures (``AidRules``:
by default the requesting supervisor, the supplying agency, finance), fulfilled by units or
equipment, extended, and released::

    requested --approve (each step, in order)--> approved --fulfil--> partly_fulfilled
        |                                            |                    |
        +--decline / cancel--> declined, cancelled   +--fulfil (all)--> fulfilled
                                                                           |
                         released <--release (the last resource still out)-+

The supplying agency's approval names the supplier (the approver's agency, one of the
routes) and its order number; the cost is estimated from the supplier's clauses' rate
cards over the time from the requested arrival to the end of the need (``needed_until``,
moved on by an extension). Every change returns the next version; nothing here reads a
clock: times come in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from bluepool.domain.shared.errors import Conflict, Forbidden, Invalid
from bluepool.domain.shared.ids import AgencyId, IncidentId
from bluepool.domain.shared.money import price_for

#: The longest free text of a request's fields.
MAX_TEXT = 2000
MAX_ITEMS = 20
MAX_QUANTITY = 100


class Step(StrEnum):
    """An approval step, and who approves it (``services.aid.policy``)."""

    #: A supervisor (or a collective admin) for the requesting agency.
    REQUESTING_SUPERVISOR = "requesting_supervisor"
    #: An admin of the supplying agency: its approval names it the supplier.
    SUPPLYING_AGENCY = "supplying_agency"
    #: A collective admin (the collective has no finance role of its own).
    FINANCE = "finance"


DEFAULT_STEPS = (Step.REQUESTING_SUPERVISOR, Step.SUPPLYING_AGENCY, Step.FINANCE)


class State(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    PARTLY_FULFILLED = "partly_fulfilled"
    FULFILLED = "fulfilled"
    RELEASED = "released"
    DECLINED = "declined"
    CANCELLED = "cancelled"


#: The states from which nothing moves on.
FINAL = frozenset({State.RELEASED, State.DECLINED, State.CANCELLED})


class Category(StrEnum):
    """What an order item asks for: units (of a unit kind) or equipment (of a resource
    type)."""

    UNIT = "unit"
    EQUIPMENT = "equipment"


@dataclass(frozen=True, slots=True)
class AidRules:
    """The collective's ``mutual_aid`` settings: the approval steps, in order."""

    steps: tuple[Step, ...] = DEFAULT_STEPS
    SETTING: ClassVar[str] = "mutual_aid"

    def __post_init__(self) -> None:
        if not self.steps:
            raise Invalid("mutual_aid.approval_steps: name at least one step", code="bad_steps")
        if len(set(self.steps)) != len(self.steps):
            raise Invalid("mutual_aid.approval_steps: a step is named twice", code="bad_steps")

    @classmethod
    def of(cls, value: Mapping[str, Any] | None) -> AidRules:
        steps = (value or {}).get("approval_steps")
        if steps is None:
            return cls()
        known = ", ".join(s.value for s in Step)
        try:
            return cls(tuple(Step(s) for s in steps))
        except (ValueError, TypeError) as exc:
            raise Invalid(
                f"mutual_aid.approval_steps: {steps!r} is not a list of {known}",
                code="bad_steps",
            ) from exc

    def value(self) -> dict[str, Any]:
        return {"approval_steps": [s.value for s in self.steps]}


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the order (ICS-213RR block 3)."""

    quantity: int
    category: Category
    #: The unit kind (patrol, k9, swat, air) or the equipment's resource type (drone).
    kind: str
    #: The NIMS type or a size ("Type 1"); "" for none.
    type: str = ""
    #: 1 is the most urgent.
    priority: int = 3
    description: str = ""
    requested_arrival: datetime | None = None
    reporting_location: str = ""
    substitutes: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.quantity <= MAX_QUANTITY:
            raise Invalid(
                f"an item's quantity must be 1 to {MAX_QUANTITY}, not {self.quantity}",
                code="bad_quantity",
            )
        if not self.kind.strip():
            raise Invalid("an item needs a kind (a unit kind or a resource type)", code="no_kind")
        if not 1 <= self.priority <= 5:
            raise Invalid(
                f"an item's priority must be 1 to 5, not {self.priority}", code="bad_priority"
            )
        for name in ("description", "reporting_location", "substitutes", "type"):
            if len(getattr(self, name)) > MAX_TEXT:
                raise Invalid(f"an item's {name} is longer than {MAX_TEXT}", code="too_long")


@dataclass(frozen=True, slots=True)
class Terms:
    """The clause a supplier lends an item under, and its rate (a snapshot at routing:
    the estimate does not move when an agreement is amended later)."""

    agreement: str
    clause: int
    #: Minor units per hour (a unit) or per day (equipment); ``minimum`` a single use's least.
    rate: int
    minimum: int = 0

    @property
    def citation(self) -> str:
        return f"agreement {self.agreement} clause {self.clause}"


@dataclass(frozen=True, slots=True)
class Route:
    """An agency the request may go to, with the terms for each item (in item order)."""

    agency: AgencyId
    terms: tuple[Terms, ...]


@dataclass(frozen=True, slots=True)
class Approval:
    step: Step
    by: str
    #: The agency the approver acted for ("collective" for finance).
    agency: AgencyId
    at: datetime
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Fulfilment:
    """A unit or a piece of equipment sent for an item (1-based), and its release."""

    item: int
    resource: str
    category: Category
    at: datetime
    by: str
    released_at: datetime | None = None
    released_by: str = ""

    @property
    def out(self) -> bool:
        return self.released_at is None


@dataclass(frozen=True, slots=True)
class Extension:
    until: datetime
    reason: str
    at: datetime
    by: str


@dataclass(frozen=True, slots=True)
class Request:
    #: "MA-2027-0001" (``number_for``).
    id: str
    incident_id: IncidentId
    incident_name: str
    requested_at: datetime
    requested_by: str
    requesting_agency: AgencyId
    items: tuple[Item, ...]
    #: Until when the resources are needed (an extension moves it on).
    needed_until: datetime
    #: The approval steps, as configured when the request was made.
    steps: tuple[Step, ...]
    routes: tuple[Route, ...]
    approvals: tuple[Approval, ...] = ()
    supplier: AgencyId | None = None
    order_number: str = ""
    eta: datetime | None = None
    fulfilments: tuple[Fulfilment, ...] = ()
    extensions: tuple[Extension, ...] = ()
    state: State = State.REQUESTED
    #: Why it was declined or cancelled, and by whom.
    closed_reason: str = ""
    closed_by: str = ""
    version: int = 1

    def __post_init__(self) -> None:
        if not self.items:
            raise Invalid("a request needs at least one item", code="no_items")
        if len(self.items) > MAX_ITEMS:
            raise Invalid(f"a request has at most {MAX_ITEMS} items", code="too_many_items")
        for n, item in enumerate(self.items, start=1):
            if item.requested_arrival is not None and item.requested_arrival < self.requested_at:
                raise Invalid(
                    f"item {n}: the requested arrival ({item.requested_arrival.isoformat()}) "
                    f"is before the request ({self.requested_at.isoformat()})",
                    code="arrival_before_request",
                )
            if item.requested_arrival is not None and item.requested_arrival >= self.needed_until:
                raise Invalid(
                    f"item {n}: the requested arrival must be before the end of the need "
                    f"({self.needed_until.isoformat()})",
                    code="arrival_after_need",
                )
        if self.needed_until <= self.requested_at:
            raise Invalid(
                f"needed_until ({self.needed_until.isoformat()}) must be after the request "
                f"({self.requested_at.isoformat()})",
                code="bad_dates",
            )
        for route in self.routes:
            if len(route.terms) != len(self.items):
                raise Invalid(f"the route to {route.agency} does not cover every item")

    # -- reading ----------------------------------------------------------------------

    @property
    def next_step(self) -> Step | None:
        """The step waiting for its approval (None: every step is approved)."""
        done = len(self.approvals)
        return self.steps[done] if done < len(self.steps) else None

    @property
    def routed_to(self) -> tuple[AgencyId, ...]:
        return tuple(r.agency for r in self.routes)

    def route_of(self, agency: AgencyId | None) -> Route | None:
        return next((r for r in self.routes if r.agency == agency), None)

    def fulfilled(self, item: int) -> int:
        """How many resources were sent for item ``item`` (released ones count: they came)."""
        return sum(1 for f in self.fulfilments if f.item == item)

    def active(self) -> tuple[Fulfilment, ...]:
        return tuple(f for f in self.fulfilments if f.out)

    @property
    def cost(self) -> int:
        """The estimated cost in minor units: each item's quantity at its supplier's rate
        from the requested arrival (or the request) to ``needed_until``, at least each
        clause's minimum per resource; 0 until a supplier is named."""
        route = self.route_of(self.supplier)
        if route is None:
            return 0
        total = 0
        for item, terms in zip(self.items, route.terms, strict=True):
            start = item.requested_arrival or self.requested_at
            seconds = int((self.needed_until - start).total_seconds())
            if item.category is Category.UNIT:
                one = price_for(terms.rate, seconds, 3600)
            else:
                days = -(-seconds // 86400)  # a started day is a day
                one = terms.rate * days
            total += item.quantity * max(one, terms.minimum)
        return total

    # -- changing (each returns the next version) ---------------------------------------

    def approve(
        self,
        step: Step,
        by: str,
        agency: AgencyId,
        at: datetime,
        comment: str = "",
        order_number: str = "",
        eta: datetime | None = None,
    ) -> Request:
        """Approve ``step``, which must be the next one. The supplying agency's approval
        names ``agency`` the supplier (it must be one the request is routed to), with its
        order number and ETA."""
        self._open("approved")
        expected = self.next_step
        if expected is None:
            raise Conflict(f"request {self.id} is already approved", code="approved")
        if step is not expected:
            raise Conflict(
                f"request {self.id} waits for the {expected.value} approval, not "
                f"{step.value}: the steps are {', '.join(s.value for s in self.steps)}",
                code="out_of_order",
            )
        _check_text("comment", comment)
        _check_text("order_number", order_number)
        changes: dict[str, Any] = {}
        if step is Step.SUPPLYING_AGENCY:
            if agency not in self.routed_to:
                raise Forbidden(
                    f"{agency} is not one of the agencies request {self.id} is routed to "
                    f"({', '.join(self.routed_to) or 'none'})",
                    code="not_routed",
                    rule="aid_supplier",
                )
            if eta is not None and eta < self.requested_at:
                raise Invalid("the ETA is before the request", code="eta_before_request")
            changes = {"supplier": agency, "order_number": order_number.strip(), "eta": eta}
        approvals = (*self.approvals, Approval(step, by, agency, at, comment.strip()))
        if (
            self.supplier is None
            and len(approvals) == len(self.steps)
            and "supplier" not in changes
        ):
            changes["supplier"] = self.routed_to[0] if self.routes else None
        state = State.APPROVED if len(approvals) == len(self.steps) else State.REQUESTED
        return self._next(approvals=approvals, state=state, **changes)

    def decline(self, by: str, at: datetime, reason: str) -> Request:
        """The approver of the next step says no: the request ends."""
        return self._end(State.DECLINED, by, reason, "declined")

    def cancel(self, by: str, at: datetime, reason: str) -> Request:
        """The requester withdraws it before anything was sent."""
        if self.fulfilments:
            raise Conflict(
                f"request {self.id} has resources sent: release them instead",
                code="fulfilled",
            )
        return self._end(State.CANCELLED, by, reason, "cancelled")

    def fulfil(self, item: int, resource: str, by: str, at: datetime) -> Request:
        """Send ``resource`` (a unit id or an equipment id) for item ``item`` (1-based)."""
        self._open("fulfilled")
        if self.state is State.REQUESTED:
            raise Conflict(
                f"request {self.id} waits for the {self.next_step.value if self.next_step else ''} "
                "approval: it is fulfilled once every step is approved",
                code="not_approved",
            )
        if not 1 <= item <= len(self.items):
            raise Invalid(
                f"request {self.id} has items 1 to {len(self.items)}, not {item}",
                code="no_such_item",
            )
        wanted = self.items[item - 1]
        if self.fulfilled(item) >= wanted.quantity:
            raise Conflict(
                f"item {item} of request {self.id} asked for {wanted.quantity}, all sent",
                code="over_fulfilled",
            )
        if not resource.strip():
            raise Invalid("name the unit or equipment sent", code="no_resource")
        if any(f.resource == resource for f in self.active()):
            raise Conflict(f"{resource} is already sent for request {self.id}", code="already_sent")
        fulfilments = (*self.fulfilments, Fulfilment(item, resource, wanted.category, at, by))
        full = all(
            sum(1 for f in fulfilments if f.item == n) >= it.quantity
            for n, it in enumerate(self.items, start=1)
        )
        state = State.FULFILLED if full else State.PARTLY_FULFILLED
        return self._next(fulfilments=fulfilments, state=state)

    def release(self, resources: Iterable[str] | None, by: str, at: datetime) -> Request:
        """Release the resources named (None: every one still out). When none is left out
        the request is released (its order ends; nothing more is sent)."""
        if self.state is State.RELEASED:
            raise Conflict(f"request {self.id} is already released", code="already_released")
        self._open("released")
        out = {f.resource for f in self.active()}
        names = sorted(out) if resources is None else list(dict.fromkeys(resources))
        if not names:
            raise Conflict(f"request {self.id} has nothing out to release", code="nothing_out")
        for name in names:
            if name not in out:
                sent = any(f.resource == name for f in self.fulfilments)
                raise Conflict(
                    f"{name} is {'already released' if sent else 'not sent'} for request {self.id}",
                    code="already_released" if sent else "not_sent",
                )
        chosen = set(names)
        fulfilments = tuple(
            replace(f, released_at=at, released_by=by) if f.out and f.resource in chosen else f
            for f in self.fulfilments
        )
        left = any(f.out for f in fulfilments)
        return self._next(fulfilments=fulfilments, state=self.state if left else State.RELEASED)

    def extend(self, until: datetime, reason: str, by: str, at: datetime) -> Request:
        """Keep the resources longer: a new end of the need, with a reason."""
        self._open("extended")
        if until <= self.needed_until:
            raise Invalid(
                f"an extension must end after {self.needed_until.isoformat()}, not "
                f"{until.isoformat()}",
                code="not_later",
            )
        if until <= at:
            raise Invalid("an extension must end in the future", code="not_later")
        reason = _reason(reason, "an extension")
        extensions = (*self.extensions, Extension(until, reason, at, by))
        return self._next(extensions=extensions, needed_until=until)

    # -- helpers --------------------------------------------------------------------------

    def _open(self, what: str) -> None:
        if self.state in FINAL:
            raise Conflict(
                f"request {self.id} is {self.state.value}: it cannot be {what}",
                code=f"request_{self.state.value}",
            )

    def _end(self, state: State, by: str, reason: str, what: str) -> Request:
        self._open(what)
        if self.state is not State.REQUESTED and state is State.DECLINED:
            raise Conflict(
                f"request {self.id} is {self.state.value}: every step is approved",
                code="approved",
            )
        return self._next(
            state=state, closed_reason=_reason(reason, f"a request {what}"), closed_by=by
        )

    def _next(self, **changes: Any) -> Request:
        return replace(self, **changes, version=self.version + 1)


def number_for(year: int, sequence: int) -> str:
    """The request number: ``MA-2027-0001`` for the year's first."""
    if sequence < 1:
        raise ValueError("the sequence starts at 1")
    return f"MA-{year:04d}-{sequence:04d}"


def sequence_of(number: str) -> int:
    """0001 of ``MA-2027-0001``."""
    return int(number.rsplit("-", 1)[1])


def _check_text(name: str, text: str) -> None:
    if len(text) > MAX_TEXT:
        raise Invalid(f"{name} is longer than {MAX_TEXT}", code="too_long")


def _reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise Invalid(f"{what} needs a reason", code="reason_required")
    _check_text("reason", reason)
    return reason
