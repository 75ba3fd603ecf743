"""What happens to mutual-aid requests: each step one event, carrying the request as it
now stands (the change log, the audit log, the live stream)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bluepool.domain.aid.records import RequestRecord
from bluepool.domain.shared.events import Event

#: The wire names' prefix; the live stream shows these to the agencies involved.
PREFIX = "mutual_aid."


class AidStep(StrEnum):
    """What a request went through: ``mutual_aid.requested``, ``mutual_aid.approved``, ..."""

    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    FULFILLED = "fulfilled"
    RELEASED = "released"
    EXTENDED = "extended"


@dataclass(frozen=True, slots=True)
class MutualAidChanged(Event):
    """A request was made or moved on; ``step`` names what happened (its wire name)."""

    step: AidStep
    request: RequestRecord
    #: What the step did, in words ("MA-2027-0001: unit PAT-3 sent for item 1, ...").
    detail: str = ""

    @property
    def type(self) -> str:
        return f"{PREFIX}{self.step.value}"

    @classmethod
    def types(cls) -> tuple[str, ...]:
        return tuple(f"{PREFIX}{s.value}" for s in AidStep)
