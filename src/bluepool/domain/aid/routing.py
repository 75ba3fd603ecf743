"""Where a mutual-aid request goes: the agencies whose agreements lend what it asks for.

``route`` reads the agreements in force at the incident's time (``domain.sharing.lending``)
and keeps each agency (never the requesting one) that has, for every item of the request,
a clause lending that item's kind (a unit kind through the clause's capabilities, an
equipment type through its resource types) for the incident's jurisdiction, call type and
priority. Routes are ordered by the first agreement that lends, then by agency id; each
carries, per item, the first such clause and its rate (the cost estimate's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from bluepool.domain.aid.requests import Category, Item, Route, Terms
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId
from bluepool.domain.sharing.agreements import Agreement
from bluepool.domain.sharing.lending import LendingClause, clauses_lending


def route(
    agreements: Iterable[Agreement],
    at: datetime,
    now: datetime,
    owners: Mapping[JurisdictionId, AgencyId],
    requesting: AgencyId,
    jurisdiction_id: JurisdictionId | None,
    call_type: CallTypeCode,
    priority: int,
    items: Sequence[Item],
) -> tuple[Route, ...]:
    """The agencies that can supply every item for such an incident, with their terms."""
    agreements = tuple(agreements)
    per_item: list[dict[AgencyId, LendingClause]] = []
    for item in items:
        found = clauses_lending(
            agreements,
            at,
            now,
            owners,
            jurisdiction_id,
            call_type,
            priority,
            frozenset({item.kind}) if item.category is Category.UNIT else frozenset(),
            item.kind if item.category is Category.EQUIPMENT else None,
        )
        first: dict[AgencyId, LendingClause] = {}
        for lc in found:
            first.setdefault(lc.clause.lender, lc)
        per_item.append(first)
    if not per_item:
        return ()
    agencies = set(per_item[0]).intersection(*per_item[1:]) - {requesting}

    def order(agency: AgencyId) -> tuple[str, str]:
        return (min(p[agency].agreement.id for p in per_item), agency)

    return tuple(
        Route(a, tuple(_terms(p[a], item) for p, item in zip(per_item, items, strict=True)))
        for a in sorted(agencies, key=order)
    )


def _terms(lc: LendingClause, item: Item) -> Terms:
    rates = lc.clause.rates
    rate = rates.hourly(item.kind) if item.category is Category.UNIT else rates.daily(item.kind)
    return Terms(lc.agreement.id, lc.number, rate, rates.minimum)
