"""Statements and their CSV."""

from __future__ import annotations

from bluepool.domain.ledger.pricing import price
from bluepool.domain.ledger.statements import statement, to_csv
from bluepool.domain.shared.ids import AgencyId
from tests.domain.ledger.test_pricing import RATES, usage


def test_statement_rows_and_totals() -> None:
    u = usage(42 * 60)
    s = statement(AgencyId("vaduz"), "2027-01", [(u, price(u, RATES), "CHF 90.00/h")])
    assert s.lent == 6300
    assert s.borrowed == 0
    assert s.rows[0].minutes == 42
    assert s.rows[0].citation == "agreement VAD-SCH-2027-01 clause 2"
    b = statement(AgencyId("schaan"), "2027-01", [(u, price(u, RATES), "CHF 90.00/h")])
    assert b.net == -6300
    assert statement(AgencyId("schaan"), "2027-02", [(u, price(u, RATES), "x")]).rows == ()


def test_csv_is_byte_for_byte_reproducible() -> None:
    a, b = usage(42 * 60), usage(86_401, equipment=True)
    items = [(a, price(a, RATES), "CHF 90.00/h"), (b, price(b, RATES), "CHF 250.00/day")]
    one = to_csv(statement(AgencyId("vaduz"), "2027-01", items))
    two = to_csv(statement(AgencyId("vaduz"), "2027-01", list(reversed(items))))
    assert one == two
    assert one.endswith(b"total lent,563.00\ntotal borrowed,0.00\nnet,563.00\n")
