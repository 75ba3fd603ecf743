"""The people API: the agencies' officers, the crews of the units by shift, and the
certifications granted to them, renewals kept (docs/people.md). An agency's admin keeps
their agency's; an officer reads their own; central dispatch reads the crews."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from bluepool.domain.people.certifications import Grant
from bluepool.domain.people.crews import CrewAssignment
from bluepool.domain.people.personnel import Person
from bluepool.domain.shared.ids import ID_PATTERN, MAX_ID_LENGTH
from bluepool.services.people import certifications, crews, personnel
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.common import Problem
from bluepool.web.schemas.people import CertificationIn, CrewIn, PersonIn, RenewalIn

router = APIRouter(tags=["people"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409)}
IdQuery = Annotated[str | None, Query(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)]
AtQuery = Annotated[AwareDatetime | None, Query(description="ISO 8601 with a time zone")]


@router.get("/personnel", response_model=tuple[Person, ...], responses=ERRORS)
def list_personnel(
    ctx: ContextDep, user: CurrentUser, agency: IdQuery = None
) -> tuple[Person, ...]:
    """The persons you may read (of ``agency``), by id: an admin their agency's, an
    officer their own record."""
    return personnel.list_personnel(ctx, user, agency)


@router.post("/personnel", status_code=201, response_model=Person, responses=ERRORS)
def add_person(body: PersonIn, ctx: ContextDep, user: CurrentUser) -> Person:
    """Put a person on their agency's roll (its admin)."""
    return personnel.add_person(ctx, user, body.person())


@router.get("/personnel/{person_id}", response_model=Person, responses=ERRORS)
def get_person(person_id: str, ctx: ContextDep, user: CurrentUser) -> Person:
    return personnel.get_person(ctx, user, person_id)


@router.get("/crews", response_model=tuple[CrewAssignment, ...], responses=ERRORS)
def list_crews(
    ctx: ContextDep, user: CurrentUser, unit: IdQuery = None, at: AtQuery = None
) -> tuple[CrewAssignment, ...]:
    """The shifts (on ``unit``; on shift ``at``), by start time: who is on a unit."""
    return crews.list_crews(ctx, user, unit, at)


@router.post("/crews", status_code=201, response_model=CrewAssignment, responses=ERRORS)
def add_crew(body: CrewIn, ctx: ContextDep, user: CurrentUser) -> CrewAssignment:
    """Put a person on a unit for a shift (their agency's admin); 409 when they are on
    another shift then."""
    return crews.add_crew(
        ctx, user, body.unit, body.person, body.role, body.starts_at, body.ends_at
    )


@router.get("/certifications", response_model=tuple[Grant, ...], responses=ERRORS)
def list_certifications(
    ctx: ContextDep, user: CurrentUser, person: IdQuery = None, valid_at: AtQuery = None
) -> tuple[Grant, ...]:
    """The grants you may read (of ``person``; valid at ``valid_at``), renewed ones too."""
    return certifications.list_certifications(ctx, user, person, valid_at)


@router.post("/certifications", status_code=201, response_model=Grant, responses=ERRORS)
def grant_certification(body: CertificationIn, ctx: ContextDep, user: CurrentUser) -> Grant:
    """Certify a person (their agency's admin); 422 when it would expire on or before the
    day it is issued."""
    return certifications.grant_certification(
        ctx, user, body.person, body.kind, body.issued_on, body.valid_days, body.expires_on
    )


@router.post(
    "/certifications/{grant_id}/renew", status_code=201, response_model=Grant, responses=ERRORS
)
def renew_certification(
    grant_id: str, body: RenewalIn, ctx: ContextDep, user: CurrentUser
) -> Grant:
    """Renew a grant: a new grant, the old one kept and superseded by it; 409 when it was
    renewed already."""
    return certifications.renew_certification(
        ctx, user, grant_id, body.issued_on, body.valid_days, body.expires_on
    )
