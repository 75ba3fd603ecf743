"""Routing a mutual-aid request: to the agencies whose agreements in force lend every item
for the incident's jurisdiction, call type and priority."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.aid.requests import Category, Item
from bluepool.domain.aid.routing import route
from bluepool.domain.dispatch.recommend import IncidentView
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId
from bluepool.domain.sharing.agreements import (
    COLLECTIVE,
    Agreement,
    AgreementId,
    Clause,
    Rates,
    Stage,
)
from bluepool.domain.sharing.lending import LendingClause, lending_clause
from tests.builders import T0, an_agreement
from tests.strategies import (
    AGENCIES,
    JURISDICTION_AGENCY,
    agreements,
    capabilities,
    incident_views,
    moments,
)

A1, A2, A3 = AgencyId("A-1"), AgencyId("A-2"), AgencyId("A-3")
OWNERS = {JurisdictionId("J-1"): A1, JurisdictionId("J-2"): A2, JurisdictionId("J-3"): A3}
RIOT, J2 = CallTypeCode("riot"), JurisdictionId("J-2")
K9 = Item(1, Category.UNIT, "k9")
NOW = T0 + timedelta(hours=1)


def a3_lends_anything_to_the_collective():
    return an_agreement(
        id=AgreementId("A3-collective"),
        parties=(A3, COLLECTIVE),
        clauses=(Clause(A3, rates=Rates({"*": 9000})),),
        signatures=(),
    )


def test_routes_to_every_agency_whose_clauses_lend_the_kind_ordered_by_agreement() -> None:
    agreements = [a3_lends_anything_to_the_collective(), an_agreement()]
    routes = route(agreements, NOW, NOW, OWNERS, A2, J2, RIOT, 1, [K9])
    assert [r.agency for r in routes] == [A1, A3]
    assert routes[0].terms[0].citation == "agreement A1-A2-2027-01 clause 1"
    assert routes[0].terms[0].rate == 12050
    assert routes[0].terms[0].minimum == 5000
    assert routes[1].terms[0].rate == 9000


def test_the_clause_must_allow_the_call_type_priority_and_jurisdiction() -> None:
    agreements = [an_agreement()]
    assert route(agreements, NOW, NOW, OWNERS, A2, J2, CallTypeCode("theft"), 1, [K9]) == ()
    assert route(agreements, NOW, NOW, OWNERS, A2, J2, RIOT, 3, [K9]) == ()  # max priority 2
    assert route(agreements, NOW, NOW, OWNERS, A3, JurisdictionId("J-3"), RIOT, 1, [K9]) == ()
    # A-2 lends A-1 anything, in A-1's jurisdictions; never to itself.
    routes = route(agreements, NOW, NOW, OWNERS, A1, JurisdictionId("J-1"), RIOT, 1, [K9])
    assert [r.agency for r in routes] == [A2]
    assert route(agreements, NOW, NOW, OWNERS, A2, J2, RIOT, 1, [K9])[0].agency == A1


def test_only_agreements_in_force_at_the_incidents_time_route() -> None:
    draft = an_agreement(stage=Stage.PROPOSED, signatures=())
    assert route([draft], NOW, NOW, OWNERS, A2, J2, RIOT, 1, [K9]) == ()
    ended = an_agreement().terminate(T0 + timedelta(minutes=30), "over")
    assert route([ended], NOW, NOW, OWNERS, A2, J2, RIOT, 1, [K9]) == ()
    before = T0 - timedelta(days=1)
    assert route([an_agreement()], before, NOW, OWNERS, A2, J2, RIOT, 1, [K9]) == ()


def test_every_item_must_be_lent_and_equipment_goes_by_resource_type() -> None:
    agreements = [a3_lends_anything_to_the_collective(), an_agreement()]
    swat = Item(1, Category.UNIT, "swat")
    routes = route(agreements, NOW, NOW, OWNERS, A2, J2, RIOT, 1, [K9, swat])
    assert [r.agency for r in routes] == [A3]  # A-1 lends k9 only
    kit = Item(1, Category.EQUIPMENT, "k9-detection")
    routes = route(agreements, NOW, NOW, OWNERS, A2, J2, RIOT, 1, [kit])
    assert [r.agency for r in routes] == [A1, A3]
    drone = Item(1, Category.EQUIPMENT, "drone")
    assert [r.agency for r in route(agreements, NOW, NOW, OWNERS, A2, J2, RIOT, 1, [drone])] == [A3]


@given(
    st.lists(st.integers(0, 999).flatmap(agreements), max_size=6),
    moments(),
    st.integers(0, 20),
    incident_views(),
    st.lists(capabilities(), min_size=1, max_size=3),
    st.sampled_from(AGENCIES),
)
def test_a_request_goes_exactly_where_dispatch_would_lend_every_item(
    drawn: list[Agreement],
    at: datetime,
    later: int,
    incident: IncidentView,
    kinds: list[str],
    requesting: AgencyId,
) -> None:
    """Routing and dispatch's lending agree: an agency is routed to exactly when, for each
    item, dispatch finds a clause of it lending that kind for the incident, and the terms
    cite that very clause; the requesting agency never is."""
    found = list({a.id: a for a in drawn}.values())
    now = at + timedelta(days=later)
    items = [Item(1, Category.UNIT, k) for k in kinds]
    where = (incident.jurisdiction_id, incident.call_type, incident.priority)
    routes = route(found, at, now, JURISDICTION_AGENCY, requesting, *where, items)

    def lends(agency: AgencyId, kind: str) -> LendingClause | None:
        return lending_clause(
            found, at, now, JURISDICTION_AGENCY, agency, *where, frozenset({kind})
        )

    expected = [a for a in AGENCIES if a != requesting and all(lends(a, k) for k in kinds)]
    assert sorted(r.agency for r in routes) == sorted(expected)
    for r in routes:
        for kind, terms in zip(kinds, r.terms, strict=True):
            clause = lends(r.agency, kind)
            assert clause is not None
            assert (terms.agreement, terms.clause) == (clause.agreement.id, clause.number)
