"""The message bus: domain events to the handlers registered for them (in ``bootstrap``).

A use case raises events into its unit of work (``uow.raise_event``). When it commits, the
unit of work

1. hands each event to the handlers registered ``within`` the transaction (the change log:
   what they write commits with the change, or not at all),
2. writes each event to the outbox (same transaction), commits,
3. then hands each event to the handlers registered ``after`` the commit (the live stream,
   caches to rebuild). These see only committed facts; one that fails is logged and the
   others still run: the change is already made and acknowledged.

Handlers are registered for an event class and receive its subclasses too (register for
``Event`` to see everything).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from bluepool.domain.shared.events import Event
from bluepool.services.plain import payload
from bluepool.services.ports import OutboxMessage

if TYPE_CHECKING:
    from bluepool.services.ports import UnitOfWork

log = logging.getLogger(__name__)

WithinHandler = Callable[["UnitOfWork", Any], None]
AfterHandler = Callable[[Any], None]


class MessageBus:
    def __init__(self) -> None:
        self._within: list[tuple[type[Event], WithinHandler]] = []
        self._after: list[tuple[type[Event], AfterHandler]] = []
        self._within_for: dict[type[Event], tuple[WithinHandler, ...]] = {}
        self._after_for: dict[type[Event], tuple[AfterHandler, ...]] = {}

    def within(self, event: type[Event], handler: WithinHandler) -> None:
        """Run ``handler(uow, event)`` inside the transaction, before it commits."""
        self._within.append((event, handler))
        self._within_for.clear()

    def after(self, event: type[Event], handler: AfterHandler) -> None:
        """Run ``handler(event)`` once the transaction has committed."""
        self._after.append((event, handler))
        self._after_for.clear()

    def handle_within(self, uow: UnitOfWork, events: Sequence[Event]) -> None:
        for event in events:
            for handler in _registered(self._within, self._within_for, type(event)):
                handler(uow, event)

    def handle_after(self, events: Sequence[Event]) -> None:
        for event in events:
            for handler in _registered(self._after, self._after_for, type(event)):
                try:
                    handler(event)
                except Exception:
                    log.exception("handler %r failed on %s", handler, event.type)


H = TypeVar("H")


def _registered(
    handlers: list[tuple[type[Event], H]], cache: dict[type[Event], tuple[H, ...]], kind: type
) -> tuple[H, ...]:
    """The handlers registered for ``kind`` or a class it derives from (looked up once)."""
    found = cache.get(kind)
    if found is None:
        found = cache[kind] = tuple(h for cls, h in handlers if issubclass(kind, cls))
    return found


#: How many rounds of events raised by in-transaction handlers a commit follows at most
#: (a handler that raises an event for every event it is given would never end).
MAX_ROUNDS = 10


def before_commit(
    uow: UnitOfWork, bus: MessageBus | None, take: Callable[[], list[Event]]
) -> list[Event]:
    """What every unit of work does with its events just before it commits: the
    in-transaction handlers, then one outbox row per published event, both in its
    transaction (an unpublished one, a sign-in say, is only for the audit log).

    ``take`` hands over (and forgets) the events raised so far. An in-transaction handler
    may raise events of its own (the ledger posts a closed incident's costs and says so):
    those are handled in turn, round after round until no new one comes. Returns every
    event of the commit, for the after-commit handlers."""
    events: list[Event] = []
    batch = take()
    rounds = 0
    while batch:
        rounds += 1
        if rounds > MAX_ROUNDS:
            raise RuntimeError(
                f"in-transaction handlers still raise events after {MAX_ROUNDS} rounds"
            )
        events.extend(batch)
        if bus is not None:
            bus.handle_within(uow, batch)
        batch = take()
    messages = [outbox_message(event) for event in events if event.published]
    if messages:
        uow.outbox.add_all(messages)
    return events


def outbox_message(event: Event) -> OutboxMessage:
    """The outbox row for ``event``: its type and its payload as plain JSON data."""
    return OutboxMessage(event.type, payload(event), event.at)
