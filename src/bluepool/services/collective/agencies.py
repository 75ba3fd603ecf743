"""The collective's members: agencies."""

from __future__ import annotations

from bluepool.domain.access.roles import User
from bluepool.domain.collective.agencies import Agency
from bluepool.domain.collective.events import AgencyChanged
from bluepool.domain.collective.records import AgencyRecord
from bluepool.domain.shared.errors import Conflict, Duplicate
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import AgencyId
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.collective import policy
from bluepool.services.context import Context
from bluepool.services.lookup import found


def list_agencies(ctx: Context, user: User) -> tuple[AgencyRecord, ...]:
    policy.read(user)
    with ctx.reader() as uow:
        return tuple(AgencyRecord.of(a) for a in uow.agencies.list())


def get_agency(ctx: Context, user: User, agency_id: str) -> AgencyRecord:
    policy.read(user)
    with ctx.reader() as uow:
        return AgencyRecord.of(found(uow.agencies, AgencyId(agency_id), "agency"))


@refusal_recorded
def save_agency(ctx: Context, user: User, agency: Agency, create: bool) -> AgencyRecord:
    """Create an agency (collective admin) or rename it (its own admin too)."""
    if create:
        policy.keep_members(user)
    else:
        policy.keep_agency(user, agency.id)
    with ctx.uow() as uow:
        if create:
            if uow.agencies.get(agency.id) is not None:
                raise Duplicate(f"agency {agency.id} exists")
            uow.agencies.add(agency)
        else:
            found(uow.agencies, agency.id, "agency")
            uow.agencies.update(agency)
        record = AgencyRecord.of(agency)
        action = Action.CREATED if create else Action.UPDATED
        uow.raise_event(AgencyChanged(ctx.clock.now(), user.username, action, agency.id, record))
        uow.commit()
    return record


@refusal_recorded
def delete_agency(ctx: Context, user: User, agency_id: str) -> None:
    """Remove an agency that has no units and answers for no jurisdiction."""
    policy.keep_members(user)
    with ctx.uow() as uow:
        found(uow.agencies, agency_id, "agency")
        in_use = [str(u.id) for u in uow.units.list() if u.agency_id == agency_id][:3]
        in_use += [str(j.id) for j in uow.jurisdictions.list() if j.agency_id == agency_id][:3]
        if in_use:
            raise Conflict(
                f"agency {agency_id} still has units or jurisdictions ({', '.join(in_use)}...)",
                code="in_use",
            )
        uow.agencies.delete(AgencyId(agency_id))
        uow.raise_event(AgencyChanged(ctx.clock.now(), user.username, Action.DELETED, agency_id))
        uow.commit()
