"""Unit use cases: status changes and positions (AVL) from officers and dispatch.

Both carry the time the device saw the change and an optional idempotency key: a retried
update (same key) or one older than the last applied changes nothing and is answered with the
unit as it stands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bluepool.domain.access import roles as access
from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.errors import ConcurrentUpdate, Invalid, NotFound
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import UnitId
from bluepool.services import views
from bluepool.services.context import Context
from bluepool.services.ports import ChangeRecord, UnitOfWork

#: A status or position write that lost a race (another write to the same unit committed
#: first) is retried on fresh data: both are idempotent, so a retry is always safe.
ATTEMPTS = 3
#: How far ahead of the server's clock a device's timestamp may be. Further ahead is a
#: broken clock: accepting it would make every later update look stale.
MAX_CLOCK_SKEW = timedelta(minutes=5)


def _device_time(ctx: Context, at: datetime | None) -> tuple[datetime, datetime]:
    """Return (now, the update's time), refusing a time too far in the future."""
    now = ctx.clock.now()
    if at is not None and at > now + MAX_CLOCK_SKEW:
        raise Invalid(
            f"'at' {at.isoformat()} is more than {MAX_CLOCK_SKEW} ahead of the server "
            f"({now.isoformat()}): check the device's clock",
            code="clock_skew",
        )
    return now, at or now


def _retrying(write: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    for attempt in range(ATTEMPTS):
        try:
            return write()
        except ConcurrentUpdate:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def set_status(
    ctx: Context,
    user: User,
    unit_id: str,
    status: UnitStatus,
    at: datetime | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Move a unit to a new status; its incident's timeline follows."""
    return _retrying(lambda: _set_status(ctx, user, unit_id, status, at, idempotency_key))


def _set_status(
    ctx: Context,
    user: User,
    unit_id: str,
    status: UnitStatus,
    at: datetime | None,
    idempotency_key: str | None,
) -> dict[str, Any]:
    now, at = _device_time(ctx, at)
    events: list[dict[str, Any]] = []
    with ctx.uow() as uow:
        unit = _unit(uow, unit_id)
        access.require_unit_update(user, unit.id, unit.agency_id)
        if _replayed(uow, idempotency_key, unit.id):
            return {**views.unit(unit), "applied": False}
        incident = uow.incidents.get(unit.incident_id) if unit.incident_id else None
        applied = unit.change_status(status, at)
        if applied:
            uow.units.update(unit)
            if incident is not None:
                incident.unit_moved(unit, at, user.username)
                uow.incidents.update(incident)
                events.append({"type": "incident.updated", "incident": views.incident(incident)})
            uow.changes.add(
                ChangeRecord(
                    now,
                    user.username,
                    "status",
                    "unit",
                    unit.id,
                    {"status": status.value, "at": at.isoformat()},
                )
            )
        if idempotency_key:
            uow.idempotency.record(_key(idempotency_key, unit.id), now)
        uow.commit()
        view = views.unit(unit)
    if applied:
        ctx.publisher.publish({"type": "unit.updated", "unit": view})
        for e in events:
            ctx.publisher.publish(e)
    return {**view, "applied": applied}


def report_position(
    ctx: Context,
    user: User,
    unit_id: str,
    location: Location,
    at: datetime | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Record a unit's position fix and the jurisdiction it is in."""
    return _retrying(lambda: _report_position(ctx, user, unit_id, location, at, idempotency_key))


def _report_position(
    ctx: Context,
    user: User,
    unit_id: str,
    location: Location,
    at: datetime | None,
    idempotency_key: str | None,
) -> dict[str, Any]:
    now, at = _device_time(ctx, at)
    jurisdiction = ctx.locator().locate(location)
    with ctx.uow() as uow:
        unit = _unit(uow, unit_id)
        access.require_unit_update(user, unit.id, unit.agency_id)
        if _replayed(uow, idempotency_key, unit.id):
            return {**views.unit(unit), "applied": False}
        applied = unit.move_to(location, at, jurisdiction)
        if applied:
            uow.units.update(unit)
            uow.changes.add(
                ChangeRecord(
                    now,
                    user.username,
                    "position",
                    "unit",
                    unit.id,
                    {"lat": location.lat, "lon": location.lon, "at": at.isoformat()},
                )
            )
        if idempotency_key:
            uow.idempotency.record(_key(idempotency_key, unit.id), now)
        uow.commit()
        view = views.unit(unit)
    if applied:
        ctx.publisher.publish({"type": "unit.moved", "unit": view})
    return {**view, "applied": applied}


def _unit(uow: UnitOfWork, unit_id: str) -> Unit:
    unit = uow.units.get(UnitId(unit_id))
    if unit is None:
        raise NotFound(f"no unit {unit_id}", code="unit_not_found")
    return unit


def _key(key: str, unit_id: str) -> str:
    return f"unit:{unit_id}:{key}"


def _replayed(uow: UnitOfWork, key: str | None, unit_id: str) -> bool:
    return key is not None and uow.idempotency.seen(_key(key, unit_id))
