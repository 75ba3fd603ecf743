"""Dispatch lends only by agreements in force: over random agreements at every stage of
their lifecycle, random times and fleets, no candidate of another agency is recommended
unless an agreement active at the incident's time, and not terminated by the time of the
recommendation, lends it, and the clause it cites is one of those."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.dispatch.recommend import Collective, IncidentView, recommend
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.sharing.agreements import Agreement, State
from bluepool.domain.sharing.lending import lending_clause
from bluepool.services.ports import Standing
from tests.strategies import (
    AGENCY_NAMES,
    JURISDICTION_AGENCY,
    agreements,
    fleets,
    incident_views,
    moments,
    response_plans,
)


def in_force(a: Agreement, at: datetime, now: datetime) -> bool:
    """Written out from the lifecycle's states, not through ``lending``."""
    active = a.state_at(at) is State.ACTIVE
    return active and (a.terminated_at is None or now < a.terminated_at)


@given(
    st.lists(st.integers(0, 999).flatmap(agreements), max_size=6),
    moments(),
    st.integers(0, 20),
    incident_views(),
    response_plans(),
    fleets(min_size=3, max_size=12),
)
def test_no_unit_is_lent_by_an_agreement_not_in_force(
    drawn: list[Agreement],
    at: datetime,
    later: int,
    incident: IncidentView,
    plan: tuple[Requirement, ...],
    fleet: list[Unit],
) -> None:
    agreements_ = list({a.id: a for a in drawn}.values())
    now = at + timedelta(days=later)
    facts = Standing(Collective(JURISDICTION_AGENCY, {}, AGENCY_NAMES), {}, tuple(agreements_))
    rec = recommend(incident, plan, fleet, facts.lending(at, now), StraightLine())

    home = JURISDICTION_AGENCY.get(incident.jurisdiction_id) if incident.jurisdiction_id else None
    lenders = {c.lender for a in agreements_ if in_force(a, at, now) for c in a.clauses}
    for c in rec.candidates:
        if c.agency_id == home:
            continue
        assert c.agency_id in lenders
        cited = lending_clause(
            agreements_,
            at,
            now,
            JURISDICTION_AGENCY,
            c.agency_id,
            incident.jurisdiction_id,
            incident.call_type,
            incident.priority,
            frozenset(c.fills),
        )
        assert cited is not None
        assert in_force(cited.agreement, at, now)
        assert cited.clause.lender == c.agency_id
