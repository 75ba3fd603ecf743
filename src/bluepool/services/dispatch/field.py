"""What an officer does from the phone: press the emergency button, ask for backup, start
an incident they came upon (a traffic stop, an on-view incident) and acknowledge an
assignment.

Each is allowed to the officer who crews the unit and to dispatch (a "Mayday" heard on the
radio is pressed for the officer from the console): the same rule as a status change.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.collective.agencies import CallType
from bluepool.domain.dispatch.events import (
    BackupRequested,
    IncidentReceived,
    IncidentUpdated,
    OfficerInDistress,
    UnitAssigned,
    UnitStatusChanged,
)
from bluepool.domain.dispatch.incidents import Incident, TimelineEntry
from bluepool.domain.dispatch.records import EmergencyResult, IncidentRecord, UnitRecord
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import CallTypeCode, IncidentId, UnitId
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.dispatch import geocode, incidents, policy
from bluepool.services.lookup import found
from bluepool.services.ports import IncidentFilter, Page, UnitOfWork

#: The emergency incident's priority, whatever its call type says: always the most urgent.
EMERGENCY_PRIORITY = 1


@refusal_recorded
def emergency(
    ctx: Context, user: User, unit_id: str, location: Location | None = None
) -> EmergencyResult:
    """Officer in distress: alert every dispatcher and open a P1 incident at the officer's
    position (the device's, sent with the press; else the unit's last fix; else its
    station). Never refused for want of a position or a jurisdiction: an emergency outside
    every jurisdiction is still taken (marked outside). Pressing again while the first is
    open answers with the open one and alerts again."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        unit = found(uow.units, UnitId(unit_id), "unit")
        policy.update_unit(user, unit)
        where, source = _last_known(uow, unit, location)
        call_type = next((c for c in uow.call_types.list() if c.emergency), None)
        incident = _open_emergency(uow, unit, call_type) if call_type is not None else None
        created = incident is None and call_type is not None
        if incident is None and call_type is not None:
            incident = _open_for(ctx, uow, user, unit, call_type, where, source)
        record = IncidentRecord.of(incident) if incident is not None else None
        uow.raise_event(OfficerInDistress(now, user.username, UnitRecord.of(unit), record, source))
        uow.commit()
    return EmergencyResult(UnitRecord.of(unit), record, created, source)


def _last_known(uow: UnitOfWork, unit: Unit, given: Location | None) -> tuple[Location, str]:
    if given is not None:
        return given, "device"
    if unit.location is not None:
        return unit.location, "unit position"
    station = uow.stations.get(unit.station_id) if unit.station_id else None
    if station is None:
        raise Invalid(
            f"the position of unit {unit.id} is unknown and it has no station: send the "
            "device's position with the press",
            code="no_position",
        )
    return station.location, "station"


def _open_emergency(uow: UnitOfWork, unit: Unit, call_type: CallType) -> Incident | None:
    """The open emergency incident opened for ``unit``, if there is one."""
    found_ids, _ = uow.incidents.find(
        IncidentFilter(open=True, call_type=call_type.code), Page(100, 0)
    )
    for incident in found_ids:
        if any(e.kind == "emergency" and e.unit_id == unit.id for e in incident.timeline):
            return incident
    return None


def _open_for(
    ctx: Context,
    uow: UnitOfWork,
    user: User,
    unit: Unit,
    call_type: CallType,
    where: Location,
    source: str,
) -> Incident:
    now = ctx.clock.now()
    name = unit.name or unit.id
    incident = Incident.receive(
        IncidentId(uuid.uuid4().hex[:12]),
        call_type.code,
        EMERGENCY_PRIORITY,
        where,
        ctx.locator().locate(where),
        now,
        user.username,
        f"Officer in distress: {name} ({unit.agency_id}); position from the {source}",
        geocode.address_of(ctx, where),
    )
    incident.timeline.append(
        TimelineEntry(now, "emergency", user.username, unit.id, f"position from the {source}")
    )
    uow.incidents.add(incident)
    uow.raise_event(IncidentReceived(now, user.username, IncidentRecord.of(incident)))
    if unit.status is UnitStatus.AVAILABLE and unit.incident_id is None:
        # The officer is where the emergency is: on scene of it, and no longer offered.
        _put_on_scene(uow, user, unit, incident, now, "the officer in distress")
    elif unit.incident_id is not None and (current := uow.incidents.get(unit.incident_id)):
        current.timeline.append(
            TimelineEntry(now, "emergency", user.username, unit.id, f"see incident {incident.id}")
        )
        uow.incidents.update(current)
        uow.raise_event(IncidentUpdated(now, user.username, IncidentRecord.of(current)))
    return incident


def _put_on_scene(
    uow: UnitOfWork, user: User, unit: Unit, incident: Incident, now: datetime, detail: str
) -> None:
    incident.assign(unit, now, user.username, detail)
    unit.change_status(UnitStatus.ON_SCENE, now)
    incident.unit_moved(unit, now, user.username)
    uow.units.update(unit)
    uow.incidents.update(incident)
    record, unit_record = IncidentRecord.of(incident), UnitRecord.of(unit)
    uow.raise_event(UnitAssigned(now, user.username, record, unit_record, 0.0))
    uow.raise_event(UnitStatusChanged(now, user.username, unit_record))


@refusal_recorded
def self_initiate(
    ctx: Context,
    user: User,
    unit_id: str,
    call_type: str,
    location: Location | None = None,
    description: str = "",
) -> IncidentRecord:
    """Start an incident the crew came upon (a call type the collective marks
    self-initiated), at the given position or the unit's last fix, with the unit on scene.
    The unit must be available; the location follows the same jurisdiction rule as a call
    taken by dispatch."""
    with ctx.uow() as uow:
        unit = found(uow.units, UnitId(unit_id), "unit")
        policy.update_unit(user, unit)
        ct = found(uow.call_types, CallTypeCode(call_type), "call type")
        if not ct.self_initiated:
            allowed = ", ".join(sorted(c.code for c in uow.call_types.list() if c.self_initiated))
            raise Invalid(
                f"call type {ct.code} is not started from the field; these are: "
                f"{allowed or 'none (mark a call type self_initiated)'}",
                code="not_self_initiated",
            )
        where = location or unit.location
        if where is None:
            raise Invalid(
                f"the position of unit {unit.id} is unknown: share GPS or give lat and lon",
                code="no_position",
            )
        jurisdiction = incidents.located(ctx, where)
        if unit.status is not UnitStatus.AVAILABLE or unit.incident_id is not None:
            on = f" on incident {unit.incident_id}" if unit.incident_id else ""
            raise Conflict(
                f"unit {unit.id} is {unit.status.value}{on}: clear it first",
                code="unit_unavailable",
            )
        now = ctx.clock.now()
        incident = Incident.receive(
            IncidentId(uuid.uuid4().hex[:12]),
            ct.code,
            ct.default_priority,
            where,
            jurisdiction,
            now,
            user.username,
            " ".join(description.split()),
            geocode.address_of(ctx, where),
        )
        uow.incidents.add(incident)
        uow.raise_event(IncidentReceived(now, user.username, IncidentRecord.of(incident)))
        _put_on_scene(uow, user, unit, incident, now, f"self-initiated by {unit.name or unit.id}")
        record = IncidentRecord.of(incident)
        uow.commit()
    return record


@refusal_recorded
def acknowledge(ctx: Context, user: User, unit_id: str) -> IncidentRecord:
    """The crew acknowledges its current assignment (once: again changes nothing)."""
    with ctx.uow() as uow:
        unit, incident = _on_incident(uow, user, unit_id, "acknowledge")
        now = ctx.clock.now()
        if incident.acknowledge(unit.id, now, user.username):
            uow.incidents.update(incident)
            uow.raise_event(IncidentUpdated(now, user.username, IncidentRecord.of(incident)))
        record = IncidentRecord.of(incident)
        uow.commit()
    return record


@refusal_recorded
def request_backup(ctx: Context, user: User, unit_id: str, detail: str = "") -> IncidentRecord:
    """The crew asks for another unit on its incident: dispatchers are alerted and the
    incident is marked until a unit is assigned to it."""
    with ctx.uow() as uow:
        unit, incident = _on_incident(uow, user, unit_id, "ask for backup")
        now = ctx.clock.now()
        incident.request_backup(unit.id, now, user.username, " ".join(detail.split()))
        uow.incidents.update(incident)
        record, unit_record = IncidentRecord.of(incident), UnitRecord.of(unit)
        uow.raise_event(IncidentUpdated(now, user.username, record))
        uow.raise_event(BackupRequested(now, user.username, unit_record, record))
        uow.commit()
    return record


def _on_incident(uow: UnitOfWork, user: User, unit_id: str, what: str) -> tuple[Unit, Incident]:
    unit = found(uow.units, UnitId(unit_id), "unit")
    policy.update_unit(user, unit)
    incident = uow.incidents.get(unit.incident_id) if unit.incident_id else None
    if incident is None:
        raise Conflict(
            f"unit {unit.id} is on no incident: nothing to {what} (start an incident or "
            "press emergency)",
            code="not_assigned",
        )
    return unit, incident
