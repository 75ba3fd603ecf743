"""Read models of the sharing context: an agreement, its clauses, rates and signatures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.shared.ids import AgencyId
from bluepool.domain.sharing.agreements import Agreement, Clause, Rates, Signature, State


def _sorted(values: frozenset[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(sorted(values))


@dataclass(frozen=True, slots=True)
class RatesRecord:
    """A rate card in integer minor units (``domain.shared.money``); ``"*"``: any other."""

    per_hour: dict[str, int]
    standby_per_hour: dict[str, int]
    per_day: dict[str, int]
    minimum: int

    @classmethod
    def of(cls, r: Rates) -> RatesRecord:
        return cls(
            dict(sorted(r.per_hour.items())),
            dict(sorted(r.standby_per_hour.items())),
            dict(sorted(r.per_day.items())),
            r.minimum,
        )


@dataclass(frozen=True, slots=True)
class ClauseRecord:
    number: int
    lender: AgencyId
    #: The party it lends to ("collective": every agency but the lender).
    borrower: AgencyId
    #: None: any.
    capabilities: tuple[str, ...] | None
    resource_types: tuple[str, ...] | None
    call_types: tuple[str, ...] | None
    jurisdictions: tuple[str, ...] | None
    max_priority: int
    home_reserve: int
    max_loan_hours: int | None
    rates: RatesRecord
    #: The clause in words.
    summary: str
    #: How a candidate cites it: "agreement VAD-SCH-2027-01 clause 2".
    citation: str

    @classmethod
    def of(cls, a: Agreement, number: int, c: Clause) -> ClauseRecord:
        return cls(
            number,
            c.lender,
            a.borrower(c),
            _sorted(c.capabilities),
            _sorted(c.resource_types),
            _sorted(c.call_types),
            _sorted(c.jurisdictions),
            c.max_priority,
            c.home_reserve,
            c.max_loan_hours,
            RatesRecord.of(c.rates),
            c.describe(a.borrower(c)),
            a.cite(number),
        )


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    party: AgencyId
    by: str
    at: datetime

    @classmethod
    def of(cls, s: Signature) -> SignatureRecord:
        return cls(s.party, s.by, s.at)


@dataclass(frozen=True, slots=True)
class AgreementRecord:
    id: str
    title: str
    parties: tuple[AgencyId, AgencyId]
    #: Where it stands now: draft, proposed, pending, active, expired or terminated.
    state: State
    valid_from: datetime
    valid_until: datetime | None
    clauses: tuple[ClauseRecord, ...]
    signatures: tuple[SignatureRecord, ...]
    #: The parties still to sign (a proposal's).
    awaiting: tuple[AgencyId, ...]
    terminated_at: datetime | None
    termination_reason: str
    version: int

    @classmethod
    def of(cls, a: Agreement, now: datetime) -> AgreementRecord:
        state = a.state_at(now)
        return cls(
            a.id,
            a.title,
            a.parties,
            state,
            a.valid_from,
            a.valid_until,
            tuple(ClauseRecord.of(a, n, c) for n, c in enumerate(a.clauses, start=1)),
            tuple(SignatureRecord.of(s) for s in a.signatures),
            tuple(p for p in a.parties if not a.signed_by(p)) if state is State.PROPOSED else (),
            a.terminated_at,
            a.termination_reason,
            a.version,
        )


@dataclass(frozen=True, slots=True)
class AgreementVersionRecord:
    """One version of an agreement as it was kept: who made it and when."""

    version: int
    changed_at: datetime
    changed_by: str
    agreement: AgreementRecord
