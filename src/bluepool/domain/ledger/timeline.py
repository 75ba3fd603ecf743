"""From the dispatch timeline to usages: what an incident's lent units cost whom.

Each assignment that records an agreement and a clause (``Assignment.lent``: another
agency's unit sent under an agreement) is one usage:

- the lender is the unit's agency (the clause's lender, should the unit be gone);
- the borrower is the clause's other party; when that party is the whole collective, the
  agency that owns the incident's jurisdiction (the collective lends *to* the agency
  whose call it is). An incident outside every jurisdiction, lent to the collective, has
  no agency to charge: it is left out (``Unpriced``, said in words);
- it runs from the dispatch (``assigned_at``) to the clear (``cleared_at``; the close of
  the incident for one still on it), priced at the clause's rate card for the unit's kind;
- its source key is ``assignment:<incident>:<n>``, ``n`` the assignment's place on the
  incident (assignments are only ever appended), so the same assignment always gives the
  same key and is posted once.

The rates are those of the agreement's version in force when the unit was dispatched
(the caller picks it from the kept versions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.ledger.pricing import Usage
from bluepool.domain.shared.ids import AgencyId, JurisdictionId, UnitId
from bluepool.domain.sharing.agreements import COLLECTIVE, Agreement, AgreementId, Rates


@dataclass(frozen=True, slots=True)
class Unpriced:
    """A lent assignment the ledger cannot charge, and why."""

    source_key: str
    reason: str


def source_key(incident: str, n: int) -> str:
    return f"assignment:{incident}:{n}"


def usages_of(
    incident: Incident,
    agreements: Mapping[AgreementId, Agreement],
    units: Mapping[UnitId, Unit],
    owners: Mapping[JurisdictionId, AgencyId],
    now: datetime,
) -> tuple[list[tuple[Usage, Rates]], list[Unpriced]]:
    """The usages of ``incident``'s lent assignments with the rates they are priced at,
    and the lent assignments left unpriced."""
    priced: list[tuple[Usage, Rates]] = []
    unpriced: list[Unpriced] = []
    for n, a in enumerate(incident.assignments, start=1):
        if not a.lent:
            continue
        key = source_key(incident.id, n)
        agreement = agreements.get(AgreementId(a.agreement))
        if agreement is None or not 1 <= a.clause <= len(agreement.clauses):
            unpriced.append(Unpriced(key, f"no clause {a.clause} of agreement {a.agreement}"))
            continue
        clause = agreement.clauses[a.clause - 1]
        borrower: AgencyId | None = agreement.borrower(clause)
        if borrower == COLLECTIVE:
            where = incident.jurisdiction_id
            borrower = owners.get(where) if where is not None else None
        unit = units.get(a.unit_id)
        lender = unit.agency_id if unit is not None else clause.lender
        if borrower is None:
            unpriced.append(Unpriced(key, "lent to the collective outside every jurisdiction"))
            continue
        if borrower == lender:
            unpriced.append(Unpriced(key, f"{lender} lent to itself"))
            continue
        ended = a.cleared_at or incident.closed_at or now
        usage = Usage(
            source_key=key,
            incident=incident.id,
            resource=a.unit_id,
            kind=unit.kind if unit is not None else "*",
            lender=lender,
            borrower=borrower,
            agreement=agreement.id,
            clause=a.clause,
            started=a.assigned_at,
            ended=max(ended, a.assigned_at),
        )
        priced.append((usage, clause.rates))
    return priced, unpriced
