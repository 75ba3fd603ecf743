"""What the ledger raises: costs posted (the audit log and the live stream see them; the
stream shows them only to the parties' admins and collective admins)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.ledger.records import EntryRecord
from bluepool.domain.shared.events import Event


@dataclass(frozen=True, slots=True)
class LedgerPosted(Event):
    """Transactions were posted: the cross-agency costs of a closed incident (or of a
    replay, or a loan returned)."""

    entries: tuple[EntryRecord, ...]
    #: The agencies whose accounts they touch.
    parties: tuple[str, ...]
    #: The incident they price ("" when not one incident's).
    incident_id: str = ""
    name: ClassVar[str] = "ledger.posted"


@dataclass(frozen=True, slots=True)
class PeriodClosed(Event):
    """A month was closed: frozen, its balances kept."""

    period: str
    transactions: int
    name: ClassVar[str] = "ledger.closed"
