"""Changes to what agencies lend: the agreements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.shared.events import Action, RecordChanged
from bluepool.domain.sharing.records import AgreementRecord


@dataclass(frozen=True, slots=True)
class AgreementChanged(RecordChanged):
    """An agreement was drafted, or moved on: amended, proposed, signed, terminated (each a
    new version; an agreement is never deleted)."""

    agreement: AgreementRecord | None = None
    entity: ClassVar[str] = "agreement"
    actions: ClassVar[tuple[Action, ...]] = (Action.CREATED, Action.UPDATED)
