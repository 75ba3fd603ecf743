"""Unit use cases: status changes and positions (AVL) from officers and dispatch; reading
the fleet.

Both updates carry the time the device saw the change and an optional idempotency key: a
retried update (same key) or one older than the last applied changes nothing and is answered
with the unit as it stands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.closing import clears_early
from bluepool.domain.dispatch.events import (
    IncidentRequeued,
    IncidentUpdated,
    UnitMoved,
    UnitStatusChanged,
)
from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.positions import PositionFix
from bluepool.domain.dispatch.records import (
    IncidentRecord,
    UnitPage,
    UnitRecord,
    UnitUpdateResult,
)
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.errors import ConcurrentUpdate, Conflict, Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import UnitId
from bluepool.services.audit import reads
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents, policy, positions
from bluepool.services.lookup import found
from bluepool.services.ports import LatestPosition, Page, PendingFix, UnitFilter, UnitOfWork

#: A status or position write that lost a race (another write to the same unit committed
#: first) is retried on fresh data: both are idempotent, so a retry is always safe.
ATTEMPTS = 3
#: How far ahead of the server's clock a device's timestamp may be. Further ahead is a
#: broken clock: accepting it would make every later update look stale.
MAX_CLOCK_SKEW = positions.MAX_CLOCK_SKEW


def get_unit(ctx: Context, user: User, unit_id: str) -> UnitRecord:
    policy.read(user)
    with ctx.reader() as uow:
        record = UnitRecord.of(found(uow.units, UnitId(unit_id), "unit"))
    reads.note(ctx, user, "dispatch.units.get_unit", "unit", [(record.id, record.agency)])
    return record


def list_units(ctx: Context, user: User, where: UnitFilter, page: Page) -> UnitPage:
    """The fleet, by unit id."""
    policy.read(user)
    with ctx.reader() as uow:
        items, total = uow.units.find(where, page)
    records = tuple(UnitRecord.of(u) for u in items)
    reads.note(ctx, user, "dispatch.units.list_units", "unit", ((r.id, r.agency) for r in records))
    return UnitPage(records, total, page.limit, page.offset)


@refusal_recorded
def set_status(
    ctx: Context,
    user: User,
    unit_id: str,
    status: UnitStatus,
    at: datetime | None = None,
    idempotency_key: str | None = None,
    reason: str = "",
    confirm: bool = False,
) -> UnitUpdateResult:
    """Move a unit to a new status; its incident's timeline follows. Out of service needs
    a ``reason`` (kept with the unit until it leaves that status). Clearing a unit before
    it reached its call must be confirmed (``confirm``): otherwise 409 ``confirm_clear``
    and nothing changes. A call whose last unit is freed before it was served goes back
    to the queue with an alert (``incident.requeued``)."""
    return _retrying(
        lambda: _set_status(ctx, user, unit_id, status, at, idempotency_key, reason, confirm)
    )


def _set_status(
    ctx: Context,
    user: User,
    unit_id: str,
    status: UnitStatus,
    at: datetime | None,
    idempotency_key: str | None,
    reason: str,
    confirm: bool = False,
) -> UnitUpdateResult:
    now, at = _device_time(ctx, at)
    with ctx.uow() as uow:
        unit = found(uow.units, UnitId(unit_id), "unit")
        policy.update_unit(user, unit)
        if _replayed(uow, idempotency_key, unit.id):
            return UnitUpdateResult.after(unit, applied=False)
        if not confirm and clears_early(unit, status, at):
            raise _early_clear(unit)
        incident = uow.incidents.get(unit.incident_id) if unit.incident_id else None
        applied = unit.change_status(status, at, reason)
        if applied:
            uow.units.update(unit)
            uow.raise_event(UnitStatusChanged(now, user.username, UnitRecord.of(unit)))
            if incident is not None:
                why = f"{unit.id} {status.value}" + (
                    f": {unit.status_reason}" if unit.status_reason else ""
                )
                _follow_unit(ctx, uow, incident, unit, (at, now), user.username, why)
        if idempotency_key:
            uow.idempotency.record(_key(idempotency_key, unit.id), now)
        uow.commit()
        return UnitUpdateResult.after(unit, applied)


@refusal_recorded
def report_position(
    ctx: Context,
    user: User,
    unit_id: str,
    location: Location,
    at: datetime | None = None,
    idempotency_key: str | None = None,
) -> UnitUpdateResult:
    """Record a unit's position fix and the jurisdiction it is in (the history keeps it
    even when it is older than the unit's position, which then does not move).

    With a ``fix_queue`` (the server's), fixes arriving together share one transaction
    and one event per sender (``unit.positions``); without, each is its own transaction
    with its own ``unit.moved``."""
    if ctx.fix_queue is not None:
        now, when = _device_time(ctx, at)
        pending = PendingFix(
            user,
            PositionFix(UnitId(unit_id), when, location),
            ctx.locator().locate(location),
            idempotency_key,
            now,
        )
        return ctx.fix_queue.submit(pending)
    return _retrying(lambda: _report_position(ctx, user, unit_id, location, at, idempotency_key))


def _report_position(
    ctx: Context,
    user: User,
    unit_id: str,
    location: Location,
    at: datetime | None,
    idempotency_key: str | None,
) -> UnitUpdateResult:
    now, at = _device_time(ctx, at)
    jurisdiction = ctx.locator().locate(location)
    fix = PositionFix(UnitId(unit_id), at, location)
    with ctx.uow() as uow:
        unit = found(uow.units, UnitId(unit_id), "unit")
        policy.update_unit(user, unit)
        if _replayed(uow, idempotency_key, unit.id):
            return UnitUpdateResult.after(unit, applied=False)
        # The history keeps every fix; the unit moves only to a newer one (in the same
        # statement, so a newer fix committed meanwhile is never moved back).
        latest = LatestPosition(fix, jurisdiction)
        applied = positions.record_fix(uow, fix, latest, now, ctx.position_retention)
        if applied:
            unit.move_to(location, at, jurisdiction)
            uow.raise_event(UnitMoved(now, user.username, UnitRecord.of(unit)))
        if idempotency_key:
            uow.idempotency.record(_key(idempotency_key, unit.id), now)
        uow.commit()
        return UnitUpdateResult.after(unit, applied)


def _follow_unit(
    ctx: Context,
    uow: UnitOfWork,
    incident: Incident,
    unit: Unit,
    when: tuple[datetime, datetime],
    actor: str,
    why: str,
) -> None:
    """The incident follows its unit's new status (closing on the last clear as the
    closing rules say); a call put back in the queue raises the ``incident.requeued``
    alert, saying ``why``. ``when``: the device's time of the change, and the server's."""
    at, now = when
    freed = unit.incident_id is None
    last_clear_closes = incidents.closing_rules(ctx, uow).last_unit_clear_closes if freed else True
    requeued = incident.unit_moved(unit, at, actor, last_clear_closes)
    uow.incidents.update(incident)
    record = IncidentRecord.of(incident)
    uow.raise_event(IncidentUpdated(now, actor, record))
    if requeued:
        uow.raise_event(IncidentRequeued(now, actor, record, why))


def _early_clear(unit: Unit) -> Conflict:
    return Conflict(
        f"unit {unit.id} is {unit.status.value} and has not reached incident "
        f"{unit.incident_id}: clearing now recalls it, and a call left without a unit goes "
        "back to the queue. Confirm the clear (confirm: true) to go ahead",
        code="confirm_clear",
    )


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


def _retrying(write: Callable[[], UnitUpdateResult]) -> UnitUpdateResult:
    for attempt in range(ATTEMPTS):
        try:
            return write()
        except ConcurrentUpdate:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _key(key: str, unit_id: str) -> str:
    return f"unit:{unit_id}:{key}"


def _replayed(uow: UnitOfWork, key: str | None, unit_id: str) -> bool:
    return key is not None and uow.idempotency.seen(_key(key, unit_id))
