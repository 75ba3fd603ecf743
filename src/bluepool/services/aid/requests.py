"""Mutual-aid requests: made from an incident, routed by the agreements in force, approved
in the collective's steps, fulfilled, extended and released (``domain.aid``;
docs/mutual-aid.md).

Each step is one transaction that raises its ``mutual_aid.*`` event (the change log, the
audit log, the live stream). A unit is sent through dispatch's own assignment
(``incidents.assign_in``) in the fulfilment's transaction: it appears on the incident with
the agreement and clause that lend it, which the ledger prices, and a unit dispatch could
not send is refused with nothing recorded. A released unit still on the incident is
cleared through dispatch's status change (``units.set_status``), after the release is
kept. Equipment is named by its id as text (the resource catalogue is not there yet); it
appears on the incident's timeline as a note.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.aid.events import AidStep, MutualAidChanged
from bluepool.domain.aid.records import RequestRecord
from bluepool.domain.aid.requests import (
    AidRules,
    Category,
    Item,
    Request,
    State,
    Step,
    number_for,
)
from bluepool.domain.aid.routing import route
from bluepool.domain.dispatch.events import IncidentNoted
from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.records import IncidentRecord
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.resources.records import LoanRecord
from bluepool.domain.resources.resources import Condition, ResourceId
from bluepool.domain.shared.errors import ConcurrentUpdate, Conflict, DomainError, Invalid
from bluepool.domain.shared.ids import IncidentId, UnitId
from bluepool.services.aid import policy
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents, units
from bluepool.services.lookup import found, not_found
from bluepool.services.ports import UnitOfWork
from bluepool.services.resources import loans

log = logging.getLogger(__name__)


def rules(uow: UnitOfWork) -> AidRules:
    """The collective's ``mutual_aid`` settings (the default steps when none is stored)."""
    setting = uow.settings.get(AidRules.SETTING)
    return AidRules.of(setting.value if setting else None)


def list_requests(
    ctx: Context,
    user: User,
    incident_id: str | None = None,
    state: State | None = None,
) -> tuple[RequestRecord, ...]:
    """The requests ``user`` may read (of ``incident_id``, in ``state``), newest first."""
    policy.read(user)
    with ctx.reader() as uow:
        kept = uow.mutual_aid.list(IncidentId(incident_id) if incident_id else None)
    records = (RequestRecord.of(r) for r in kept)
    return tuple(
        r for r in records if policy.may_see(user, r) and (state is None or r.state is state)
    )


def get_request(ctx: Context, user: User, request_id: str) -> RequestRecord:
    policy.read(user)
    with ctx.reader() as uow:
        record = RequestRecord.of(_found(uow, request_id))
    if not policy.may_see(user, record):
        raise not_found("mutual-aid request", request_id)
    return record


def get_request_and_incident(
    ctx: Context, user: User, request_id: str
) -> tuple[RequestRecord, IncidentRecord]:
    """The request and its incident as they now stand (what the printed form shows)."""
    record = get_request(ctx, user, request_id)
    with ctx.reader() as uow:
        incident = found(uow.incidents, record.incident_id, "incident")
    return record, IncidentRecord.of(incident)


@refusal_recorded
def create_request(
    ctx: Context,
    user: User,
    incident_id: str,
    items: Sequence[Item],
    needed_until: datetime,
) -> RequestRecord:
    """Ask for mutual aid for an open incident: its name (call type and address), its
    agency (its jurisdiction's) and the time come from it and the clock, the requester is
    ``user``; routed to the agencies whose agreements in force lend every item for the
    incident, or refused (``no_route``) when none does."""
    policy.request(user)
    with ctx.uow() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        if not incident.is_open:
            raise Conflict(
                f"incident {incident.id} is {incident.status.value}", code="incident_closed"
            )
        facts = incidents.standing_facts(ctx, uow)
        owners = facts.collective.jurisdiction_agency
        requesting = owners.get(incident.jurisdiction_id) if incident.jurisdiction_id else None
        if requesting is None:
            raise Invalid(
                f"incident {incident.id} lies in no agency's jurisdiction: no agency to "
                "request mutual aid for",
                code="no_requesting_agency",
            )
        now = ctx.clock.now()
        routes = route(
            facts.agreements,
            incident.received_at,
            now,
            owners,
            requesting,
            incident.jurisdiction_id,
            incident.call_type,
            incident.priority,
            items,
        )
        if not routes:
            kinds = ", ".join(sorted({i.kind for i in items}))
            raise Conflict(
                f"no agreement in force lends {kinds} to {requesting} for incident "
                f"{incident.id} ({incident.call_type}, priority {incident.priority})",
                code="no_route",
            )
        ct = incidents.call_type_of(ctx, uow, incident, facts)
        request = Request(
            id=number_for(now.year, uow.mutual_aid.last_sequence(now.year) + 1),
            incident_id=incident.id,
            incident_name=f"{ct.name}, {_place(incident)}",
            requested_at=now,
            requested_by=user.username,
            requesting_agency=requesting,
            items=tuple(items),
            needed_until=needed_until,
            steps=rules(uow).steps,
            routes=routes,
        )
        uow.mutual_aid.add(request)
        return _keep(
            uow,
            user,
            request,
            AidStep.REQUESTED,
            f"{request.id} for {request.incident_name}, routed to {', '.join(request.routed_to)}",
            now,
            added=True,
        )


@refusal_recorded
def approve_request(
    ctx: Context,
    user: User,
    request_id: str,
    step: Step | None = None,
    comment: str = "",
    order_number: str = "",
    eta: datetime | None = None,
    agency: str | None = None,
    version: int | None = None,
) -> RequestRecord:
    """Approve the next step (``step``, when given, must be it: 409 ``out_of_order``
    otherwise) for the agency ``user`` approves it for (``policy.approver``)."""
    with ctx.uow() as uow:
        current = _current(uow, request_id, version)
        chosen = step or _waiting(current)
        acting = policy.approver(user, current, chosen, agency)
        now = ctx.clock.now()
        approved = current.approve(chosen, user.username, acting, now, comment, order_number, eta)
        return _keep(
            uow, user, approved, AidStep.APPROVED, f"{approved.id}: {chosen.value} approved", now
        )


@refusal_recorded
def decline_request(
    ctx: Context, user: User, request_id: str, reason: str, version: int | None = None
) -> RequestRecord:
    """The approver of the waiting step says no, with a reason: the request ends."""
    with ctx.uow() as uow:
        current = _current(uow, request_id, version)
        waiting = _waiting(current)
        policy.approver(user, current, waiting)
        now = ctx.clock.now()
        declined = current.decline(user.username, now, reason)
        detail = f"{declined.id}: {waiting.value} declined"
        return _keep(uow, user, declined, AidStep.DECLINED, detail, now)


@refusal_recorded
def cancel_request(
    ctx: Context, user: User, request_id: str, reason: str, version: int | None = None
) -> RequestRecord:
    """Withdraw a request before anything was sent (central dispatch)."""
    policy.request(user)
    with ctx.uow() as uow:
        current = _current(uow, request_id, version)
        now = ctx.clock.now()
        cancelled = current.cancel(user.username, now, reason)
        return _keep(uow, user, cancelled, AidStep.CANCELLED, f"{cancelled.id} cancelled", now)


@refusal_recorded
def fulfil_request(
    ctx: Context,
    user: User,
    request_id: str,
    item: int,
    resource: str,
    category: Category | None = None,
    version: int | None = None,
) -> RequestRecord:
    """Send ``resource`` for item ``item`` (1-based) of an approved request: a unit of the
    supplier, assigned to the incident by dispatch's own rules in this transaction (so it
    appears there with the agreement and clause that lend it), or a piece of equipment by
    its id (noted on the incident's timeline). ``category``, when given, must be the
    item's."""
    with ctx.uow() as uow:
        current = _current(uow, request_id, version)
        if not 1 <= item <= len(current.items):
            raise Invalid(f"request {current.id} has no item {item}", code="no_item")
        wanted = current.items[item - 1]
        # Who may send it is decided before anything about the request is told.
        if wanted.category is Category.UNIT:
            policy.request(user)
        else:
            policy.send_equipment(user, current)
        now = ctx.clock.now()
        sent = current.fulfil(item, resource.strip(), user.username, now)
        if category is not None and category is not wanted.category:
            raise Invalid(
                f"item {item} of request {current.id} asks for {wanted.category.value}, "
                f"not {category.value}",
                code="wrong_category",
            )
        if wanted.category is Category.UNIT:
            unit = found(uow.units, UnitId(resource.strip()), "unit")
            if unit.agency_id != current.supplier:
                raise Conflict(
                    f"unit {unit.id} is of {unit.agency_id}; request {current.id} is "
                    f"supplied by {current.supplier}",
                    code="not_supplier",
                )
            if wanted.kind not in unit.capabilities:
                raise Conflict(
                    f"unit {unit.id} is not {wanted.kind} (item {item} asks for it)",
                    code="not_capable",
                )
            result = incidents.assign_in(
                ctx, uow, user, current.incident_id, unit.id, wanted=frozenset({wanted.kind})
            )
            detail = f"{sent.id}: unit {unit.id} sent for item {item}, " + "; ".join(result.reasons)
        else:
            incident = found(uow.incidents, current.incident_id, "incident")
            if not incident.is_open:
                raise Conflict(
                    f"incident {incident.id} is {incident.status.value}", code="incident_closed"
                )
            loan = _lend(ctx, uow, user, current, resource.strip(), wanted.kind, item)
            detail = (
                f"{sent.id}: equipment {resource.strip()} ({wanted.kind}) sent for item {item} "
                f"by {current.supplier} on loan {loan.id}"
                + (f" under {loan.agreement} clause {loan.clause}" if loan.agreement else "")
            )
            _note(uow, user, incident, now, detail)
        return _keep(uow, user, sent, AidStep.FULFILLED, detail, now)


@refusal_recorded
def release_request(
    ctx: Context,
    user: User,
    request_id: str,
    resources: Sequence[str] | None = None,
    version: int | None = None,
) -> RequestRecord:
    """Release the resources named (None: every one still out); the request is released
    when none is left out. Each released unit still on the incident is then cleared by
    dispatch's status change (available again; the incident's timeline records it)."""
    with ctx.uow() as uow:
        current = _current(uow, request_id, version)
        policy.release(user, current)
        now = ctx.clock.now()
        released = current.release(resources, user.username, now)
        names = _released(current, released)
        kinds = {f.resource: f.category for f in current.active()}
        freed = [r for r in names if kinds[r] is Category.UNIT]
        incident = found(uow.incidents, current.incident_id, "incident")
        equipment = [r for r in names if kinds[r] is Category.EQUIPMENT]
        for item_id in equipment:  # back from the incident: its loan is returned
            out = loans.open_loan_of(uow, ResourceId(item_id))
            if out is not None and out.incident == current.incident_id:
                loans.take_back_in(ctx, uow, user, out.id, Condition.SERVICEABLE, released.id)
        if equipment and incident.is_open:
            _note(uow, user, incident, now, f"{released.id}: released {', '.join(equipment)}")
        on_it = set(incident.active_units())
        detail = f"{released.id}: released {', '.join(names)}"
        record = _keep(uow, user, released, AidStep.RELEASED, detail, now)
    for unit_id in freed:
        if UnitId(unit_id) in on_it:
            _clear(ctx, user, released, unit_id)
    return record


@refusal_recorded
def extend_request(
    ctx: Context,
    user: User,
    request_id: str,
    until: datetime,
    reason: str,
    version: int | None = None,
) -> RequestRecord:
    """Keep the resources until ``until``, with a reason (central dispatch); the cost
    estimate follows."""
    policy.request(user)
    with ctx.uow() as uow:
        current = _current(uow, request_id, version)
        now = ctx.clock.now()
        extended = current.extend(until, reason, user.username, now)
        detail = f"{extended.id}: extended to {until.isoformat()}"
        return _keep(uow, user, extended, AidStep.EXTENDED, detail, now)


# -- helpers --------------------------------------------------------------------------


def _lend(
    ctx: Context, uow: UnitOfWork, user: User, r: Request, item_id: str, kind: str, item: int
) -> LoanRecord:
    """Check the supplier's piece of equipment out to the request's incident until it is
    needed no more (``services.resources.loans``: its agreement clause, its rules)."""
    piece = uow.resources.get(ResourceId(item_id))
    if piece is None:
        raise not_found("resource", item_id)
    if piece.owner != r.supplier:
        raise Conflict(
            f"resource {piece.id} is {piece.owner}'s; request {r.id} is supplied by {r.supplier}",
            code="not_supplier",
        )
    if piece.type != kind:
        raise Conflict(f"resource {piece.id} is a {piece.type}, not a {kind}", code="wrong_type")
    notes = f"mutual aid {r.id} item {item}"
    return loans.lend_in(
        ctx, uow, user, piece.id, r.needed_until, incident=r.incident_id, notes=notes
    )


def _found(uow: UnitOfWork, request_id: str) -> Request:
    request = uow.mutual_aid.get(request_id)
    if request is None:
        raise not_found("mutual-aid request", request_id)
    return request


def _current(uow: UnitOfWork, request_id: str, version: int | None) -> Request:
    """The request, checked to be at ``version`` when the caller gives one."""
    request = _found(uow, request_id)
    if version is not None and version != request.version:
        raise ConcurrentUpdate(
            f"mutual-aid request {request.id} is at version {request.version}, not "
            f"{version}: reload it and try again",
            code="stale_version",
        )
    return request


def _waiting(request: Request) -> Step:
    """The step waiting for approval; 409 when none is (approved, or ended)."""
    step = request.next_step
    if step is None or request.state is not State.REQUESTED:
        raise Conflict(
            f"request {request.id} is {request.state.value}: no step waits for approval",
            code="not_waiting",
        )
    return step


def _place(incident: Incident) -> str:
    return incident.address or f"{incident.location.lat:.5f}, {incident.location.lon:.5f}"


def _note(uow: UnitOfWork, user: User, incident: Incident, at: datetime, text: str) -> None:
    note = incident.add_note(at, user.username, text)
    uow.incidents.update(incident)
    uow.raise_event(IncidentNoted(at, user.username, IncidentRecord.of(incident), note))


def _released(before: Request, after: Request) -> list[str]:
    """The resources out before and not after (each once, though sent more than once)."""
    still = {f.resource for f in after.active()}
    return [f.resource for f in before.active() if f.resource not in still]


def _clear(ctx: Context, user: User, request: Request, unit_id: str) -> None:
    """Clear a released unit from the incident through dispatch's status change; the
    release is kept whatever happens here (dispatch then clears it as any other unit)."""
    try:
        units.set_status(ctx, user, unit_id, UnitStatus.AVAILABLE, confirm=True)
    except DomainError as exc:
        log.warning(
            "mutual-aid request %s released unit %s, which could not be cleared: %s",
            request.id,
            unit_id,
            exc.code or type(exc).__name__,
        )


def _keep(
    uow: UnitOfWork,
    user: User,
    request: Request,
    step: AidStep,
    detail: str,
    at: datetime,
    added: bool = False,
) -> RequestRecord:
    """Keep the request's next version (stored already when ``added``), raise its event
    and commit."""
    if not added:
        uow.mutual_aid.update(request)
    record = RequestRecord.of(request)
    uow.raise_event(MutualAidChanged(at, user.username, step, record, detail))
    uow.commit()
    return record
