"""Settlement: at most N-1 transfers that zero every balance."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.ledger.pricing import post, price
from bluepool.domain.ledger.settlement import Transfer, bilateral, net_balances, transfers
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import AgencyId
from tests.domain.ledger.test_pricing import RATES, usage

A = AgencyId


def test_refuses_balances_that_do_not_sum_to_zero() -> None:
    with pytest.raises(Invalid) as e:
        transfers({A("a"): 5, A("b"): -4})
    assert e.value.code == "unbalanced"


def test_largest_debtor_pays_largest_creditor() -> None:
    assert transfers({A("a"): 70, A("b"): 30, A("c"): -100}) == (
        Transfer(A("c"), A("a"), 70),
        Transfer(A("c"), A("b"), 30),
    )


BALANCES = st.lists(st.integers(-(10**7), 10**7), min_size=1, max_size=12).map(
    lambda xs: {A(f"agency-{i}"): x for i, x in enumerate([*xs, -sum(xs)])}
)


@given(BALANCES)
def test_at_most_n_minus_one_transfers_zero_every_balance(balances: dict[AgencyId, int]) -> None:
    done = transfers(balances)
    assert len(done) <= len(balances) - 1
    left = dict(balances)
    for t in done:
        assert t.amount > 0
        left[t.payer] += t.amount
        left[t.payee] -= t.amount
    assert all(v == 0 for v in left.values())
    assert transfers(dict(reversed(balances.items()))) == done


def test_net_and_bilateral_from_posted_usages() -> None:
    u = usage(3600)
    tx = post(u, price(u, RATES))
    assert tx is not None
    assert net_balances([tx]) == {A("vaduz"): 9000, A("schaan"): -9000}
    assert bilateral([tx]) == {(A("schaan"), A("vaduz")): -9000}
