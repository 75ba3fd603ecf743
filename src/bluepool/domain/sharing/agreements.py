"""Sharing agreements: what an agency lends, to whom, for what, how long, at what rate.

An agreement is between two agencies, or between an agency and the whole collective
(``COLLECTIVE``). Each of its clauses names the party that lends (``Clause.lender``) and
lends to the other party: to an agency, for incidents in that agency's jurisdictions; to
the collective, for incidents anywhere (outside every jurisdiction too) but the lender's
own. A clause may narrow that to some jurisdictions, call types, priorities and resource
kinds or types; it keeps the lender's home reserve (that many of the lender's units stay
available inside its own jurisdictions, whatever is lent); it caps a loan's duration and
carries the rate card the loan is priced at.

Lifecycle (docs/agreements.md)::

    draft --propose--> proposed --sign (each party)--> signed --terminate--> terminated
      ^                   |
      +------ amend ------+   (an amendment is a new version; signatures start over)

A signed agreement is *active* from ``valid_from`` until ``valid_until``; before, it is
*pending*, after, *expired*. Only an active agreement lends (``Agreement.lends_at``): a
draft, a proposal, an agreement not yet signed by every party, an expired or a terminated
one never does. Every version of an agreement is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, NewType

from bluepool.domain.shared.errors import Conflict, Forbidden, Invalid
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId, check_id
from bluepool.domain.shared.money import check_amount
from bluepool.domain.sharing.policies import SharingRule

AgreementId = NewType("AgreementId", str)

#: The party that stands for the whole collective (signed by a collective admin).
COLLECTIVE = AgencyId("collective")


class Stage(StrEnum):
    """Where an agreement stands in its lifecycle, as stored."""

    DRAFT = "draft"
    PROPOSED = "proposed"
    SIGNED = "signed"
    TERMINATED = "terminated"


class State(StrEnum):
    """Where an agreement stands at a given time (``Agreement.state_at``)."""

    DRAFT = "draft"
    PROPOSED = "proposed"
    PENDING = "pending"  # signed by every party, not valid yet
    ACTIVE = "active"
    EXPIRED = "expired"
    TERMINATED = "terminated"


@dataclass(frozen=True, slots=True)
class Rates:
    """A clause's rate card, in integer minor units of the collective's currency.

    ``per_hour`` prices a lent unit's time from dispatch to clear, by unit kind (``"*"``:
    any kind not named); ``standby_per_hour`` a lent unit's time staged on standby;
    ``per_day`` an equipment loan, by resource type (``"*"``: any); ``minimum`` is the least
    a single use is charged (0: none).
    """

    per_hour: Mapping[str, int] = field(default_factory=dict)
    standby_per_hour: Mapping[str, int] = field(default_factory=dict)
    per_day: Mapping[str, int] = field(default_factory=dict)
    minimum: int = 0

    def __post_init__(self) -> None:
        for name in ("per_hour", "standby_per_hour", "per_day"):
            for key, value in getattr(self, name).items():
                check_amount(f"rates.{name}.{key}", value)
        check_amount("rates.minimum", self.minimum)

    def hourly(self, kind: str) -> int:
        return _rate(self.per_hour, kind)

    def standby(self, kind: str) -> int:
        return _rate(self.standby_per_hour, kind)

    def daily(self, resource_type: str) -> int:
        return _rate(self.per_day, resource_type)


def _rate(card: Mapping[str, int], key: str) -> int:
    return card.get(key, card.get("*", 0))


@dataclass(frozen=True, slots=True)
class Clause:
    """One thing ``lender`` lends to the other party. ``None`` means any."""

    lender: AgencyId
    #: Capabilities (unit kinds such as patrol, k9, swat, air) the clause lends.
    capabilities: frozenset[str] | None = None
    #: Resource types (NIMS-style, ``swat-type-1``, ``drone``) of equipment and typed units.
    resource_types: frozenset[str] | None = None
    call_types: frozenset[CallTypeCode] | None = None
    jurisdictions: frozenset[JurisdictionId] | None = None
    #: Lends only for incidents at least this urgent (1 is the most urgent).
    max_priority: int = 5
    #: Available units the lender keeps inside its own jurisdictions.
    home_reserve: int = 0
    #: The longest a loan under this clause may last (None: no limit).
    max_loan_hours: int | None = None
    rates: Rates = field(default_factory=Rates)

    def __post_init__(self) -> None:
        if not 1 <= self.max_priority <= 5:
            raise Invalid(f"max_priority must be 1 to 5, not {self.max_priority}")
        if self.home_reserve < 0:
            raise Invalid(f"home_reserve must be 0 or more, not {self.home_reserve}")
        if self.max_loan_hours is not None and self.max_loan_hours <= 0:
            raise Invalid(f"max_loan_hours must be more than 0, not {self.max_loan_hours}")

    @classmethod
    def of(
        cls,
        lender: str,
        *,
        capabilities: Iterable[str] | None = None,
        resource_types: Iterable[str] | None = None,
        call_types: Iterable[str] | None = None,
        jurisdictions: Iterable[str] | None = None,
        max_priority: int = 5,
        home_reserve: int = 0,
        max_loan_hours: int | None = None,
        rates: Rates | None = None,
    ) -> Clause:
        """A clause from plain values (lists for the sets; None: any), as a file or a
        request gives them."""

        def opt(values: Iterable[str] | None) -> frozenset[Any] | None:
            return None if values is None else frozenset(values)

        return cls(
            AgencyId(lender),
            capabilities=opt(capabilities),
            resource_types=opt(resource_types),
            call_types=opt(call_types),
            jurisdictions=opt(jurisdictions),
            max_priority=max_priority,
            home_reserve=home_reserve,
            max_loan_hours=max_loan_hours,
            rates=rates if rates is not None else Rates(),
        )

    def as_rule(self, jurisdictions: frozenset[JurisdictionId] | None) -> SharingRule:
        """The clause as a lending rule aimed at ``jurisdictions`` (None: anywhere)."""
        return SharingRule(jurisdictions, self.call_types, self.capabilities, self.max_priority)

    def covers_equipment(self, resource_type: str) -> bool:
        """The clause lends equipment of ``resource_type`` when it names that type, or
        names neither types nor capabilities (it lends anything); a clause that names only
        capabilities lends units, not equipment (decision 0028)."""
        if self.resource_types is not None:
            return resource_type in self.resource_types
        return self.capabilities is None

    def describe(self, borrower: AgencyId = COLLECTIVE) -> str:
        """The clause in words; lent to an agency ``borrower``, "anywhere" is that agency's
        jurisdictions."""
        words = self.as_rule(self.jurisdictions).describe()
        if borrower != COLLECTIVE and self.jurisdictions is None:
            words = words.replace(" anywhere ", f" in {borrower}'s jurisdictions ", 1)
        return f"{words} keeping {self.home_reserve} at home" if self.home_reserve else words


@dataclass(frozen=True, slots=True)
class Signature:
    party: AgencyId
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Agreement:
    id: AgreementId
    title: str
    parties: tuple[AgencyId, AgencyId]
    clauses: tuple[Clause, ...]
    valid_from: datetime
    valid_until: datetime | None = None
    stage: Stage = Stage.DRAFT
    signatures: tuple[Signature, ...] = ()
    terminated_at: datetime | None = None
    termination_reason: str = ""
    #: 1 for the first version; each change of stage, signature or terms is a new version.
    version: int = 1

    def __post_init__(self) -> None:
        check_id("agreement id", self.id)
        a, b = self.parties
        if a == b:
            raise Invalid("an agreement needs two different parties", code="bad_parties")
        if a == COLLECTIVE and b == COLLECTIVE:
            raise Invalid("an agreement needs at least one agency", code="bad_parties")
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise Invalid(
                f"valid_until ({self.valid_until.isoformat()}) must be after valid_from "
                f"({self.valid_from.isoformat()})",
                code="bad_dates",
            )
        if not self.clauses:
            raise Invalid("an agreement needs at least one clause", code="no_clauses")
        for n, c in enumerate(self.clauses, start=1):
            if c.lender not in self.parties or c.lender == COLLECTIVE:
                raise Invalid(
                    f"clause {n}: the lender {c.lender!r} must be an agency party to the agreement",
                    code="bad_lender",
                )

    # -- reading ----------------------------------------------------------------------------

    def borrower(self, clause: Clause) -> AgencyId:
        """The party a clause lends to (``COLLECTIVE``: every agency but the lender)."""
        a, b = self.parties
        return b if clause.lender == a else a

    def cite(self, number: int) -> str:
        """``"agreement VAD-SCH-2027-01 clause 2"``."""
        return f"agreement {self.id} clause {number}"

    def state_at(self, at: datetime) -> State:
        """The state at ``at``: before a termination, what it was then."""
        if self.stage is Stage.TERMINATED:
            if self.terminated_at is None or at >= self.terminated_at:
                return State.TERMINATED
            if not all(self.signed_by(p) for p in self.parties):
                return State.PROPOSED
        elif self.stage is Stage.DRAFT:
            return State.DRAFT
        elif self.stage is Stage.PROPOSED:
            return State.PROPOSED
        if at < self.valid_from:
            return State.PENDING
        if self.valid_until is not None and at >= self.valid_until:
            return State.EXPIRED
        return State.ACTIVE

    def lends_at(self, at: datetime) -> bool:
        """True only when every party has signed and ``at`` is within its validity, before
        any termination."""
        return self.state_at(at) is State.ACTIVE

    def signed_by(self, party: AgencyId) -> bool:
        return any(s.party == party for s in self.signatures)

    # -- changing (each returns the next version) --------------------------------------------

    def amend(self, **terms: object) -> Agreement:
        """New terms (title, parties, clauses, valid_from, valid_until) for a draft or a
        proposal: it goes back to draft and every signature is dropped."""
        if self.stage not in (Stage.DRAFT, Stage.PROPOSED):
            raise Conflict(
                f"agreement {self.id} is {self.stage.value}: only a draft or a proposal can "
                "be amended (terminate it and make a new one)",
                code="not_amendable",
            )
        allowed = {"title", "parties", "clauses", "valid_from", "valid_until"}
        unknown = set(terms) - allowed
        if unknown:
            raise Invalid(f"cannot amend {', '.join(sorted(unknown))}")
        return replace(self, **terms, stage=Stage.DRAFT, signatures=(), version=self.version + 1)  # type: ignore[arg-type]

    def propose(self) -> Agreement:
        if self.stage is not Stage.DRAFT:
            raise Conflict(
                f"agreement {self.id} is {self.stage.value}, not a draft", code="not_draft"
            )
        return replace(self, stage=Stage.PROPOSED, version=self.version + 1)

    def sign(self, party: AgencyId, by: str, at: datetime) -> Agreement:
        """``party``'s signature (the caller checked that ``by`` may sign for it); the
        last party's signature makes the agreement signed."""
        if self.stage is Stage.DRAFT:
            raise Conflict(
                f"agreement {self.id} is a draft: propose it before signing",
                code="not_proposed",
            )
        if self.stage is not Stage.PROPOSED:
            raise Conflict(f"agreement {self.id} is already {self.stage.value}", code="signed")
        if party not in self.parties:
            raise Forbidden(f"{party} is not a party to agreement {self.id}", code="not_a_party")
        if self.signed_by(party):
            raise Conflict(f"{party} has already signed agreement {self.id}", code="signed")
        signatures = (*self.signatures, Signature(party, by, at))
        done = all(any(s.party == p for s in signatures) for p in self.parties)
        return replace(
            self,
            signatures=signatures,
            stage=Stage.SIGNED if done else Stage.PROPOSED,
            version=self.version + 1,
        )

    def terminate(self, at: datetime, reason: str) -> Agreement:
        """End a signed agreement (or withdraw a draft or proposal) from ``at``."""
        if self.stage is Stage.TERMINATED:
            raise Conflict(f"agreement {self.id} is already terminated", code="terminated")
        if not reason.strip():
            raise Invalid("a termination needs a reason", code="reason_required")
        return replace(
            self,
            stage=Stage.TERMINATED,
            terminated_at=at,
            termination_reason=reason.strip(),
            version=self.version + 1,
        )
