"""Periods: a posting lands in its own month while it is open, else in the next open one;
a month is closed once, and only once it is over."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bluepool.domain.ledger.entries import Period
from bluepool.domain.ledger.periods import check_closable, following, posting_period
from bluepool.domain.shared.errors import Conflict, Invalid

NOW = datetime(2027, 2, 3, 9, tzinfo=UTC)


def test_the_month_after_december_is_january() -> None:
    assert following(Period(2026, 12)) == Period(2027, 1)
    assert following(Period(2027, 1)) == Period(2027, 2)


def test_a_late_posting_goes_to_the_first_open_month_after_its_own() -> None:
    assert posting_period("2027-01", set()) == "2027-01"
    assert posting_period("2026-12", {"2026-12"}) == "2027-01"
    assert posting_period("2026-11", {"2026-11", "2026-12", "2027-02"}) == "2027-01"


def test_a_month_is_closed_once_it_is_over_and_only_once() -> None:
    assert check_closable("2027-01", NOW, set()) == Period(2027, 1)
    with pytest.raises(Conflict) as closed:
        check_closable("2027-01", NOW, {"2027-01"})
    assert closed.value.code == "period_closed"
    for month in ("2027-02", "2027-03"):
        with pytest.raises(Invalid) as open_:
            check_closable(month, NOW, set())
        assert open_.value.code == "period_open"
    with pytest.raises(Invalid) as bad:
        check_closable("2027-1", NOW, set())
    assert bad.value.code == "bad_period"
