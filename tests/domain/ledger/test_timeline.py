"""From an incident's timeline to its usages: each lent assignment, lender the unit's
agency, borrower the clause's other party (the jurisdiction's owner for a clause lent to
the collective), dispatch to clear, at the clause's rates; what cannot be charged is said."""

from __future__ import annotations

from datetime import timedelta

from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.ledger.timeline import usages_of
from bluepool.domain.shared.ids import AgencyId, JurisdictionId, UnitId
from bluepool.domain.sharing.agreements import COLLECTIVE, AgreementId, Clause, Rates
from tests.builders import T0, a_unit, an_agreement, an_incident

A1, A2, A3 = AgencyId("A-1"), AgencyId("A-2"), AgencyId("A-3")
OWNERS = {JurisdictionId("J-2"): A2, JurisdictionId("J-3"): A3}
K9 = a_unit(id=UnitId("A1-K9"), agency_id=A1, kind="k9")
OWN = a_unit(id=UnitId("A2-P1"), agency_id=A2, kind="patrol")
TO_A2 = an_agreement()
TO_ALL = an_agreement(
    id=AgreementId("A1-ALL"),
    parties=(A1, COLLECTIVE),
    clauses=(Clause(A1, rates=Rates({"*": 6000})),),
)
AGREEMENTS = {TO_A2.id: TO_A2, TO_ALL.id: TO_ALL}
UNITS = {K9.id: K9, OWN.id: OWN}


def served(where: str | None, lent: tuple[str, int], minutes: int = 30) -> Incident:
    incident = an_incident(jurisdiction_id=JurisdictionId(where) if where else None)
    k9, own = a_unit(id=K9.id, agency_id=A1, kind="k9"), a_unit(id=OWN.id, agency_id=A2)
    incident.assign(own, T0, "dora")
    incident.assign(k9, T0 + timedelta(minutes=1), "dora", lent=lent)
    incident.close(T0 + timedelta(minutes=minutes), "dora", {k9.id: k9, own.id: own})
    return incident


def test_a_lent_assignment_is_one_usage_from_dispatch_to_clear_at_its_clause() -> None:
    incident = served("J-2", (TO_A2.id, 1), minutes=31)
    (usage, rates), *rest = usages_of(incident, AGREEMENTS, UNITS, OWNERS, T0)[0]
    assert rest == []  # the own unit costs nothing
    assert usage.source_key == f"assignment:{incident.id}:2"
    assert (usage.lender, usage.borrower, usage.kind, usage.resource) == (A1, A2, "k9", K9.id)
    assert (usage.agreement, usage.clause) == (TO_A2.id, 1)
    assert (usage.started, usage.ended) == (T0 + timedelta(minutes=1), T0 + timedelta(minutes=31))
    assert rates is TO_A2.clauses[0].rates


def test_a_clause_lent_to_the_collective_charges_the_owner_of_the_jurisdiction() -> None:
    ((usage, _),) = usages_of(served("J-3", (TO_ALL.id, 1)), AGREEMENTS, UNITS, OWNERS, T0)[0]
    assert (usage.lender, usage.borrower) == (A1, A3)


def test_what_cannot_be_charged_is_left_out_with_its_reason() -> None:
    outside = served(None, (TO_ALL.id, 1))
    priced, unpriced = usages_of(outside, AGREEMENTS, UNITS, OWNERS, T0)
    assert priced == []
    assert [u.reason for u in unpriced] == ["lent to the collective outside every jurisdiction"]
    unknown = served("J-2", ("GONE", 1))
    priced, unpriced = usages_of(unknown, AGREEMENTS, UNITS, OWNERS, T0)
    assert (priced, [u.reason for u in unpriced]) == ([], ["no clause 1 of agreement GONE"])
    home = served("J-2", (TO_ALL.id, 1))
    priced, _ = usages_of(
        home, AGREEMENTS, {**UNITS, K9.id: a_unit(id=K9.id, agency_id=A2)}, OWNERS, T0
    )
    assert priced == []  # the unit is the borrower's own by now: nobody to charge
