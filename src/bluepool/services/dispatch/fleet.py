"""Keeping an agency's fleet: add, edit and remove unit records (not their status)."""

from __future__ import annotations

from dataclasses import replace

from bluepool.domain.access.roles import User
from bluepool.domain.collective.agencies import Station
from bluepool.domain.dispatch.events import UnitChanged
from bluepool.domain.dispatch.records import UnitRecord
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.errors import Conflict, Duplicate, Invalid
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import AgencyId, StationId, UnitId
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.dispatch import policy
from bluepool.services.lookup import agency_exists, found
from bluepool.services.ports import UnitOfWork


@refusal_recorded
def create_unit(ctx: Context, user: User, unit: Unit) -> UnitRecord:
    """Add a unit to an agency's fleet, posted (and positioned) at its station."""
    policy.keep_fleet(user, unit.agency_id)
    locator = ctx.locator()  # before the unit of work: building it reads the database
    with ctx.uow() as uow:
        agency_exists(uow, unit.agency_id)
        if uow.units.get(unit.id) is not None:
            raise Duplicate(f"unit {unit.id} exists")
        new = unit
        if unit.station_id is not None:
            station = _station_of(uow, unit.station_id, unit.agency_id)
            if unit.location is None:
                new = replace(unit, location=station.location)
        if new.location is not None:
            new.jurisdiction_id = locator.locate(new.location)
        now = ctx.clock.now()
        new.status_at = new.position_at = now
        uow.units.add(new)
        record = UnitRecord.of(new)
        uow.raise_event(UnitChanged(now, user.username, Action.CREATED, new.id, record))
        uow.commit()
    return record


@refusal_recorded
def update_unit(
    ctx: Context,
    user: User,
    unit_id: str,
    name: str | None = None,
    kind: str | None = None,
    capabilities: frozenset[str] | None = None,
    station_id: str | None = None,
) -> UnitRecord:
    """Change a unit's name, kind, capabilities or station (not its status)."""
    with ctx.uow() as uow:
        unit = found(uow.units, UnitId(unit_id), "unit")
        policy.keep_fleet(user, unit.agency_id)
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
        record = UnitRecord.of(unit)
        uow.raise_event(
            UnitChanged(ctx.clock.now(), user.username, Action.UPDATED, unit.id, record)
        )
        uow.commit()
    return record


@refusal_recorded
def delete_unit(ctx: Context, user: User, unit_id: str) -> None:
    """Remove a unit that is on no incident and crewed by no active user."""
    with ctx.uow() as uow:
        unit = found(uow.units, UnitId(unit_id), "unit")
        policy.keep_fleet(user, unit.agency_id)
        if unit.incident_id is not None:
            raise Conflict(f"unit {unit_id} is on incident {unit.incident_id}", code="in_use")
        crew = [u.username for u in uow.users.list() if u.unit_id == unit_id and u.active]
        if crew:
            raise Conflict(
                f"unit {unit_id} is crewed by {', '.join(crew)}: reassign or deactivate them first",
                code="in_use",
            )
        uow.units.delete(UnitId(unit_id))
        uow.raise_event(UnitChanged(ctx.clock.now(), user.username, Action.DELETED, unit.id))
        uow.commit()


def _station_of(uow: UnitOfWork, station_id: StationId, agency_id: AgencyId) -> Station:
    station = uow.stations.get(station_id)
    if station is None or station.agency_id != agency_id:
        raise Invalid(f"no station {station_id} in agency {agency_id}", code="unknown_station")
    return station
