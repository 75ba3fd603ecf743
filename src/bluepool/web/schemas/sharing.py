"""Request bodies of the sharing API: agreements. Responses are ``domain.sharing.records``.

Amounts are JSON integers in minor units of the collective's currency (``12050`` is
CHF 120.50): never a fraction, never below zero."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bluepool.domain.shared.ids import AgencyId
from bluepool.domain.sharing.agreements import Agreement, AgreementId, Clause, Rates
from bluepool.web.schemas.common import Flag, Integer, Moment, Name, Slug, Strict, Tag

Amount = Annotated[Integer, Field(ge=0, le=10**12)]
#: A rate card: by unit kind (or resource type), ``"*"`` for any other.
Card = Annotated[dict[Annotated[str, Field(max_length=64)], Amount], Field(max_length=50)]


class RatesIn(Strict):
    per_hour: Card = Field(default_factory=dict)
    standby_per_hour: Card = Field(default_factory=dict)
    per_day: Card = Field(default_factory=dict)
    minimum: Amount = 0


class ClauseIn(Strict):
    lender: str = Slug
    capabilities: list[Tag] | None = Field(default=None, description="null: any")
    resource_types: list[Tag] | None = Field(default=None, description="null: any")
    call_types: list[Tag] | None = Field(default=None, description="null: any")
    jurisdictions: list[Tag] | None = Field(default=None, description="null: any")
    max_priority: Integer = Field(default=5, ge=1, le=5)
    home_reserve: Integer = Field(default=0, ge=0, le=1000)
    max_loan_hours: Integer | None = Field(default=None, gt=0, le=24 * 366)
    rates: RatesIn = Field(default_factory=RatesIn)


class AgreementTerms(Strict):
    title: Name = Field(min_length=1)
    parties: list[Annotated[str, Slug]] = Field(min_length=2, max_length=2)
    valid_from: Moment
    valid_until: Moment | None = None
    clauses: list[ClauseIn] = Field(min_length=1, max_length=50)

    def agreement(self, agreement_id: str) -> Agreement:
        """A draft, version 1, with these terms."""
        return Agreement(
            AgreementId(agreement_id),
            self.title,
            (AgencyId(self.parties[0]), AgencyId(self.parties[1])),
            tuple(
                Clause.of(**c.model_dump(exclude={"rates"}), rates=Rates(**c.rates.model_dump()))
                for c in self.clauses
            ),
            self.valid_from,
            self.valid_until,
        )


class AgreementIn(AgreementTerms):
    id: str = Slug
    #: true: proposed to the parties at once (else kept as a draft).
    propose: Flag = False


class AgreementAmendment(AgreementTerms):
    #: The version these terms were written against (a moved-on agreement is a 409).
    version: Integer = Field(ge=1)


class VersionIn(Strict):
    #: The version the caller acts on (omitted: whatever the latest is).
    version: Integer | None = Field(default=None, ge=1)


class TerminationIn(VersionIn):
    reason: str = Field(min_length=1, max_length=2000)
