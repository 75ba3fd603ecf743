"""What agencies lend at a moment, read from the agreements in force."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId
from bluepool.domain.sharing.agreements import (
    COLLECTIVE,
    Agreement,
    AgreementId,
    Clause,
    State,
)
from bluepool.domain.sharing.lending import from_policy, lending_at, lending_clause
from bluepool.domain.sharing.policies import SharingPolicy
from tests.strategies import (
    CALL_TYPES,
    JURISDICTION_AGENCY,
    START,
    agreements,
    capability_sets,
    jurisdiction_ids,
    moments,
    sharing_policies,
)

J = JurisdictionId
NORTH, SOUTH = AgencyId("north"), AgencyId("south")


@given(
    st.lists(agreements(), max_size=5),
    moments(),
    st.integers(0, 10),
    jurisdiction_ids(),
    st.sampled_from(CALL_TYPES),
    st.integers(1, 5),
    capability_sets(min_size=1),
)
def test_only_an_agreement_active_then_and_not_terminated_since_ever_lends(
    drawn: list[Agreement],
    at: datetime,
    later: int,
    jurisdiction: JurisdictionId | None,
    call_type: CallTypeCode,
    priority: int,
    caps: frozenset[str],
) -> None:
    now = at + timedelta(days=later)
    lending = lending_at(drawn, at, now, JURISDICTION_AGENCY)
    for lender, policy in lending.items():
        lent = policy.lends(jurisdiction, call_type, priority, caps)
        if not lent:
            continue
        cited = lending_clause(
            drawn, at, now, JURISDICTION_AGENCY, lender, jurisdiction, call_type, priority, caps
        )
        assert cited is not None
        agreement = cited.agreement
        assert agreement.state_at(at) is State.ACTIVE
        assert len(agreement.signatures) == 2
        assert agreement.terminated_at is None or now < agreement.terminated_at
        assert cited.clause.lender == lender
    # What lends is decided by the active agreements alone.
    live = [
        a
        for a in drawn
        if a.state_at(at) is State.ACTIVE and (a.terminated_at is None or now < a.terminated_at)
    ]
    assert lending == lending_at(live, at, now, JURISDICTION_AGENCY)


@given(
    sharing_policies(NORTH),
    jurisdiction_ids(),
    st.sampled_from(CALL_TYPES),
    st.integers(1, 5),
    capability_sets(min_size=1),
)
def test_a_policy_becomes_an_agreement_that_lends_the_same(
    policy: SharingPolicy,
    jurisdiction: JurisdictionId | None,
    call_type: CallTypeCode,
    priority: int,
    caps: frozenset[str],
) -> None:
    agreement = from_policy(policy, START, "migration")
    if agreement is None:
        assert policy.rules == ()
        return
    lending = lending_at([agreement], START, START, JURISDICTION_AGENCY)[NORTH]

    assert lending.home_reserve == policy.home_reserve
    assert lending.lends(jurisdiction, call_type, priority, caps) == policy.lends(
        jurisdiction, call_type, priority, caps
    )


def test_an_agreement_between_two_agencies_lends_to_the_borrowers_jurisdictions_only() -> None:
    a = (
        Agreement(
            AgreementId("NOR-SOU-2027-01"),
            "dogs south",
            (NORTH, SOUTH),
            (
                Clause(SOUTH, capabilities=frozenset({"patrol"})),
                Clause(NORTH, capabilities=frozenset({"k9"}), home_reserve=1),
            ),
            START,
        )
        .propose()
        .sign(NORTH, "admin-north", START)
        .sign(SOUTH, "admin-south", START)
    )
    k9 = frozenset({"k9"})

    lending = lending_at([a], START, START, JURISDICTION_AGENCY)

    assert lending[NORTH].lends(J("s1"), CallTypeCode("burglary"), 3, k9) == k9
    assert lending[NORTH].lends(J("e1"), CallTypeCode("burglary"), 3, k9) == frozenset()
    assert lending[NORTH].lends(None, CallTypeCode("burglary"), 3, k9) == frozenset()
    assert lending[NORTH].home_reserve == 1
    cited = lending_clause(
        [a], START, START, JURISDICTION_AGENCY, NORTH, J("s1"), CallTypeCode("assault"), 1, k9
    )
    assert cited is not None
    assert cited.citation == "agreement NOR-SOU-2027-01 clause 2"


def test_a_lender_keeps_the_largest_reserve_it_agreed_to() -> None:
    def signed(n: int, reserve: int) -> Agreement:
        return (
            Agreement(
                AgreementId(f"NOR-{n}"),
                "t",
                (NORTH, COLLECTIVE),
                (Clause(NORTH, home_reserve=reserve),),
                START,
            )
            .propose()
            .sign(NORTH, "a", START)
            .sign(COLLECTIVE, "b", START)
        )

    lending = lending_at([signed(1, 1), signed(2, 3)], START, START, JURISDICTION_AGENCY)

    assert lending[NORTH].home_reserve == 3
