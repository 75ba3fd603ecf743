"""Changes to what agencies lend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.shared.events import Action, RecordChanged
from bluepool.domain.sharing.records import PolicyRecord


@dataclass(frozen=True, slots=True)
class PolicyChanged(RecordChanged):
    """An agency's sharing policy was loaded or set (never deleted: an empty one lends
    nothing)."""

    sharing_policy: PolicyRecord | None = None
    entity: ClassVar[str] = "sharing_policy"
    actions: ClassVar[tuple[Action, ...]] = (Action.CREATED, Action.UPDATED)
