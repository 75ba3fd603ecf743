"""Changes to who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.access.records import UserRecord
from bluepool.domain.shared.events import Action, RecordChanged


@dataclass(frozen=True, slots=True)
class UserChanged(RecordChanged):
    """A user was created or changed (role, unit, password, deactivated); users are never
    deleted, only deactivated, so the change log keeps naming them."""

    user: UserRecord | None = None
    entity: ClassVar[str] = "user"
    actions: ClassVar[tuple[Action, ...]] = (Action.CREATED, Action.UPDATED)
