"""Pricing a usage and posting it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.ledger.entries import balances
from bluepool.domain.ledger.pricing import Usage, post, price
from bluepool.domain.shared.ids import AgencyId, IncidentId
from bluepool.domain.sharing.agreements import AgreementId, Rates

T0 = datetime(2027, 1, 15, 12, tzinfo=UTC)
RATES = Rates(per_hour={"patrol": 9000}, standby_per_hour={"*": 3000}, per_day={"drone": 25000})


def usage(seconds: int, *, standby: int = 0, equipment: bool = False) -> Usage:
    return Usage(
        source_key="inc-1/vaduz-p1",
        incident=IncidentId("inc-1"),
        resource="vaduz-p1" if not equipment else "drone-3",
        kind="patrol" if not equipment else "drone",
        lender=AgencyId("vaduz"),
        borrower=AgencyId("schaan"),
        agreement=AgreementId("VAD-SCH-2027-01"),
        clause=2,
        started=T0,
        ended=T0 + timedelta(seconds=seconds),
        standby_seconds=standby,
        equipment=equipment,
    )


def test_one_second_at_9000_per_hour_rounds_half_up() -> None:
    assert price(usage(1), RATES).amount == 3  # 2.5 rounds up
    assert price(usage(42 * 60), RATES).amount == 6300


def test_lines_say_what_was_charged() -> None:
    p = price(usage(42 * 60), RATES)
    assert p.lines == (
        "vaduz-p1 lent 42 min at CHF 90.00/h under agreement VAD-SCH-2027-01 clause 2",
    )


def test_standby_is_priced_separately() -> None:
    assert price(usage(3600, standby=1800), RATES).amount == 9000 + 1500


def test_equipment_by_days_started() -> None:
    assert price(usage(1, equipment=True), RATES).amount == 25000
    assert price(usage(86_400, equipment=True), RATES).amount == 25000
    assert price(usage(86_401, equipment=True), RATES).amount == 50000


def test_minimum_applies_only_when_charged() -> None:
    rates = Rates(per_hour={"patrol": 9000}, minimum=5000)
    assert price(usage(60), rates).amount == 5000
    assert price(usage(0), rates).amount == 0


def test_free_clause_posts_nothing() -> None:
    u = usage(3600)
    assert post(u, price(u, Rates())) is None


def test_post_balances_both_halves() -> None:
    u = usage(3600)
    tx = post(u, price(u, RATES))
    assert tx is not None
    assert tx.source_key == u.source_key
    assert {str(a): v for a, v in balances([tx]).items()} == {
        "schaan:expense": 9000,
        "schaan:payable": -9000,
        "vaduz:receivable": 9000,
        "vaduz:revenue": -9000,
    }


RATE_CARDS = st.builds(
    Rates,
    per_hour=st.dictionaries(st.sampled_from(["patrol", "*"]), st.integers(0, 10**6)),
    standby_per_hour=st.dictionaries(st.sampled_from(["patrol", "*"]), st.integers(0, 10**6)),
    minimum=st.integers(0, 10**5),
)


@given(RATE_CARDS, st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**5))
def test_price_is_integer_non_negative_monotone_and_at_least_minimum(
    rates: Rates, seconds: int, more: int, standby: int
) -> None:
    a = price(usage(seconds, standby=standby), rates).amount
    b = price(usage(seconds + more, standby=standby), rates).amount
    assert isinstance(a, int)
    assert 0 <= a <= b
    if a:
        assert a >= rates.minimum
