"""The areas the collective answers for: jurisdictions, each of one agency.

A change to a jurisdiction raises ``JurisdictionChanged``; ``bootstrap`` rebuilds the
jurisdiction locator on it, after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from bluepool.domain.access.roles import User
from bluepool.domain.collective.agencies import Jurisdiction
from bluepool.domain.collective.events import JurisdictionChanged
from bluepool.domain.collective.records import JurisdictionRecord
from bluepool.domain.shared.errors import Conflict, Duplicate
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import JurisdictionId
from bluepool.domain.sharing.lending import naming
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.collective import policy
from bluepool.services.context import Context
from bluepool.services.lookup import agency_exists, found
from bluepool.services.ports import UnitOfWork


def list_jurisdictions(ctx: Context, user: User, geometry: bool) -> tuple[JurisdictionRecord, ...]:
    policy.read(user)
    with ctx.reader() as uow:
        return tuple(JurisdictionRecord.of(j, geometry) for j in uow.jurisdictions.list())


def get_jurisdiction(ctx: Context, user: User, jurisdiction_id: str) -> JurisdictionRecord:
    policy.read(user)
    with ctx.reader() as uow:
        return JurisdictionRecord.of(
            found(uow.jurisdictions, JurisdictionId(jurisdiction_id), "jurisdiction")
        )


@refusal_recorded
def save_jurisdiction(
    ctx: Context, user: User, jurisdiction: Jurisdiction, create: bool
) -> JurisdictionRecord:
    policy.keep_members(user)
    with ctx.uow() as uow:
        if not create:
            found(uow.jurisdictions, jurisdiction.id, "jurisdiction")
        record = _save(ctx, user, uow, jurisdiction, replace=not create)
        uow.commit()
    return record


@dataclass(frozen=True, slots=True)
class Imported:
    created: int
    updated: int


@refusal_recorded
def import_jurisdictions(
    ctx: Context, user: User, jurisdictions: list[Jurisdiction], replace: bool
) -> Imported:
    """Create (or, with ``replace``, redraw) jurisdictions in one transaction."""
    policy.keep_members(user)
    created = updated = 0
    with ctx.uow() as uow:
        for j in jurisdictions:
            exists = uow.jurisdictions.get(j.id) is not None
            _save(ctx, user, uow, j, replace)
            created, updated = (created, updated + 1) if exists else (created + 1, updated)
        uow.commit()
    return Imported(created, updated)


def _save(
    ctx: Context, user: User, uow: UnitOfWork, jurisdiction: Jurisdiction, replace: bool
) -> JurisdictionRecord:
    """Add ``jurisdiction``, or redraw it when it exists and ``replace`` allows."""
    agency_exists(uow, jurisdiction.agency_id)
    exists = uow.jurisdictions.get(jurisdiction.id) is not None
    if exists and not replace:
        raise Duplicate(f"jurisdiction {jurisdiction.id} exists")
    if exists:
        uow.jurisdictions.update(jurisdiction)
    else:
        uow.jurisdictions.add(jurisdiction)
    record = JurisdictionRecord.of(jurisdiction, geometry=False)
    action = Action.UPDATED if exists else Action.CREATED
    uow.raise_event(
        JurisdictionChanged(ctx.clock.now(), user.username, action, jurisdiction.id, record)
    )
    return record


@refusal_recorded
def delete_jurisdiction(ctx: Context, user: User, jurisdiction_id: str) -> None:
    """Remove a jurisdiction no agreement in effect names."""
    policy.keep_members(user)
    with ctx.uow() as uow:
        found(uow.jurisdictions, jurisdiction_id, "jurisdiction")
        named = naming(uow.agreements.list(), jurisdiction=JurisdictionId(jurisdiction_id))
        if named:
            raise Conflict(
                f"agreement(s) {', '.join(named)} name jurisdiction {jurisdiction_id}",
                code="in_use",
            )
        uow.jurisdictions.delete(JurisdictionId(jurisdiction_id))
        uow.raise_event(
            JurisdictionChanged(ctx.clock.now(), user.username, Action.DELETED, jurisdiction_id)
        )
        uow.commit()
