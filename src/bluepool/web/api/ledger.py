"""The cost ledger: entries and balances, agencies' statements (JSON, CSV, PDF), the
settlement of a month, a month's close, and an incident's cost package (docs/ledger.md).

An agency's admin reads their own agency's books; a collective admin reads everything,
closes months and sees the settlement; everyone else gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from bluepool.adapters.formats.statement_pdf import statement_pdf
from bluepool.domain.ledger.records import (
    Balances,
    CostPackage,
    EntryPage,
    SettlementRecord,
    StatementRecord,
)
from bluepool.domain.ledger.statements import Statement, to_csv
from bluepool.services.ledger import periods, reads
from bluepool.services.ledger.periods import ClosedPeriod
from bluepool.web.deps import ContextDep, CurrentUser, PageDep
from bluepool.web.schemas.common import Problem
from bluepool.web.schemas.ledger import (
    AccountQuery,
    AgencyPath,
    AgencyQuery,
    IncidentQuery,
    PeriodPath,
    PeriodQuery,
    document,
)

router = APIRouter(tags=["ledger"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409, 422)}


@router.get("/ledger/entries", response_model=EntryPage, responses=ERRORS)
def list_entries(
    ctx: ContextDep,
    user: CurrentUser,
    page: PageDep,
    account: AccountQuery = None,
    period: PeriodQuery = None,
    incident: IncidentQuery = None,
) -> EntryPage:
    """Ledger transactions in posting order, each with its postings (a debit positive, a
    credit negative, integer minor units): touching ``account``, posted in ``period``,
    pricing a use on ``incident``. An agency's admin sees only those touching their own
    agency's accounts."""
    return reads.entries(ctx, user, account, period, incident, page)


@router.get("/ledger/balances", response_model=Balances, responses=ERRORS)
def balances(
    ctx: ContextDep, user: CurrentUser, period: PeriodQuery = None, agency: AgencyQuery = None
) -> Balances:
    """Each account's balance (debits minus credits) over ``period``, or the whole ledger:
    an agency's admin their own agency's accounts, a collective admin every account (or
    ``agency``'s)."""
    return reads.balances(ctx, user, period, agency)


@router.post(
    "/ledger/periods/{period}/close",
    response_model=ClosedPeriod,
    responses=ERRORS,
)
def close_period(period: PeriodPath, ctx: ContextDep, user: CurrentUser) -> ClosedPeriod:
    """Freeze a month once it is over (a collective admin): its balances are kept, and a
    usage posted later goes to the next open month. 409 when it is closed already; 422
    while the month is not over."""
    return periods.close_period(ctx, user, period)


def _document(ctx: ContextDep, user: CurrentUser, agency: str, period: str, kind: str) -> Response:
    """The statement as a document of ``kind`` (csv, pdf): the same bytes for the same data."""
    found, _ = reads.agency_statement(ctx, user, agency, period)
    render, media_type = DOCUMENTS[kind]
    return Response(
        render(found),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{agency}-{period}.{kind}"'},
    )


DOCUMENTS: dict[str, tuple[Callable[[Statement], bytes], str]] = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "pdf": (statement_pdf, "application/pdf"),
}


@router.get(
    "/statements/{agency}/{period}.csv",
    response_class=Response,
    responses={**document("text/csv"), **ERRORS},
)
def statement_csv(
    agency: AgencyPath, period: PeriodPath, ctx: ContextDep, user: CurrentUser
) -> Response:
    """The statement as CSV: the same bytes for the same data."""
    return _document(ctx, user, agency, period, "csv")


@router.get(
    "/statements/{agency}/{period}.pdf",
    response_class=Response,
    responses={**document("application/pdf"), **ERRORS},
)
def statement_as_pdf(
    agency: AgencyPath, period: PeriodPath, ctx: ContextDep, user: CurrentUser
) -> Response:
    """The statement as PDF: the same bytes for the same data."""
    return _document(ctx, user, agency, period, "pdf")


@router.get("/statements/{agency}/{period}", response_model=StatementRecord, responses=ERRORS)
def statement(
    agency: AgencyPath, period: PeriodPath, ctx: ContextDep, user: CurrentUser
) -> StatementRecord:
    """An agency's statement for a month: every usage it lent or borrowed (incident,
    unit, minutes, clause, rate, amount) with the totals. Its own admin, or a collective
    admin. ``.csv`` and ``.pdf`` give the same as documents."""
    found, closed = reads.agency_statement(ctx, user, agency, period)
    return StatementRecord.of(found, closed)


@router.get("/settlements/{period}", response_model=SettlementRecord, responses=ERRORS)
def settlement(period: PeriodPath, ctx: ContextDep, user: CurrentUser) -> SettlementRecord:
    """Who pays whom for a month: each agency's net, at most N-1 transfers for N agencies,
    and the bilateral balances for agencies that settle directly. A collective admin."""
    return reads.settlement(ctx, user, period)


@router.get("/incidents/{incident_id}/costs", response_model=CostPackage, responses=ERRORS)
def incident_costs(incident_id: str, ctx: ContextDep, user: CurrentUser) -> CostPackage:
    """Every cross-agency cost of one incident, posted as it closed: each lent unit's
    time, clause, rate and price. An agency's admin sees their own agency's part."""
    return reads.incident_costs(ctx, user, incident_id)
