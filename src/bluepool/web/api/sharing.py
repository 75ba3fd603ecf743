"""The sharing API: what each agency lends, to whom, and how many units it keeps at home."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bluepool.domain.shared.ids import AgencyId
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule
from bluepool.domain.sharing.records import PolicyRecord
from bluepool.services.sharing import policies
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.common import Problem
from bluepool.web.schemas.sharing import PolicyIn

router = APIRouter(tags=["sharing"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}


@router.get("/agencies/{agency_id}/policy", response_model=PolicyRecord, responses=ERRORS)
def get_policy(agency_id: str, ctx: ContextDep, user: CurrentUser) -> PolicyRecord:
    """What the agency lends, to whom, and how many units it keeps at home."""
    return policies.get_policy(ctx, user, agency_id)


@router.put("/agencies/{agency_id}/policy", response_model=PolicyRecord, responses=ERRORS)
def put_policy(agency_id: str, body: PolicyIn, ctx: ContextDep, user: CurrentUser) -> PolicyRecord:
    """Set the agency's sharing policy (its admin or the collective admin)."""

    def opt(values: list[str] | None) -> frozenset[Any] | None:
        return None if values is None else frozenset(values)

    sharing = SharingPolicy(
        AgencyId(agency_id),
        body.home_reserve,
        tuple(
            SharingRule(
                opt(r.jurisdictions),
                opt(r.call_types),
                opt(r.capabilities),
                r.max_priority,
            )
            for r in body.rules
        ),
    )
    return policies.save_policy(ctx, user, sharing)


@router.get("/policies", response_model=tuple[PolicyRecord, ...])
def list_policies(ctx: ContextDep, user: CurrentUser) -> tuple[PolicyRecord, ...]:
    """Every agency's sharing policy."""
    return policies.list_policies(ctx, user)
