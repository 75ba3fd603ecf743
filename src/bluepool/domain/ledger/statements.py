"""An agency's statement for one period: each usage it lent or borrowed, and the totals.

``to_csv`` renders it deterministically: rows sorted, amounts written as fixed decimal
strings from integers (never through a float), ``\\n`` line ends, so the same data give the
same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bluepool.domain.ledger.entries import Period, period_of
from bluepool.domain.ledger.pricing import Price, Usage
from bluepool.domain.shared.ids import AgencyId


class Direction(StrEnum):
    LENT = "lent"
    BORROWED = "borrowed"


@dataclass(frozen=True, slots=True, order=True)
class Row:
    incident: str
    resource: str
    source_key: str
    direction: Direction
    counterparty: AgencyId
    minutes: int
    days: int
    citation: str
    rate: str
    amount: int


@dataclass(frozen=True, slots=True)
class Statement:
    agency: AgencyId
    period: str
    rows: tuple[Row, ...]

    @property
    def lent(self) -> int:
        return sum(r.amount for r in self.rows if r.direction is Direction.LENT)

    @property
    def borrowed(self) -> int:
        return sum(r.amount for r in self.rows if r.direction is Direction.BORROWED)

    @property
    def net(self) -> int:
        """Positive: the agency is owed."""
        return self.lent - self.borrowed


def statement(
    agency: AgencyId,
    period: str,
    priced: Iterable[tuple[Usage, Price, str]],
    posted_in: Mapping[str, str] | None = None,
) -> Statement:
    """The statement of ``agency`` for ``period`` from priced usages, each with the words of
    its rate (``"CHF 90.00/h"``). Usages the agency is not party to, outside the period
    or costing nothing are left out. A usage is in the period it ends in, or, given
    ``posted_in`` (source key to period), the period the ledger posted it in (a late
    usage lands in the next open month: ``periods.posting_period``)."""
    Period.parse(period)
    rows = []
    for usage, price, rate in priced:
        in_period = (posted_in or {}).get(usage.source_key) or period_of(usage.ended)
        if price.amount == 0 or in_period != period:
            continue
        if agency == usage.lender:
            direction, other = Direction.LENT, usage.borrower
        elif agency == usage.borrower:
            direction, other = Direction.BORROWED, usage.lender
        else:
            continue
        rows.append(
            Row(
                incident=usage.incident,
                resource=usage.resource,
                source_key=usage.source_key,
                direction=direction,
                counterparty=other,
                minutes=0 if usage.equipment else usage.minutes,
                days=usage.days if usage.equipment else 0,
                citation=usage.cite(),
                rate=rate,
                amount=price.amount,
            )
        )
    return Statement(agency, period, tuple(sorted(rows)))


def _decimal(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"


HEADER = (
    "incident",
    "resource",
    "source_key",
    "direction",
    "counterparty",
    "minutes",
    "days",
    "citation",
    "rate",
    "amount",
)


def to_csv(s: Statement) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(("agency", s.agency, "period", s.period))
    w.writerow(HEADER)
    for r in s.rows:
        w.writerow(
            (
                r.incident,
                r.resource,
                r.source_key,
                r.direction.value,
                r.counterparty,
                r.minutes,
                r.days,
                r.citation,
                r.rate,
                _decimal(r.amount),
            )
        )
    w.writerow(("total lent", _decimal(s.lent)))
    w.writerow(("total borrowed", _decimal(s.borrowed)))
    w.writerow(("net", _decimal(s.net)))
    return out.getvalue().encode("utf-8")
