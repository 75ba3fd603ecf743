"""Keeping the collective: agencies, jurisdictions, stations, units, call types, sharing
policies and users.

The collective admin keeps everything; an agency admin keeps only their own agency's
stations, units, sharing policy and users. Every change lands in the change log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from bluepool.domain.access import roles as access
from bluepool.domain.access.roles import Role, User
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Station
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.errors import Conflict, Duplicate, Forbidden, Invalid
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    JurisdictionId,
    StationId,
    UnitId,
    Username,
)
from bluepool.domain.sharing.policies import SharingPolicy
from bluepool.services import views
from bluepool.services.context import Context
from bluepool.services.ports import (
    ChangeRecord,
    IncidentFilter,
    Page,
    UnitOfWork,
)
from bluepool.services.queries import found

T = TypeVar("T")


def _write(
    ctx: Context,
    user: User,
    action: str,
    entity: str,
    entity_id: str,
    change: Callable[[UnitOfWork], dict[str, Any] | None],
) -> dict[str, Any] | None:
    """Run ``change`` in one unit of work, log it, commit, publish."""
    with ctx.uow() as uow:
        view = change(uow)
        uow.changes.add(
            ChangeRecord(ctx.clock.now(), user.username, action, entity, entity_id, view or {})
        )
        uow.commit()
    ctx.publisher.publish(
        {
            "type": f"{entity}.{action}d" if action != "delete" else f"{entity}.deleted",
            "id": entity_id,
            entity: view,
        }
    )
    return view


def _agency_exists(uow: UnitOfWork, agency_id: str) -> None:
    if uow.agencies.get(AgencyId(agency_id)) is None:
        raise Invalid(f"no agency {agency_id}", code="unknown_agency")


# agencies -------------------------------------------------------------------------------


def save_agency(ctx: Context, user: User, agency: Agency, create: bool) -> dict[str, Any]:
    access.require_collective_admin(user) if create else access.require_agency_admin(
        user, agency.id
    )

    def change(uow: UnitOfWork) -> dict[str, Any]:
        if create:
            if uow.agencies.get(agency.id) is not None:
                raise Duplicate(f"agency {agency.id} exists")
            uow.agencies.add(agency)
        else:
            found(uow.agencies, agency.id, "agency")
            uow.agencies.update(agency)
        return views.agency(agency)

    return _write(ctx, user, "create" if create else "update", "agency", agency.id, change) or {}


def delete_agency(ctx: Context, user: User, agency_id: str) -> None:
    access.require_collective_admin(user)

    def change(uow: UnitOfWork) -> None:
        found(uow.agencies, agency_id, "agency")
        in_use = [str(u.id) for u in uow.units.list() if u.agency_id == agency_id][:3]
        in_use += [str(j.id) for j in uow.jurisdictions.list() if j.agency_id == agency_id][:3]
        if in_use:
            raise Conflict(
                f"agency {agency_id} still has units or jurisdictions ({', '.join(in_use)}...)",
                code="in_use",
            )
        uow.agencies.delete(AgencyId(agency_id))

    _write(ctx, user, "delete", "agency", agency_id, change)


# jurisdictions --------------------------------------------------------------------------


def save_jurisdiction(
    ctx: Context, user: User, jurisdiction: Jurisdiction, create: bool
) -> dict[str, Any]:
    access.require_collective_admin(user)

    def change(uow: UnitOfWork) -> dict[str, Any]:
        _agency_exists(uow, jurisdiction.agency_id)
        if create:
            if uow.jurisdictions.get(jurisdiction.id) is not None:
                raise Duplicate(f"jurisdiction {jurisdiction.id} exists")
            uow.jurisdictions.add(jurisdiction)
        else:
            found(uow.jurisdictions, jurisdiction.id, "jurisdiction")
            uow.jurisdictions.update(jurisdiction)
        return views.jurisdiction(jurisdiction, geometry=False)

    view = (
        _write(
            ctx,
            user,
            "create" if create else "update",
            "jurisdiction",
            jurisdiction.id,
            change,
        )
        or {}
    )
    ctx.jurisdictions_changed()
    return view


def delete_jurisdiction(ctx: Context, user: User, jurisdiction_id: str) -> None:
    access.require_collective_admin(user)

    def change(uow: UnitOfWork) -> None:
        found(uow.jurisdictions, jurisdiction_id, "jurisdiction")
        lenders = [
            p.agency_id
            for p in uow.policies.list()
            if any(r.jurisdictions and jurisdiction_id in r.jurisdictions for r in p.rules)
        ]
        if lenders:
            raise Conflict(
                f"the sharing policies of {', '.join(lenders)} name jurisdiction {jurisdiction_id}",
                code="in_use",
            )
        uow.jurisdictions.delete(JurisdictionId(jurisdiction_id))

    _write(ctx, user, "delete", "jurisdiction", jurisdiction_id, change)
    ctx.jurisdictions_changed()


# stations -------------------------------------------------------------------------------


def save_station(ctx: Context, user: User, station: Station, create: bool) -> dict[str, Any]:
    access.require_agency_admin(user, station.agency_id)

    def change(uow: UnitOfWork) -> dict[str, Any]:
        _agency_exists(uow, station.agency_id)
        if create:
            if uow.stations.get(station.id) is not None:
                raise Duplicate(f"station {station.id} exists")
            uow.stations.add(station)
        else:
            old = found(uow.stations, station.id, "station")
            access.require_agency_admin(user, old.agency_id)
            uow.stations.update(station)
        return views.station(station)

    return _write(ctx, user, "create" if create else "update", "station", station.id, change) or {}


def delete_station(ctx: Context, user: User, station_id: str) -> None:
    def change(uow: UnitOfWork) -> None:
        old = found(uow.stations, station_id, "station")
        access.require_agency_admin(user, old.agency_id)
        posted = [u.id for u in uow.units.list() if u.station_id == station_id]
        if posted:
            raise Invalid(
                f"station {station_id} still has units: {', '.join(posted[:5])}",
                code="in_use",
            )
        uow.stations.delete(StationId(station_id))

    _write(ctx, user, "delete", "station", station_id, change)


# units ----------------------------------------------------------------------------------


def create_unit(ctx: Context, user: User, unit: Unit) -> dict[str, Any]:
    """Add a unit to an agency's fleet, posted (and positioned) at its station."""
    access.require_agency_admin(user, unit.agency_id)
    locator = ctx.locator()  # before the unit of work: building it reads the database

    def change(uow: UnitOfWork) -> dict[str, Any]:
        _agency_exists(uow, unit.agency_id)
        if uow.units.get(unit.id) is not None:
            raise Duplicate(f"unit {unit.id} exists")
        new = unit
        if unit.station_id is not None:
            station = _station_of(uow, unit.station_id, unit.agency_id)
            if unit.location is None:
                new = replace(unit, location=station.location)
        if new.location is not None:
            new.jurisdiction_id = locator.locate(new.location)
        new.status_at = new.position_at = ctx.clock.now()
        uow.units.add(new)
        return views.unit(new)

    return _write(ctx, user, "create", "unit", unit.id, change) or {}


def update_unit(
    ctx: Context,
    user: User,
    unit_id: str,
    name: str | None = None,
    kind: str | None = None,
    capabilities: frozenset[str] | None = None,
    station_id: str | None = None,
) -> dict[str, Any]:
    """Change a unit's name, kind, capabilities or station (not its status)."""

    def change(uow: UnitOfWork) -> dict[str, Any]:
        unit = found(uow.units, unit_id, "unit")
        access.require_agency_admin(user, unit.agency_id)
        if station_id is not None:
            _station_of(uow, StationId(station_id), unit.agency_id)
            unit.station_id = StationId(station_id)
        if name is not None:
            unit.name = name
        if kind is not None:
            unit.kind = kind
        if capabilities is not None:
            if not capabilities:
                raise Invalid("a unit needs at least one capability", code="no_capabilities")
            unit.capabilities = capabilities
        uow.units.update(unit)
        return views.unit(unit)

    return _write(ctx, user, "update", "unit", unit_id, change) or {}


def delete_unit(ctx: Context, user: User, unit_id: str) -> None:
    def change(uow: UnitOfWork) -> None:
        unit = found(uow.units, unit_id, "unit")
        access.require_agency_admin(user, unit.agency_id)
        if unit.incident_id is not None:
            raise Conflict(f"unit {unit_id} is on incident {unit.incident_id}", code="in_use")
        crew = [u.username for u in uow.users.list() if u.unit_id == unit_id and u.active]
        if crew:
            raise Conflict(
                f"unit {unit_id} is crewed by {', '.join(crew)}: reassign or deactivate them first",
                code="in_use",
            )
        uow.units.delete(UnitId(unit_id))

    _write(ctx, user, "delete", "unit", unit_id, change)


def _station_of(uow: UnitOfWork, station_id: StationId, agency_id: AgencyId) -> Station:
    station = uow.stations.get(station_id)
    if station is None or station.agency_id != agency_id:
        raise Invalid(f"no station {station_id} in agency {agency_id}", code="unknown_station")
    return station


# call types and response plans ---------------------------------------------------------


def save_call_type(ctx: Context, user: User, call_type: CallType, create: bool) -> dict[str, Any]:
    access.require_collective_admin(user)

    def change(uow: UnitOfWork) -> dict[str, Any]:
        if create:
            if uow.call_types.get(call_type.code) is not None:
                raise Duplicate(f"call type {call_type.code} exists")
            uow.call_types.add(call_type)
        else:
            found(uow.call_types, call_type.code, "call type")
            uow.call_types.update(call_type)
        return views.call_type(call_type)

    return (
        _write(
            ctx,
            user,
            "create" if create else "update",
            "call_type",
            call_type.code,
            change,
        )
        or {}
    )


def delete_call_type(ctx: Context, user: User, code: str) -> None:
    access.require_collective_admin(user)

    def change(uow: UnitOfWork) -> None:
        found(uow.call_types, code, "call type")
        _, open_calls = uow.incidents.find(
            IncidentFilter(open=True, call_type=CallTypeCode(code)), Page(1, 0)
        )
        if open_calls:
            raise Conflict(f"call type {code} has {open_calls} open incident(s)", code="in_use")
        lenders = [
            p.agency_id
            for p in uow.policies.list()
            if any(r.call_types and code in r.call_types for r in p.rules)
        ]
        if lenders:
            raise Conflict(
                f"the sharing policies of {', '.join(lenders)} name call type {code}", code="in_use"
            )
        uow.call_types.delete(CallTypeCode(code))

    _write(ctx, user, "delete", "call_type", code, change)


# sharing policies -----------------------------------------------------------------------


def save_policy(ctx: Context, user: User, policy: SharingPolicy) -> dict[str, Any]:
    """Set what an agency lends; only that agency's admin (or the collective admin) may."""
    access.require_agency_admin(user, policy.agency_id)

    def change(uow: UnitOfWork) -> dict[str, Any]:
        _agency_exists(uow, policy.agency_id)
        known = {j.id for j in uow.jurisdictions.list()}
        codes = {c.code for c in uow.call_types.list()}
        for n, rule in enumerate(policy.rules):
            bad = (rule.jurisdictions or frozenset()) - known
            if bad:
                raise Invalid(
                    f"rules[{n}]: no jurisdiction {', '.join(sorted(bad))}",
                    code="unknown_jurisdiction",
                )
            unknown = (rule.call_types or frozenset()) - codes
            if unknown:
                raise Invalid(
                    f"rules[{n}]: no call type {', '.join(sorted(unknown))}",
                    code="unknown_call_type",
                )
        if uow.policies.get(policy.agency_id) is None:
            uow.policies.add(policy)
        else:
            uow.policies.update(policy)
        return views.policy(policy)

    return _write(ctx, user, "update", "sharing_policy", policy.agency_id, change) or {}


# users ----------------------------------------------------------------------------------


def create_user(ctx: Context, user: User, new: User, password: str) -> dict[str, Any]:
    """Create a user; an agency admin creates users of their own agency only."""
    _check_user_scope(user, new)
    if len(password) < 8:
        raise Invalid("a password needs at least 8 characters", code="weak_password")

    def change(uow: UnitOfWork) -> dict[str, Any]:
        if uow.users.get(new.username) is not None:
            raise Duplicate(f"user {new.username} exists")
        _check_user_refs(uow, new)
        new.password_hash = ctx.hasher.hash(password)
        uow.users.add(new)
        return views.user(new)

    return _write(ctx, user, "create", "user", new.username, change) or {}


def update_user(
    ctx: Context,
    user: User,
    username: str,
    role: Role | None = None,
    full_name: str | None = None,
    unit_id: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    def change(uow: UnitOfWork) -> dict[str, Any]:
        target = found(uow.users, username, "user")
        _check_user_scope(user, target)
        if role is not None:
            target.role = role
        if full_name is not None:
            target.full_name = full_name
        if unit_id is not None:
            target.unit_id = UnitId(unit_id) if unit_id else None
        if active is not None:
            target.active = active
        if password is not None:
            if len(password) < 8:
                raise Invalid("a password needs at least 8 characters", code="weak_password")
            target.password_hash = ctx.hasher.hash(password)
        _check_user_scope(user, target)
        if target.active:  # a deactivated user may point at a unit that is gone
            _check_user_refs(uow, target)
        uow.users.update(target)
        return views.user(target)

    return _write(ctx, user, "update", "user", username, change) or {}


#: Roles an agency admin may grant within their own agency; the others (dispatch,
#: supervision, analysis, collective administration) work for the whole collective and are
#: granted by a collective admin.
AGENCY_ROLES = frozenset({Role.OFFICER, Role.AGENCY_ADMIN})


def _check_user_scope(user: User, target: User) -> None:
    if user.role is Role.COLLECTIVE_ADMIN:
        return
    if target.agency_id is None:
        access.require_collective_admin(user)
    access.require_agency_admin(user, target.agency_id)  # type: ignore[arg-type]
    if target.role not in AGENCY_ROLES:
        raise Forbidden(
            f"an agency admin grants only {', '.join(sorted(AGENCY_ROLES))}; "
            f"{target.role.value} is granted by a collective admin"
        )


def _check_user_refs(uow: UnitOfWork, target: User) -> None:
    if target.agency_id is not None:
        _agency_exists(uow, target.agency_id)
    if target.role is Role.OFFICER:
        if target.unit_id is None:
            raise Invalid("an officer user needs the unit they crew", code="officer_without_unit")
        unit = uow.units.get(target.unit_id)
        if unit is None or unit.agency_id != target.agency_id:
            raise Invalid(
                f"no unit {target.unit_id} in agency {target.agency_id}",
                code="unknown_unit",
            )


def get_user(ctx: Context, username: str) -> User | None:
    with ctx.reader() as uow:
        return uow.users.get(Username(username))


def authenticate(ctx: Context, username: str, password: str) -> User | None:
    """Return the active user with these credentials, else None."""
    found = get_user(ctx, username)
    if found is None or not found.active or not found.password_hash:
        return None
    return found if ctx.hasher.verify(found.password_hash, password) else None


def users_with_default_passwords(ctx: Context, limit: int = 500) -> list[str]:
    """Return the users whose password is their user name (as in the demo collective)."""
    with ctx.reader() as uow:
        users = uow.users.list()[:limit]
    return [
        u.username
        for u in users
        if u.active and u.password_hash and ctx.hasher.verify(u.password_hash, u.username)
    ]


def import_jurisdictions(
    ctx: Context, user: User, jurisdictions: list[Jurisdiction], replace: bool
) -> dict[str, int]:
    """Create (or, with ``replace``, redraw) jurisdictions in one transaction."""
    access.require_collective_admin(user)
    created = updated = 0
    with ctx.uow() as uow:
        now = ctx.clock.now()
        for j in jurisdictions:
            _agency_exists(uow, j.agency_id)
            exists = uow.jurisdictions.get(j.id) is not None
            if exists and not replace:
                raise Duplicate(f"jurisdiction {j.id} exists (use --replace to redraw it)")
            if exists:
                uow.jurisdictions.update(j)
                updated += 1
            else:
                uow.jurisdictions.add(j)
                created += 1
            uow.changes.add(
                ChangeRecord(
                    now,
                    user.username,
                    "update" if exists else "create",
                    "jurisdiction",
                    j.id,
                    views.jurisdiction(j, geometry=False),
                )
            )
        uow.commit()
    ctx.jurisdictions_changed()
    return {"created": created, "updated": updated}
