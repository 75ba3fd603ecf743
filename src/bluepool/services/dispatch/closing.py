"""The collective's closing rules, as dispatch uses them: the dispositions a call may be
closed with, the report number, whether the last unit's clear closes the call."""

from __future__ import annotations

from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.closing import ClosingRules
from bluepool.domain.dispatch.records import ClosingRecord
from bluepool.domain.shared.ids import CallTypeCode
from bluepool.services.context import Context
from bluepool.services.dispatch import policy
from bluepool.services.ports import UnitOfWork


def rules(uow: UnitOfWork) -> ClosingRules:
    """The closing rules the collective file set, or the defaults."""
    return uow.closing.get() or ClosingRules()


def closing_rules(ctx: Context, user: User, call_type: str | None = None) -> ClosingRecord:
    """The dispositions (those for ``call_type`` when given) and the other rules."""
    policy.read(user)
    with ctx.reader() as uow:
        found = rules(uow)
    return ClosingRecord.of(found, CallTypeCode(call_type) if call_type else None)
