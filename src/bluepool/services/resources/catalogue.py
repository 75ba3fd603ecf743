"""The resource catalogue: the types the collective knows, its resources (units and
loanable equipment, by type), who owns them, where they are kept, their condition and
when they may be lent (``domain.resources``; docs/resources.md).

What the API and the file cannot check alone is checked here, against the collective:
that the type is in the catalogue, the owner an agency and the home station one of the
owner's stations.
"""

from __future__ import annotations

from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.resources import catalogue
from bluepool.domain.resources.catalogue import ResourceType
from bluepool.domain.resources.events import ResourceChanged
from bluepool.domain.resources.loans import Loan
from bluepool.domain.resources.records import ResourceRecord, ResourceTypeRecord, available_now
from bluepool.domain.resources.resources import Resource, ResourceId
from bluepool.domain.shared.errors import ConcurrentUpdate, Duplicate, Invalid
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import StationId
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.lookup import agency_exists, not_found
from bluepool.services.ports import LoanFilter, UnitOfWork
from bluepool.services.resources import policy


def types_in(uow: UnitOfWork) -> dict[str, ResourceType]:
    """Every type the collective knows: the built-in ones and its ``resource_types``."""
    setting = uow.settings.get(catalogue.SETTING)
    return catalogue.catalogue(catalogue.types_of(setting.value) if setting else ())


def type_of(uow: UnitOfWork, type_id: str) -> ResourceType:
    found = types_in(uow).get(type_id)
    if found is None:
        raise Invalid(
            f"no resource type {type_id} in the catalogue (GET /resource-types lists them)",
            code="unknown_resource_type",
        )
    return found


def open_loans(uow: UnitOfWork) -> dict[ResourceId, Loan]:
    """The loans not returned yet, by resource."""
    return {loan.resource: loan for loan in uow.loans.find(LoanFilter(open=True))}


def record_of(uow: UnitOfWork, resource: Resource, now: datetime) -> ResourceRecord:
    loan = uow.loans.find(LoanFilter(resource=resource.id, open=True))
    return _record(resource, types_in(uow), next(iter(loan), None), now)


def list_types(ctx: Context, user: User) -> tuple[ResourceTypeRecord, ...]:
    """Every resource type of the catalogue, by id."""
    policy.read(user)
    with ctx.reader() as uow:
        types = types_in(uow)
    return tuple(ResourceTypeRecord.of(t) for t in types.values())


def list_resources(
    ctx: Context,
    user: User,
    type: str | None = None,
    owner: str | None = None,
    available: bool | None = None,
) -> tuple[ResourceRecord, ...]:
    """The catalogue (of ``type``, of ``owner``; with ``available``, only those that are,
    or are not, available now), by id; each with the loan it is out on."""
    policy.read(user)
    now = ctx.clock.now()
    with ctx.reader() as uow:
        resources = uow.resources.list()
        out = open_loans(uow)
        types = types_in(uow)
    return tuple(
        _record(r, types, out.get(r.id), now)
        for r in resources
        if (type is None or r.type == type)
        and (owner is None or r.owner == owner)
        and (available is None or available_now(r, out.get(r.id), now) == available)
    )


def _record(
    r: Resource, types: dict[str, ResourceType], loan: Loan | None, now: datetime
) -> ResourceRecord:
    # A type taken out of the collective's setting after the resource was made still names it.
    rtype = types.get(r.type) or ResourceType(r.type, r.type, catalogue.ResourceKind.EQUIPMENT)
    return ResourceRecord.of(r, rtype, loan, now)


def get_resource(ctx: Context, user: User, resource_id: str) -> ResourceRecord:
    policy.read(user)
    with ctx.reader() as uow:
        resource = found(uow, resource_id)
        return record_of(uow, resource, ctx.clock.now())


@refusal_recorded
def add_resource(ctx: Context, user: User, resource: Resource) -> ResourceRecord:
    """Add a resource (its owner's admin): a type of the catalogue, an owner agency, a home
    station of that agency (or none)."""
    policy.keep(user, resource.owner)
    with ctx.uow() as uow:
        if uow.resources.get(resource.id) is not None:
            raise Duplicate(f"resource {resource.id} already exists", code="resource_exists")
        check_references(uow, resource)
        uow.resources.add(resource)
        return _keep(ctx, uow, user, resource, Action.CREATED)


@refusal_recorded
def change_resource(
    ctx: Context, user: User, resource_id: str, version: int, terms: Resource
) -> ResourceRecord:
    """New terms for a resource (its name, type, owner, home station, condition, notes,
    windows). ``version`` is the version they were written against: a resource changed
    since is a conflict, not overwritten. An item out on loan keeps its owner."""
    with ctx.uow() as uow:
        current = found(uow, resource_id)
        policy.keep(user, current.owner)
        policy.keep(user, terms.owner)
        if version != current.version:
            raise ConcurrentUpdate(
                f"resource {current.id} is at version {current.version}, not {version}: "
                "reload it and try again",
                code="stale_version",
            )
        if terms.owner != current.owner and uow.loans.find(
            LoanFilter(resource=current.id, open=True)
        ):
            raise Invalid(
                f"resource {current.id} is out on loan: check it in before it changes owner",
                code="on_loan",
            )
        changed = current.changed(
            type=terms.type,
            name=terms.name,
            owner=terms.owner,
            home_station=terms.home_station,
            condition=terms.condition,
            maintenance_notes=terms.maintenance_notes,
            windows=terms.windows,
        )
        check_references(uow, changed)
        uow.resources.update(changed)
        return _keep(ctx, uow, user, changed, Action.UPDATED)


def found(uow: UnitOfWork, resource_id: str) -> Resource:
    resource = uow.resources.get(ResourceId(resource_id))
    if resource is None:
        raise not_found("resource", resource_id)
    return resource


def check_references(uow: UnitOfWork, resource: Resource) -> None:
    """Refuse a resource whose type, owner or home station the collective does not have."""
    type_of(uow, resource.type)
    agency_exists(uow, resource.owner)
    if resource.home_station is not None:
        station = uow.stations.get(StationId(resource.home_station))
        if station is None:
            raise Invalid(f"no station {resource.home_station}", code="unknown_station")
        if station.agency_id != resource.owner:
            raise Invalid(
                f"station {station.id} is {station.agency_id}'s, not {resource.owner}'s: a "
                "resource is kept at one of its owner's stations",
                code="station_of_another_agency",
            )


def _keep(
    ctx: Context, uow: UnitOfWork, user: User, resource: Resource, action: Action
) -> ResourceRecord:
    now = ctx.clock.now()
    record = record_of(uow, resource, now)
    uow.raise_event(ResourceChanged(now, user.username, action, resource.id, record))
    uow.commit()
    return record
