"""The mutual-aid API: resource requests on the fields of an ICS-213RR, made from an
incident, routed by the agreements in force, approved in the collective's steps,
fulfilled by units or equipment, extended, released; and printed (docs/mutual-aid.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from bluepool.adapters.formats.aid_form import form
from bluepool.domain.aid.records import RequestRecord
from bluepool.domain.aid.requests import Category, State
from bluepool.services.aid import requests
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.aid import (
    ApprovalIn,
    ExtensionIn,
    FulfilIn,
    ReasonIn,
    ReleaseIn,
    RequestIn,
)
from bluepool.web.schemas.common import Problem

router = APIRouter(tags=["mutual aid"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}
PATH = "/mutual-aid-requests"


@router.get(PATH, response_model=tuple[RequestRecord, ...])
def list_requests(
    ctx: ContextDep,
    user: CurrentUser,
    incident_id: str | None = None,
    state: State | None = None,
) -> tuple[RequestRecord, ...]:
    """The requests you may read (of ``incident_id``; in ``state``), newest first."""
    return requests.list_requests(ctx, user, incident_id, state)


@router.post(PATH, status_code=201, response_model=RequestRecord, responses=ERRORS)
def create_request(body: RequestIn, ctx: ContextDep, user: CurrentUser) -> RequestRecord:
    """Ask for mutual aid for an open incident (central dispatch): the incident name,
    time, requester and requesting agency come from it; routed to the agencies whose
    agreements in force lend every item (409 ``no_route`` when none does)."""
    items = [i.item() for i in body.items]
    return requests.create_request(ctx, user, body.incident_id, items, body.needed_until)


@router.get(PATH + "/{request_id}", response_model=RequestRecord, responses=ERRORS)
def get_request(request_id: str, ctx: ContextDep, user: CurrentUser) -> RequestRecord:
    return requests.get_request(ctx, user, request_id)


@router.get(
    PATH + "/{request_id}/form.pdf",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"application/pdf": {}}}},
)
def request_form(request_id: str, ctx: ContextDep, user: CurrentUser) -> Response:
    """The request printed as an ICS-213RR-like form (the same request, the same bytes)."""
    record, incident = requests.get_request_and_incident(ctx, user, request_id)
    return Response(
        form(record, incident),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{record.id}.pdf"'},
    )


@router.post(PATH + "/{request_id}/approve", response_model=RequestRecord, responses=ERRORS)
def approve_request(
    request_id: str, ctx: ContextDep, user: CurrentUser, body: ApprovalIn | None = None
) -> RequestRecord:
    """Approve the step waiting, for the agency you approve it for: a supervisor for the
    requesting agency, a routed agency's admin as the supplier, a collective admin for
    finance."""
    b = body or ApprovalIn()
    return requests.approve_request(
        ctx, user, request_id, b.step, b.comment, b.order_number, b.eta, b.agency, b.version
    )


@router.post(PATH + "/{request_id}/decline", response_model=RequestRecord, responses=ERRORS)
def decline_request(
    request_id: str, body: ReasonIn, ctx: ContextDep, user: CurrentUser
) -> RequestRecord:
    """The waiting step's approver says no: the request ends."""
    return requests.decline_request(ctx, user, request_id, body.reason, body.version)


@router.post(PATH + "/{request_id}/cancel", response_model=RequestRecord, responses=ERRORS)
def cancel_request(
    request_id: str, body: ReasonIn, ctx: ContextDep, user: CurrentUser
) -> RequestRecord:
    """Withdraw a request before anything was sent."""
    return requests.cancel_request(ctx, user, request_id, body.reason, body.version)


@router.post(PATH + "/{request_id}/fulfil", response_model=RequestRecord, responses=ERRORS)
def fulfil_request(
    request_id: str, body: FulfilIn, ctx: ContextDep, user: CurrentUser
) -> RequestRecord:
    """Send a unit (assigned to the incident by dispatch's rules, lent under its clause)
    or equipment for an item of an approved request; never more than the item asks."""
    if body.unit_id is not None:
        resource, category = body.unit_id, Category.UNIT
    else:
        assert body.equipment_id is not None
        resource, category = body.equipment_id, Category.EQUIPMENT
    return requests.fulfil_request(
        ctx, user, request_id, body.item, resource, category, body.version
    )


@router.post(PATH + "/{request_id}/release", response_model=RequestRecord, responses=ERRORS)
def release_request(
    request_id: str, ctx: ContextDep, user: CurrentUser, body: ReleaseIn | None = None
) -> RequestRecord:
    """Release the resources named (omitted: every one still out); a released unit is
    cleared from the incident. The request is released when nothing is left out."""
    b = body or ReleaseIn()
    return requests.release_request(ctx, user, request_id, b.resources, b.version)


@router.post(PATH + "/{request_id}/extend", response_model=RequestRecord, responses=ERRORS)
def extend_request(
    request_id: str, body: ExtensionIn, ctx: ContextDep, user: CurrentUser
) -> RequestRecord:
    """Keep the resources longer: a new end of the need, with a reason."""
    return requests.extend_request(ctx, user, request_id, body.until, body.reason, body.version)
