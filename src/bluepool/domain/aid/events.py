"""What happens to mutual-aid requests: each step one event, carrying the request as it
now stands (the change log, the audit log, the live stream)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.aid.records import RequestRecord
from bluepool.domain.shared.events import Event

#: The wire names' prefix; the live stream shows these to the agencies involved.
PREFIX = "mutual_aid."


@dataclass(frozen=True, slots=True)
class AidRequested(Event):
    request: RequestRecord
    #: What the step did, in words ("MA-2027-0001: unit PAT-3 sent for item 1").
    detail: str = ""
    name: ClassVar[str] = "mutual_aid.requested"


@dataclass(frozen=True, slots=True)
class AidApproved(Event):
    request: RequestRecord
    #: What the step did, in words ("MA-2027-0001: unit PAT-3 sent for item 1").
    detail: str = ""
    name: ClassVar[str] = "mutual_aid.approved"


@dataclass(frozen=True, slots=True)
class AidDeclined(Event):
    request: RequestRecord
    #: What the step did, in words ("MA-2027-0001: unit PAT-3 sent for item 1").
    detail: str = ""
    name: ClassVar[str] = "mutual_aid.declined"


@dataclass(frozen=True, slots=True)
class AidCancelled(Event):
    request: RequestRecord
    #: What the step did, in words ("MA-2027-0001: unit PAT-3 sent for item 1").
    detail: str = ""
    name: ClassVar[str] = "mutual_aid.cancelled"


@dataclass(frozen=True, slots=True)
class AidFulfilled(Event):
    request: RequestRecord
    #: What the step did, in words ("MA-2027-0001: unit PAT-3 sent for item 1").
    detail: str = ""
    name: ClassVar[str] = "mutual_aid.fulfilled"


@dataclass(frozen=True, slots=True)
class AidReleased(Event):
    request: RequestRecord
    #: What the step did, in words ("MA-2027-0001: unit PAT-3 sent for item 1").
    detail: str = ""
    name: ClassVar[str] = "mutual_aid.released"


@dataclass(frozen=True, slots=True)
class AidExtended(Event):
    request: RequestRecord
    #: What the step did, in words ("MA-2027-0001: unit PAT-3 sent for item 1").
    detail: str = ""
    name: ClassVar[str] = "mutual_aid.extended"


#: Every mutual-aid event (each carries ``request`` and ``detail``).
MutualAidEvent = (
    AidRequested
    | AidApproved
    | AidDeclined
    | AidCancelled
    | AidFulfilled
    | AidReleased
    | AidExtended
)
EVENTS: tuple[type[MutualAidEvent], ...] = (
    AidRequested,
    AidApproved,
    AidDeclined,
    AidCancelled,
    AidFulfilled,
    AidReleased,
    AidExtended,
)
