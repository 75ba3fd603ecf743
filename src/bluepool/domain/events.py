"""Every event the collective raises, in one place.

The live stream's event names (what the console listens for) and the outbox's types are
``type`` of these classes; ``NAMES`` lists them all. A context that adds an event adds it
here.
"""

from __future__ import annotations

from bluepool.domain.access.events import (
    RecordsRead,
    SignedIn,
    SignedOut,
    SignInFailed,
    UserChanged,
    WriteRefused,
)
from bluepool.domain.aid.events import MutualAidChanged
from bluepool.domain.collective.events import (
    AgencyChanged,
    CallTypeChanged,
    JurisdictionChanged,
    SettingChanged,
    StationChanged,
)
from bluepool.domain.dispatch.events import (
    BackupRequested,
    IncidentClosed,
    IncidentEdited,
    IncidentNoted,
    IncidentReceived,
    IncidentRequeued,
    IncidentUpdated,
    OfficerInDistress,
    PositionsReported,
    PremiseNoteChanged,
    TimerAcknowledged,
    UnitAssigned,
    UnitChanged,
    UnitMoved,
    UnitRecalled,
    UnitReleased,
    UnitStatusChanged,
)
from bluepool.domain.ledger.events import LedgerPosted, PeriodClosed
from bluepool.domain.people.events import CertificationChanged, CrewChanged, PersonChanged
from bluepool.domain.resources.events import LoanOut, LoanOverdue, LoanReturned, ResourceChanged
from bluepool.domain.shared.events import Event
from bluepool.domain.sharing.events import AgreementChanged

EVENTS: tuple[type[Event], ...] = (
    IncidentReceived,
    UnitAssigned,
    UnitStatusChanged,
    UnitReleased,
    UnitMoved,
    PositionsReported,
    IncidentUpdated,
    TimerAcknowledged,
    IncidentClosed,
    OfficerInDistress,
    BackupRequested,
    UnitRecalled,
    IncidentEdited,
    IncidentNoted,
    IncidentRequeued,
    UnitChanged,
    PremiseNoteChanged,
    AgencyChanged,
    JurisdictionChanged,
    StationChanged,
    CallTypeChanged,
    SettingChanged,
    AgreementChanged,
    ResourceChanged,
    LoanOut,
    LoanReturned,
    LoanOverdue,
    MutualAidChanged,
    PersonChanged,
    CrewChanged,
    CertificationChanged,
    LedgerPosted,
    PeriodClosed,
    UserChanged,
    SignedIn,
    SignInFailed,
    SignedOut,
    WriteRefused,
    RecordsRead,
)

#: Every wire name, in a stable order, each once.
NAMES: tuple[str, ...] = tuple(dict.fromkeys(name for e in EVENTS for name in e.types()))
