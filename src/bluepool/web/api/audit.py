"""The audit log: its entries (analysts and collective admins), its verification, and its
signed checkpoints (made by a collective admin, exported for other agencies to keep)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import StreamingResponse

from bluepool.domain.audit.entries import Kind
from bluepool.domain.audit.records import AuditReport
from bluepool.services.audit import log
from bluepool.services.ports import AuditFilter, AuditPage
from bluepool.web.deps import ContextDep, CurrentUser, PageDep
from bluepool.web.schemas.audit import CheckpointFile, csv_chunks
from bluepool.web.schemas.common import Problem

router = APIRouter(tags=["audit"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (401, 403, 404, 409, 422)}
Text = Annotated[str | None, Query(max_length=200)]


def _filter(
    actor: Text = None,
    kind: Kind | None = None,
    action: Text = None,
    agency: Text = None,
    subject: Text = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditFilter:
    return AuditFilter(actor, kind.value if kind else None, action, agency, subject, since, until)


FilterDep = Annotated[AuditFilter, Depends(_filter)]


@router.get("/audit", response_model=AuditPage, responses=ERRORS)
def list_audit(ctx: ContextDep, user: CurrentUser, where: FilterDep, page: PageDep) -> AuditPage:
    """The audit log, newest first: every sign-in, failed sign-in, sign-out, refused
    write, change, and read of another agency's records. ``since`` is inclusive,
    ``until`` exclusive."""
    return log.list_entries(ctx, user, where, page)


@router.get(
    "/audit.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **ERRORS},
)
def export_audit(ctx: ContextDep, user: CurrentUser, where: FilterDep) -> StreamingResponse:
    """The entries ``GET /audit`` finds with the same filters, all of them, newest first,
    as CSV (streamed): one row per entry with the same fields (``body`` is the canonical
    JSON its hash covers). A text cell that would start a spreadsheet formula (``=``,
    ``+``, ``-``, ``@``) is prefixed with ``'``; ``body`` is never changed."""
    entries = log.export_entries(ctx, user, where)
    return StreamingResponse(
        csv_chunks(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="bluepool-audit.csv"'},
    )


@router.post("/audit/verify", response_model=AuditReport, responses=ERRORS)
def verify_audit(
    ctx: ContextDep,
    user: CurrentUser,
    checkpoint: Annotated[CheckpointFile | None, Body()] = None,
) -> AuditReport:
    """Verify the chain, against the checkpoint given (one another agency kept) or else
    the latest one the collective made. An empty ``findings`` list and no
    ``checkpoint_problem``: the log is whole."""
    return log.verify_log(ctx, user, checkpoint.checkpoint() if checkpoint else None)


@router.get("/audit/checkpoint", response_model=CheckpointFile, responses=ERRORS)
def latest_checkpoint(ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """The latest signed checkpoint, in the form other agencies keep."""
    return log.latest_checkpoint(ctx, user).exported()


@router.post("/audit/checkpoint", status_code=201, response_model=CheckpointFile, responses=ERRORS)
def make_checkpoint(ctx: ContextDep, user: CurrentUser) -> dict[str, Any]:
    """Seal the head of the log in a checkpoint signed with the collective's key."""
    return log.make_checkpoint(ctx, user).exported()
