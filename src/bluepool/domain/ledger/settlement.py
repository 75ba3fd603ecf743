"""Settlement: who pays whom at the end of a period.

An agency's net balance is its receivable minus its payable (positive: it is owed). The
balances of all agencies sum to zero. ``transfers`` settles them with at most N-1 transfers
for N agencies: it matches the largest debtor with the largest creditor, repeatedly (ties
broken by agency id, so the result is deterministic); each match zeroes at least one of
them. ``bilateral`` gives pairwise balances for agencies that settle with each other directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bluepool.domain.ledger.accounts import Account, AccountKind
from bluepool.domain.ledger.entries import Transaction
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import AgencyId
from bluepool.domain.shared.money import check_amount


@dataclass(frozen=True, slots=True)
class Transfer:
    payer: AgencyId
    payee: AgencyId
    amount: int


def net_balances(transactions: Iterable[Transaction]) -> dict[AgencyId, int]:
    """Each agency's receivable minus payable (a payable's balance is a credit, negative)."""
    out: dict[AgencyId, int] = {}
    for tx in transactions:
        for p in tx.postings:
            if p.account.kind in (AccountKind.RECEIVABLE, AccountKind.PAYABLE):
                out[p.account.owner] = out.get(p.account.owner, 0) + p.amount
    return out


def nets_of(balances: Mapping[Account, int]) -> dict[AgencyId, int]:
    """``net_balances`` from the accounts' balances (``entries.balances``, or the ledger's
    sums) rather than from every transaction."""
    out: dict[AgencyId, int] = {}
    for account, amount in balances.items():
        if account.kind in (AccountKind.RECEIVABLE, AccountKind.PAYABLE):
            out[account.owner] = out.get(account.owner, 0) + amount
    return out


def transfers(balances: Mapping[AgencyId, int]) -> tuple[Transfer, ...]:
    for agency, amount in balances.items():
        check_amount(f"balance of {agency}", amount, negative=True)
    total = sum(balances.values())
    if total != 0:
        raise Invalid(f"balances must sum to zero to settle, not {total}", code="unbalanced")
    left = {a: v for a, v in balances.items() if v}
    out: list[Transfer] = []
    while left:
        debtor = min(left, key=lambda a: (left[a], a))
        creditor = min(left, key=lambda a: (-left[a], a))
        amount = min(-left[debtor], left[creditor])
        out.append(Transfer(debtor, creditor, amount))
        for agency, change in ((debtor, amount), (creditor, -amount)):
            left[agency] += change
            if not left[agency]:
                del left[agency]
    return tuple(out)


def bilateral(transactions: Iterable[Transaction]) -> dict[tuple[AgencyId, AgencyId], int]:
    """Net owed between each pair ``(a, b)`` with ``a < b``: positive when ``b`` owes ``a``.

    Each transaction's receivable postings are matched with its payable postings (a posted
    usage has one of each)."""
    out: dict[tuple[AgencyId, AgencyId], int] = {}
    for tx in transactions:
        owed = [p for p in tx.postings if p.account.kind is AccountKind.RECEIVABLE]
        owing = [p for p in tx.postings if p.account.kind is AccountKind.PAYABLE]
        if len(owed) != 1 or len(owing) != 1 or owed[0].amount != -owing[0].amount:
            continue
        lender, borrower = owed[0].account.owner, owing[0].account.owner
        n = owed[0].amount
        a, b = sorted((lender, borrower))
        out[(a, b)] = out.get((a, b), 0) + (n if lender == a else -n)
    return {k: v for k, v in sorted(out.items()) if v}
