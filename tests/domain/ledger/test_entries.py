"""Double entry: balanced transactions, reversals, periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.ledger import accounts
from bluepool.domain.ledger.entries import (
    Period,
    Posting,
    Transaction,
    balances,
    period_of,
    reverse,
    transaction,
)
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import AgencyId

AT = datetime(2027, 1, 15, 12, tzinfo=UTC)
ACCOUNTS = st.builds(
    accounts.Account,
    st.sampled_from([AgencyId("vaduz"), AgencyId("schaan"), AgencyId("balzers")]),
    st.sampled_from(
        [
            accounts.AccountKind.RECEIVABLE,
            accounts.AccountKind.PAYABLE,
            accounts.AccountKind.REVENUE,
            accounts.AccountKind.EXPENSE,
        ]
    ),
)
POSTINGS = st.lists(
    st.tuples(ACCOUNTS, st.integers(-(10**9), 10**9).filter(bool)), min_size=0, max_size=6
)


def test_account_string_form() -> None:
    assert str(accounts.receivable(AgencyId("vaduz"))) == "vaduz:receivable"
    assert str(accounts.fund("training")) == "collective:fund:training"


def test_collective_holds_only_funds() -> None:
    with pytest.raises(Invalid):
        accounts.receivable(AgencyId("collective"))
    with pytest.raises(Invalid):
        accounts.Account(AgencyId("vaduz"), accounts.AccountKind.FUND, "x")


def test_unbalanced_transaction_is_refused() -> None:
    a, b = accounts.expense(AgencyId("vaduz")), accounts.payable(AgencyId("vaduz"))
    with pytest.raises(Invalid) as e:
        transaction("k1", AT, "", [Posting(a, 100), Posting(b, -99)])
    assert e.value.code == "unbalanced"


def test_one_posting_is_not_a_transaction() -> None:
    with pytest.raises(Invalid) as e:
        Transaction("k1", AT, "2027-01", "", ())
    assert e.value.code == "too_few_postings"


@pytest.mark.parametrize("amount", [True, 1.5, "100"])
def test_posting_amount_is_an_integer(amount: object) -> None:
    with pytest.raises(Invalid):
        Posting(accounts.expense(AgencyId("vaduz")), amount)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["2027-13", "2027-00", "2027-1", "27-01", "", "2027-01 "])
def test_bad_period_strings(text: str) -> None:
    with pytest.raises(Invalid) as e:
        Period.parse(text)
    assert e.value.code == "bad_period"


def test_period_round_trips_and_is_utc() -> None:
    assert str(Period.parse("2027-01")) == "2027-01"
    late = datetime(2027, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert period_of(late) == "2027-02"
    with pytest.raises(Invalid):
        period_of(datetime(2027, 1, 1))  # noqa: DTZ001


@given(POSTINGS)
def test_any_transaction_that_constructs_sums_to_zero(pairs: list[tuple[object, int]]) -> None:
    postings = [Posting(a, n) for a, n in pairs]  # type: ignore[arg-type]
    try:
        tx = transaction("k", AT, "m", postings)
    except Invalid:
        return
    assert sum(p.amount for p in tx.postings) == 0
    assert len(tx.postings) >= 2


@given(POSTINGS, st.integers(-(10**9), 10**9).filter(bool))
def test_reverse_nets_every_account_to_zero(pairs: list[tuple[object, int]], n: int) -> None:
    a, b = accounts.expense(AgencyId("vaduz")), accounts.payable(AgencyId("schaan"))
    rest = [Posting(x, m) for x, m in pairs]  # type: ignore[arg-type]
    total = sum(p.amount for p in rest)
    postings = [*rest, Posting(a, n)]
    if total + n:
        postings.append(Posting(b, -(total + n)))
    tx = transaction("k", AT, "m", postings)
    undo = reverse(tx, AT + timedelta(days=40), "wrong unit")
    assert undo.source_key == "reversal:k"
    assert undo.period == "2027-02"
    assert all(v == 0 for v in balances([tx, undo]).values())
