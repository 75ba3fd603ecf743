"""The resources API: the typed catalogue of units and loanable equipment (by type, owner,
availability), and equipment loans: checked out to an agency or an incident under an
agreement's clause, checked back in with its condition, overdue (docs/resources.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bluepool.domain.resources.records import LoanRecord, ResourceRecord, ResourceTypeRecord
from bluepool.services.resources import catalogue, loans
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.common import Problem, QueryFlag
from bluepool.web.schemas.resources import LoanIn, ResourceChange, ResourceIn, ReturnIn

router = APIRouter(tags=["resources"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}


@router.get("/resource-types", response_model=tuple[ResourceTypeRecord, ...])
def list_resource_types(ctx: ContextDep, user: CurrentUser) -> tuple[ResourceTypeRecord, ...]:
    """Every type of the catalogue: the built-in NIMS-style ones and the collective's own."""
    return catalogue.list_types(ctx, user)


@router.get("/resources", response_model=tuple[ResourceRecord, ...])
def list_resources(
    ctx: ContextDep,
    user: CurrentUser,
    type: str | None = None,
    owner: str | None = None,
    available: QueryFlag | None = None,
) -> tuple[ResourceRecord, ...]:
    """The catalogue (of ``type``; of ``owner``; ``available`` now or not), by id; each
    resource with the loan it is out on."""
    return catalogue.list_resources(ctx, user, type, owner, available)


@router.post("/resources", status_code=201, response_model=ResourceRecord, responses=ERRORS)
def add_resource(body: ResourceIn, ctx: ContextDep, user: CurrentUser) -> ResourceRecord:
    """Add a resource (its owner's admin)."""
    return catalogue.add_resource(ctx, user, body.resource(body.id))


@router.get("/resources/{resource_id}", response_model=ResourceRecord, responses=ERRORS)
def get_resource(resource_id: str, ctx: ContextDep, user: CurrentUser) -> ResourceRecord:
    return catalogue.get_resource(ctx, user, resource_id)


@router.put("/resources/{resource_id}", response_model=ResourceRecord, responses=ERRORS)
def change_resource(
    resource_id: str, body: ResourceChange, ctx: ContextDep, user: CurrentUser
) -> ResourceRecord:
    """New terms (condition, notes, windows...) written against ``version``."""
    terms = body.resource(resource_id)
    return catalogue.change_resource(ctx, user, resource_id, body.version, terms)


@router.post(
    "/resources/{resource_id}/loans", status_code=201, response_model=LoanRecord, responses=ERRORS
)
def check_out(resource_id: str, body: LoanIn, ctx: ContextDep, user: CurrentUser) -> LoanRecord:
    """Check equipment out from now until ``due_at``, to an agency (its owner's admin) or
    an incident (dispatch too); across agencies, an agreement in force must cover it."""
    return loans.check_out(
        ctx, user, resource_id, body.due_at, body.agency, body.incident, body.notes
    )


@router.get("/loans", response_model=tuple[LoanRecord, ...])
def list_loans(
    ctx: ContextDep,
    user: CurrentUser,
    open: QueryFlag | None = None,
    overdue: QueryFlag | None = None,
    agency: str | None = None,
    resource: str | None = None,
) -> tuple[LoanRecord, ...]:
    """The loans (``open`` or returned; ``overdue`` now; lent by or to ``agency``; of
    ``resource``), newest first."""
    return loans.list_loans(ctx, user, open, overdue, agency, resource)


@router.post("/loans/overdue-alerts", response_model=tuple[LoanRecord, ...], responses=ERRORS)
def notice_overdue(ctx: ContextDep, user: CurrentUser) -> tuple[LoanRecord, ...]:
    """Raise ``loan.overdue`` for each loan past due not alerted before (once a loan);
    the loans alerted now."""
    return loans.notice_overdue(ctx, user)


@router.get("/loans/{loan_id}", response_model=LoanRecord, responses=ERRORS)
def get_loan(loan_id: str, ctx: ContextDep, user: CurrentUser) -> LoanRecord:
    return loans.get_loan(ctx, user, loan_id)


@router.post("/loans/{loan_id}/return", response_model=LoanRecord, responses=ERRORS)
def return_loan(loan_id: str, body: ReturnIn, ctx: ContextDep, user: CurrentUser) -> LoanRecord:
    """Check a loan back in, with the condition it came back in."""
    return loans.return_loan(ctx, user, loan_id, body.condition, body.notes)
