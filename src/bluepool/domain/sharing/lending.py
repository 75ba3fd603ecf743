"""What each agency lends at a moment, read from the agreements in force then.

The recommender asks one question of an agency's lending (``SharingPolicy.lends``: which of
these capabilities does it lend for such an incident?) and one number (its home reserve).
``lending_at`` answers both from the agreements: every clause of an agreement that lends at
the incident's time, and is not terminated by the time of the question, becomes a rule of
its lender's lending, aimed at the borrower's jurisdictions (every jurisdiction when the
borrower is the collective). ``lending_clause`` names the clause that lends a unit, for the
candidate to cite ("agreement VAD-SCH-2027-01 clause 2") and the ledger to price.

An agency's home reserve here is the largest reserve of its clauses in force: a lender never
goes below any reserve it agreed to keep (docs/decisions/0024).

``from_policy`` turns a per-agency sharing policy (what agencies had before agreements) into
the agreement between that agency and the collective that lends the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId
from bluepool.domain.sharing.agreements import (
    COLLECTIVE,
    Agreement,
    AgreementId,
    Clause,
    Signature,
    Stage,
)
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule


@dataclass(frozen=True, slots=True)
class LendingClause:
    """The clause of an agreement that lends a unit to an incident."""

    agreement: Agreement
    number: int

    @property
    def clause(self) -> Clause:
        return self.agreement.clauses[self.number - 1]

    @property
    def citation(self) -> str:
        return self.agreement.cite(self.number)


def in_force(agreements: Iterable[Agreement], at: datetime, now: datetime) -> list[Agreement]:
    """The agreements that lend for an incident received at ``at``, asked at ``now``: active
    at ``at`` and not terminated by ``now``."""
    return [
        a
        for a in agreements
        if a.lends_at(at) and (a.terminated_at is None or now < a.terminated_at)
    ]


def lending_at(
    agreements: Iterable[Agreement],
    at: datetime,
    now: datetime,
    owners: Mapping[JurisdictionId, AgencyId],
) -> dict[AgencyId, SharingPolicy]:
    """Each lender's lending for an incident received at ``at``, asked at ``now``; an agency
    that lends nothing then is absent (and lends nothing)."""
    return lending_of(in_force(agreements, at, now), owners)


def in_effect(agreements: Iterable[Agreement]) -> list[Agreement]:
    """The agreements signed by every party and not terminated, whatever their dates: what
    the simulator runs a collective under (its calls' times are not the calendar's)."""
    return [a for a in agreements if a.stage is Stage.SIGNED]


def lending_of(
    agreements: Iterable[Agreement], owners: Mapping[JurisdictionId, AgencyId]
) -> dict[AgencyId, SharingPolicy]:
    """Each lender's lending as if every one of ``agreements`` were in force: what a draft
    would lend once signed (``bluepool simulate --agreements``)."""
    rules: dict[AgencyId, list[SharingRule]] = {}
    reserve: dict[AgencyId, int] = {}
    for agreement in agreements:
        for clause in agreement.clauses:
            where = _jurisdictions(agreement, clause, owners)
            if where is not None and not where:
                continue  # lends to an agency that answers for nothing (or nothing of it)
            rules.setdefault(clause.lender, []).append(clause.as_rule(where))
            reserve[clause.lender] = max(reserve.get(clause.lender, 0), clause.home_reserve)
    return {
        lender: SharingPolicy(lender, reserve[lender], tuple(lender_rules))
        for lender, lender_rules in rules.items()
    }


def lending_clause(
    agreements: Iterable[Agreement],
    at: datetime,
    now: datetime,
    owners: Mapping[JurisdictionId, AgencyId],
    lender: AgencyId,
    jurisdiction_id: JurisdictionId | None,
    call_type: CallTypeCode,
    priority: int,
    capabilities: frozenset[str],
) -> LendingClause | None:
    """The first clause (by agreement id, then clause number) of ``lender`` in force that
    lends any of ``capabilities`` for such an incident; None when none does."""
    for found in clauses_lending(
        agreements, at, now, owners, jurisdiction_id, call_type, priority, capabilities
    ):
        if found.clause.lender == lender:
            return found
    return None


def clauses_lending(
    agreements: Iterable[Agreement],
    at: datetime,
    now: datetime,
    owners: Mapping[JurisdictionId, AgencyId],
    jurisdiction_id: JurisdictionId | None,
    call_type: CallTypeCode,
    priority: int,
    capabilities: frozenset[str] = frozenset(),
    resource_type: str | None = None,
) -> list[LendingClause]:
    """Every clause in force (by agreement id, then clause number), of any lender, that
    lends any of ``capabilities`` (or, given ``resource_type``, that resource type) for such
    an incident: whom a mutual-aid request can go to (``domain.aid.routing``)."""
    out: list[LendingClause] = []
    for agreement in sorted(in_force(agreements, at, now), key=lambda a: a.id):
        for number, clause in enumerate(agreement.clauses, start=1):
            rule = clause.as_rule(_jurisdictions(agreement, clause, owners))
            if resource_type is not None:
                kinds = frozenset({resource_type})
                if not clause.covers_equipment(resource_type):
                    continue
                rule = replace(rule, capabilities=None)
            else:
                kinds = capabilities
            if rule.lends(jurisdiction_id, call_type, priority, kinds):
                out.append(LendingClause(agreement, number))
    return out


def _jurisdictions(
    agreement: Agreement, clause: Clause, owners: Mapping[JurisdictionId, AgencyId]
) -> frozenset[JurisdictionId] | None:
    """Where a clause lends: the borrowing agency's jurisdictions (narrowed by the clause's
    own list), or the clause's list (None: anywhere) when the collective borrows."""
    borrower = agreement.borrower(clause)
    if borrower == COLLECTIVE:
        return clause.jurisdictions
    theirs = frozenset(j for j, a in owners.items() if a == borrower)
    return theirs if clause.jurisdictions is None else theirs & clause.jurisdictions


def from_policy(policy: SharingPolicy, since: datetime, signed_by: str) -> Agreement | None:
    """The agreement with the collective that lends what ``policy`` lent, signed by both
    parties and active from ``since`` (None for a policy that lends nothing)."""
    if not policy.rules:
        return None
    clauses = tuple(
        Clause(
            policy.agency_id,
            capabilities=r.capabilities,
            call_types=r.call_types,
            jurisdictions=r.jurisdictions,
            max_priority=r.max_priority,
            home_reserve=policy.home_reserve,
        )
        for r in policy.rules
    )
    return Agreement(
        AgreementId(f"{policy.agency_id[:53]}-collective"),
        f"What {policy.agency_id} lends the collective (from its sharing policy)",
        (policy.agency_id, COLLECTIVE),
        clauses,
        valid_from=since,
        stage=Stage.SIGNED,
        signatures=tuple(Signature(p, signed_by, since) for p in (policy.agency_id, COLLECTIVE)),
    )


def naming(
    agreements: Iterable[Agreement],
    *,
    call_type: CallTypeCode | None = None,
    jurisdiction: JurisdictionId | None = None,
) -> list[AgreementId]:
    """The agreements not terminated with a clause naming ``call_type`` or
    ``jurisdiction``: while one does, neither may be retired."""
    return [
        a.id
        for a in agreements
        if a.stage is not Stage.TERMINATED
        and any(
            (call_type is not None and call_type in (c.call_types or ()))
            or (jurisdiction is not None and jurisdiction in (c.jurisdictions or ()))
            for c in a.clauses
        )
    ]
