"""What dispatch answers: call types and their response plans (run cards)."""

from __future__ import annotations

from bluepool.domain.access.roles import User
from bluepool.domain.collective.agencies import CallType, emergency_clash
from bluepool.domain.collective.events import CallTypeChanged
from bluepool.domain.collective.records import CallTypeRecord
from bluepool.domain.shared.errors import Conflict, Duplicate
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import CallTypeCode
from bluepool.domain.sharing.lending import naming
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.collective import policy
from bluepool.services.context import Context
from bluepool.services.lookup import found
from bluepool.services.ports import IncidentFilter, Page


def list_call_types(ctx: Context, user: User) -> tuple[CallTypeRecord, ...]:
    policy.read(user)
    with ctx.reader() as uow:
        return tuple(CallTypeRecord.of(c) for c in uow.call_types.list())


def get_call_type(ctx: Context, user: User, code: str) -> CallTypeRecord:
    policy.read(user)
    with ctx.reader() as uow:
        return CallTypeRecord.of(found(uow.call_types, CallTypeCode(code), "call type"))


@refusal_recorded
def save_call_type(ctx: Context, user: User, call_type: CallType, create: bool) -> CallTypeRecord:
    policy.keep_members(user)
    with ctx.uow() as uow:
        clash = emergency_clash(uow.call_types.list(), call_type)
        if clash is not None:
            raise Conflict(clash, code="emergency_taken")
        if create:
            if uow.call_types.get(call_type.code) is not None:
                raise Duplicate(f"call type {call_type.code} exists")
            uow.call_types.add(call_type)
        else:
            found(uow.call_types, call_type.code, "call type")
            uow.call_types.update(call_type)
        record = CallTypeRecord.of(call_type)
        action = Action.CREATED if create else Action.UPDATED
        uow.raise_event(
            CallTypeChanged(ctx.clock.now(), user.username, action, call_type.code, record)
        )
        uow.commit()
    return record


@refusal_recorded
def delete_call_type(ctx: Context, user: User, code: str) -> None:
    """Retire a call type no open incident and no agreement in effect names."""
    policy.keep_members(user)
    with ctx.uow() as uow:
        found(uow.call_types, code, "call type")
        _, open_calls = uow.incidents.find(
            IncidentFilter(open=True, call_type=CallTypeCode(code)), Page(1, 0)
        )
        if open_calls:
            raise Conflict(f"call type {code} has {open_calls} open incident(s)", code="in_use")
        named = naming(uow.agreements.list(), call_type=CallTypeCode(code))
        if named:
            raise Conflict(f"agreement(s) {', '.join(named)} name call type {code}", code="in_use")
        uow.call_types.delete(CallTypeCode(code))
        uow.raise_event(CallTypeChanged(ctx.clock.now(), user.username, Action.DELETED, code))
        uow.commit()
