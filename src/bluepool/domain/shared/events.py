"""Domain events: facts, named in the past tense, about something that changed.

A use case raises them into its unit of work; the unit of work writes them to the outbox in
the same transaction as the change, hands them to the in-transaction handlers (the change
log) before it commits and to the other handlers (the live stream, caches) after. Handlers
are registered once, in ``bootstrap``. ``bluepool.domain.events`` lists every event.

Every event says when it happened (``at``, the server's time) and who did it (``actor``).
``type`` is its name on the wire (the event stream's event names, the outbox's type column):
``incident.created``, ``unit.assigned``, ...
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    actor: str

    #: The name on the wire; see ``type``.
    name: ClassVar[str] = ""
    #: False: a fact for the audit log only (a sign-in, a refused write), never written to
    #: the outbox nor sent on the live stream.
    published: ClassVar[bool] = True

    @property
    def type(self) -> str:
        return self.name

    @classmethod
    def types(cls) -> tuple[str, ...]:
        """Every wire name events of this class can carry."""
        return (cls.name,)


class Action(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class RecordChanged(Event):
    """A record of the collective was created, updated or deleted by its keepers.

    Subclasses name the ``entity`` and carry the record as it now stands in a field of that
    name (None once deleted): ``AgencyChanged(..., agency=AgencyRecord(...))``. The wire name
    is ``ENTITY.ACTION`` (``agency.created``, ``sharing_policy.updated``).
    """

    action: Action
    id: str

    entity: ClassVar[str] = ""
    #: The actions this kind of record knows (a sharing policy is only ever updated).
    actions: ClassVar[tuple[Action, ...]] = (Action.CREATED, Action.UPDATED, Action.DELETED)

    @property
    def type(self) -> str:
        return f"{self.entity}.{self.action.value}"

    @classmethod
    def types(cls) -> tuple[str, ...]:
        return tuple(f"{cls.entity}.{a.value}" for a in cls.actions)
