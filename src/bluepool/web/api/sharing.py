"""The sharing API: agreements between agencies, or an agency and the collective, that
say what is lent, for what, how long and at what rate; drafted, proposed, signed by each
party and terminated, every version kept (docs/agreements.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bluepool.domain.sharing.agreements import State
from bluepool.domain.sharing.records import AgreementRecord, AgreementVersionRecord
from bluepool.services.sharing import agreements
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.common import Problem
from bluepool.web.schemas.sharing import (
    AgreementAmendment,
    AgreementIn,
    TerminationIn,
    VersionIn,
)

router = APIRouter(tags=["agreements"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}


@router.get("/agreements", response_model=tuple[AgreementRecord, ...])
def list_agreements(
    ctx: ContextDep, user: CurrentUser, party: str | None = None, state: State | None = None
) -> tuple[AgreementRecord, ...]:
    """Every agreement (of ``party``; in ``state`` now), by id."""
    return agreements.list_agreements(ctx, user, party, state)


@router.post("/agreements", status_code=201, response_model=AgreementRecord, responses=ERRORS)
def draft_agreement(body: AgreementIn, ctx: ContextDep, user: CurrentUser) -> AgreementRecord:
    """Draft an agreement (an admin of one of its parties); with ``propose``, put it to
    the parties for signature at once."""
    return agreements.draft_agreement(ctx, user, body.agreement(body.id), body.propose)


@router.get("/agreements/{agreement_id}", response_model=AgreementRecord, responses=ERRORS)
def get_agreement(agreement_id: str, ctx: ContextDep, user: CurrentUser) -> AgreementRecord:
    """An agreement as it stands now."""
    return agreements.get_agreement(ctx, user, agreement_id)


@router.put("/agreements/{agreement_id}", response_model=AgreementRecord, responses=ERRORS)
def amend_agreement(
    agreement_id: str, body: AgreementAmendment, ctx: ContextDep, user: CurrentUser
) -> AgreementRecord:
    """New terms for a draft or a proposal: back to draft, every signature dropped."""
    terms = body.agreement(agreement_id)
    return agreements.amend_agreement(ctx, user, agreement_id, body.version, terms)


@router.get(
    "/agreements/{agreement_id}/versions",
    response_model=tuple[AgreementVersionRecord, ...],
    responses=ERRORS,
)
def agreement_versions(
    agreement_id: str, ctx: ContextDep, user: CurrentUser
) -> tuple[AgreementVersionRecord, ...]:
    """Every version of an agreement, oldest first, with who made it and when."""
    return agreements.agreement_versions(ctx, user, agreement_id)


@router.post("/agreements/{agreement_id}/propose", response_model=AgreementRecord, responses=ERRORS)
def propose_agreement(
    agreement_id: str, ctx: ContextDep, user: CurrentUser, body: VersionIn | None = None
) -> AgreementRecord:
    """Put a draft to the parties for signature."""
    version = body.version if body else None
    return agreements.propose_agreement(ctx, user, agreement_id, version)


@router.post("/agreements/{agreement_id}/sign", response_model=AgreementRecord, responses=ERRORS)
def sign_agreement(
    agreement_id: str, ctx: ContextDep, user: CurrentUser, body: VersionIn | None = None
) -> AgreementRecord:
    """Sign a proposal for the party you administer (an agency admin signs for their
    agency, a collective admin for the collective); the last signature makes it signed."""
    version = body.version if body else None
    return agreements.sign_agreement(ctx, user, agreement_id, version)


@router.post(
    "/agreements/{agreement_id}/terminate", response_model=AgreementRecord, responses=ERRORS
)
def terminate_agreement(
    agreement_id: str, body: TerminationIn, ctx: ContextDep, user: CurrentUser
) -> AgreementRecord:
    """End an agreement now, with a reason: from now on it lends to no incident."""
    return agreements.terminate_agreement(ctx, user, agreement_id, body.reason, body.version)
