"""Events raised by an in-transaction handler are not lost: the unit of work handles them
in turn (round after round), writes them to the outbox and hands them to the after-commit
handlers, on every backend. (The ledger's posting of a closed incident raises its
``ledger.posted`` this way.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.domain.shared.events import Event
from bluepool.services.messagebus import MAX_ROUNDS, MessageBus
from bluepool.services.ports import UnitOfWork
from tests.builders import T0
from tests.conftest import UowFactory


@dataclass(frozen=True, slots=True)
class Knocked(Event):
    name: ClassVar[str] = "test.knocked"


@dataclass(frozen=True, slots=True)
class Answered(Event):
    round: int
    name: ClassVar[str] = "test.answered"


def with_bus(factory: UowFactory, bus: MessageBus) -> UnitOfWork:
    uow = factory()
    if isinstance(uow, MemoryUnitOfWork | SqlUnitOfWork):
        uow.bus = bus
    return uow


def test_events_raised_by_a_within_handler_are_handled_logged_and_published(
    uow_factory: UowFactory,
) -> None:
    bus = MessageBus()
    seen_within: list[str] = []
    seen_after: list[str] = []

    def answer(uow: UnitOfWork, event: Event) -> None:
        seen_within.append(event.type)
        if isinstance(event, Knocked):
            uow.raise_event(Answered(event.at, "door", 1))
        elif isinstance(event, Answered) and event.round < 3:
            uow.raise_event(Answered(event.at, "door", event.round + 1))

    bus.within(Event, answer)
    bus.after(Event, lambda e: seen_after.append(e.type))
    with with_bus(uow_factory, bus) as uow:
        uow.raise_event(Knocked(T0, "visitor"))
        uow.commit()
    expected = ["test.knocked", "test.answered", "test.answered", "test.answered"]
    assert seen_within == expected
    assert seen_after == expected
    with uow_factory() as uow:
        assert [m.type for m in uow.outbox.pending(10)] == expected


def test_a_handler_that_never_stops_raising_is_refused_and_nothing_commits(
    uow_factory: UowFactory,
) -> None:
    bus = MessageBus()
    bus.within(Event, lambda uow, e: uow.raise_event(Knocked(e.at, "loop")))
    with with_bus(uow_factory, bus) as uow:
        uow.raise_event(Knocked(T0, "visitor"))
        with pytest.raises(RuntimeError, match=f"after {MAX_ROUNDS} rounds"):
            uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.pending(10) == []
