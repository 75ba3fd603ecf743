"""Ledger accounts: four per agency, and named funds of the whole collective.

An account's string form (``"vaduz:receivable"``, ``"collective:fund:training"``) is stable:
it is what statements print and what storage will key on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import AgencyId, check_id
from bluepool.domain.sharing.agreements import COLLECTIVE


class AccountKind(StrEnum):
    RECEIVABLE = "receivable"
    PAYABLE = "payable"
    REVENUE = "revenue"
    EXPENSE = "expense"
    FUND = "fund"


@dataclass(frozen=True, slots=True, order=True)
class Account:
    """An agency's account of ``kind``, or a collective fund named ``name``."""

    owner: AgencyId
    kind: AccountKind
    name: str = ""
    #: The string form, made once (statements, storage and events ask for it often).
    text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind is AccountKind.FUND:
            if self.owner != COLLECTIVE:
                raise Invalid("only the collective holds funds", code="bad_account")
            check_id("fund name", self.name)
        else:
            if self.owner == COLLECTIVE:
                raise Invalid(
                    f"the collective holds funds, not a {self.kind.value} account",
                    code="bad_account",
                )
            check_id("agency id", self.owner)
            if self.name:
                raise Invalid("only a fund has a name", code="bad_account")
        if self.kind is AccountKind.FUND:
            text = f"{self.owner}:fund:{self.name}"
        else:
            text = f"{self.owner}:{self.kind.value}"
        object.__setattr__(self, "text", text)

    @classmethod
    def parse(cls, text: str) -> Account:
        """The account written ``text`` (``"vaduz:receivable"``, ``"collective:fund:x"``)."""
        owner, _, rest = text.partition(":")
        kind, _, name = rest.partition(":")
        try:
            account_kind = AccountKind(kind)
        except ValueError:
            raise Invalid(
                f"{text!r} is not an account such as vaduz:receivable", code="bad_account"
            ) from None
        return cls(AgencyId(owner), account_kind, name)

    def __str__(self) -> str:
        return self.text


def receivable(agency: AgencyId) -> Account:
    return Account(agency, AccountKind.RECEIVABLE)


def payable(agency: AgencyId) -> Account:
    return Account(agency, AccountKind.PAYABLE)


def revenue(agency: AgencyId) -> Account:
    return Account(agency, AccountKind.REVENUE)


def expense(agency: AgencyId) -> Account:
    return Account(agency, AccountKind.EXPENSE)


def fund(name: str) -> Account:
    return Account(COLLECTIVE, AccountKind.FUND, name)
