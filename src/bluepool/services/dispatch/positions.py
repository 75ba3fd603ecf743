"""Position use cases (AVL): a batch of many units' fixes from a gateway, one fix from a
unit, a unit's position history, and pruning the history past its retention.

Every fix goes to the history (a repeated fix once); a unit's latest position moves only
to a fix newer than the one it has, so a late fix never moves a unit back. A batch is all
or nothing: one bad fix (unknown unit, clock in the future, a unit the user may not
report) refuses the batch and names its index. The live stream gets one event per batch
with the units that moved, not an event per fix, and positions stay out of the change
log (decision 0011).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.events import PositionsReported
from bluepool.domain.dispatch.positions import PositionFix, UnitPosition, newest_per_unit
from bluepool.domain.dispatch.records import (
    PositionBatchResult,
    PositionHistory,
    PositionRecord,
    UnitUpdateResult,
)
from bluepool.domain.shared.errors import ConcurrentUpdate, DomainError, Invalid, NotFound
from bluepool.domain.shared.ids import UnitId
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.dispatch import policy
from bluepool.services.lookup import found
from bluepool.services.ports import LatestPosition, PendingFix, UnitOfWork

#: The most fixes one batch may carry (a body of 5,000 fixes is about 0.7 MB of JSON).
MAX_BATCH = 5000
#: The most fixes one history read returns.
MAX_HISTORY = 10_000
#: How far ahead of the server's clock a device's timestamp may be (as for one fix).
MAX_CLOCK_SKEW = timedelta(minutes=5)
#: Fixes deleted per transaction by ``prune_positions``.
PRUNE_BATCH = 10_000
#: A batch that lost a deadlock to another batch on the same units is retried.
ATTEMPTS = 3


@refusal_recorded
def report_positions(ctx: Context, user: User, fixes: Sequence[PositionFix]) -> PositionBatchResult:
    """Record a batch of fixes of many units in one transaction, or refuse it whole."""
    policy.read(user)
    if not 1 <= len(fixes) <= MAX_BATCH:
        raise Invalid(
            f"a batch carries 1 to {MAX_BATCH} fixes, not {len(fixes)}", code="batch_size"
        )
    now = ctx.clock.now()
    for i, fix in enumerate(fixes):
        if fix.at > now + MAX_CLOCK_SKEW:
            raise Invalid(
                f"fixes[{i}]: 'at' {fix.at.isoformat()} is more than {MAX_CLOCK_SKEW} ahead "
                f"of the server ({now.isoformat()}): check the device's clock",
                code="clock_skew",
            )
    newest = newest_per_unit(list(fixes))
    jurisdictions = ctx.locator().locate_many([f.location for f in newest.values()])
    latest = [LatestPosition(f, j) for f, j in zip(newest.values(), jurisdictions, strict=True)]
    for attempt in range(ATTEMPTS):
        try:
            with ctx.uow() as uow:
                owners = uow.units.get_many(newest.keys())
                for i, fix in enumerate(fixes):
                    unit = owners.get(fix.unit_id)
                    if unit is None:
                        raise Invalid(f"fixes[{i}]: no unit {fix.unit_id!r}", code="unknown_unit")
                    try:
                        policy.report_position(user, fix.unit_id, unit.agency_id)
                    except DomainError as exc:
                        raise type(exc)(f"fixes[{i}]: {exc.detail}") from exc
                retention = ctx.position_retention
                _prune_some(retention, uow, now, len(fixes))
                moved = uow.positions.record(_kept(retention, fixes, now), latest, now)
                if moved:
                    by_unit = {p.fix.unit_id: p for p in latest}
                    uow.raise_event(
                        PositionsReported(
                            now, user.username, tuple(_position(by_unit[u]) for u in moved)
                        )
                    )
                uow.commit()
            return PositionBatchResult(len(fixes), tuple(moved))
        except ConcurrentUpdate:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def position_history(
    ctx: Context,
    user: User,
    unit_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> PositionHistory:
    """A unit's fixes in [since, until), oldest first (for replay and analytics)."""
    policy.read(user)
    if not 1 <= limit <= MAX_HISTORY:
        raise Invalid(f"limit must be 1 to {MAX_HISTORY}", code="limit")
    with ctx.reader() as uow:
        unit = found(uow.units, UnitId(unit_id), "unit")
        policy.read_track(user, unit.id, unit.agency_id)
        fixes = uow.positions.history(unit.id, since, until, limit)
    return PositionHistory(
        unit.id, tuple(PositionRecord(f.at, f.location, f.speed, f.heading) for f in fixes)
    )


@refusal_recorded
def prune_positions(ctx: Context, user: User) -> int:
    """Delete every fix older than the retention, in batches; return how many."""
    policy.prune_positions(user)
    if ctx.position_retention is None:
        return 0
    before = ctx.clock.now() - ctx.position_retention
    total = 0
    while True:
        with ctx.uow() as uow:
            deleted = uow.positions.prune(before, PRUNE_BATCH)
            uow.commit()
        total += deleted
        if deleted < PRUNE_BATCH:
            return total


def record_fix(
    uow: UnitOfWork,
    fix: PositionFix,
    latest: LatestPosition,
    now: datetime,
    retention: timedelta | None,
) -> bool:
    """Record one unit's fix in the open ``uow`` (the single-fix use case,
    ``units.report_position``); return True if the unit moved."""
    # One single fix in 64 also sweeps up to 64 expired fixes: the history stays bounded
    # at about the same cost per fix as a batch's sweep.
    if zlib.crc32(f"{fix.unit_id}{fix.at.isoformat()}".encode()) % 64 == 0:
        _prune_some(retention, uow, now, 64)
    return bool(uow.positions.record(_kept(retention, [fix], now), [latest], now))


def commit_fixes(ctx: Context, items: Sequence[PendingFix]) -> list[UnitUpdateResult | Exception]:
    """Write single fixes from many requests in one transaction (``Context.fix_queue``,
    ``services.grouping``): each fix is checked on its own (unknown unit, policy,
    idempotency key) and a refused one is answered with its error without failing the
    others; the rest are written as one batch, with one ``PositionsReported`` event for
    the units that moved. Returns one answer per item, in order."""
    for attempt in range(ATTEMPTS):
        try:
            return _commit_fixes(ctx, items)
        except ConcurrentUpdate:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _commit_fixes(ctx: Context, items: Sequence[PendingFix]) -> list[UnitUpdateResult | Exception]:
    now = max(i.received_at for i in items)
    answers: list[UnitUpdateResult | Exception | None] = [None] * len(items)
    with ctx.uow() as uow:
        found_units = uow.units.get_many({i.fix.unit_id for i in items})
        keys: set[str] = set()
        accepted: list[int] = []
        for n, item in enumerate(items):
            unit = found_units.get(item.fix.unit_id)
            try:
                if unit is None:
                    raise NotFound(f"no unit {item.fix.unit_id}", code="unit_not_found")
                policy.update_unit(item.user, unit)
            except DomainError as exc:
                answers[n] = exc
                continue
            key = item.idempotency_key and f"unit:{unit.id}:{item.idempotency_key}"
            if key and (key in keys or uow.idempotency.seen(key)):
                answers[n] = UnitUpdateResult.after(unit, applied=False)
                continue
            if key:
                keys.add(key)
            accepted.append(n)
        fixes = [items[n].fix for n in accepted]
        newest = newest_per_unit(fixes)
        by_fix = {id(items[n].fix): items[n] for n in accepted}
        latest = [LatestPosition(f, by_fix[id(f)].jurisdiction_id) for f in newest.values()]
        retention = ctx.position_retention
        _prune_some(retention, uow, now, len(fixes))
        moved = set(uow.positions.record(_kept(retention, fixes, now), latest, now))
        for p in latest:
            if p.fix.unit_id in moved:
                found_units[p.fix.unit_id].move_to(p.fix.location, p.fix.at, p.jurisdiction_id)
        # One event per sender (usually one: a unit's own device, or dispatch).
        reported: dict[str, list[UnitPosition]] = {}
        for p in latest:
            if p.fix.unit_id in moved:
                by = str(by_fix[id(p.fix)].user.username)
                reported.setdefault(by, []).append(_position(p))
        for by, moves in reported.items():
            uow.raise_event(PositionsReported(now, by, tuple(moves)))
        for key in keys:
            uow.idempotency.record(key, now)
        uow.commit()
    for n in accepted:
        fix = items[n].fix
        applied = fix.unit_id in moved and newest[fix.unit_id] is fix
        answers[n] = UnitUpdateResult.after(found_units[fix.unit_id], applied)
    return [a if a is not None else RuntimeError("unanswered") for a in answers]


def _kept(
    retention: timedelta | None, fixes: Sequence[PositionFix], now: datetime
) -> Sequence[PositionFix]:
    """The fixes the history keeps: those within the retention."""
    if retention is None:
        return fixes
    oldest = now - retention
    if all(f.at >= oldest for f in fixes):
        return fixes
    return [f for f in fixes if f.at >= oldest]


def _prune_some(retention: timedelta | None, uow: UnitOfWork, now: datetime, limit: int) -> None:
    """Delete up to as many expired fixes as are about to be added (before adding them): in
    steady state the history stays within its retention without a sweeper, at one
    indexed DELETE per batch."""
    if retention is not None:
        uow.positions.prune(now - retention, limit)


def _position(p: LatestPosition) -> UnitPosition:
    return UnitPosition(p.fix.unit_id, p.fix.location, p.fix.at, p.jurisdiction_id)
