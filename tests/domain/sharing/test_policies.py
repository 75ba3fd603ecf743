"""Sharing policies: what each agency lends, to whom, for what."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule
from tests.strategies import (
    AGENCIES,
    CALL_TYPES,
    capability_sets,
    jurisdiction_ids,
    sharing_policies,
    sharing_rules,
)

J = JurisdictionId
C = CallTypeCode
K9_AND_PATROL = frozenset({"k9", "patrol"})


def test_open_rule_lends_every_capability_anywhere() -> None:
    assert SharingRule().lends(J("n1"), C("burglary"), 5, K9_AND_PATROL) == K9_AND_PATROL
    assert SharingRule().lends(None, C("burglary"), 5, K9_AND_PATROL) == K9_AND_PATROL


def test_rule_lends_only_its_capabilities() -> None:
    rule = SharingRule(capabilities=frozenset({"k9", "air"}))

    assert rule.lends(J("n1"), C("burglary"), 3, K9_AND_PATROL) == {"k9"}


def test_rule_lends_only_to_its_jurisdictions() -> None:
    rule = SharingRule(jurisdictions=frozenset({J("n1")}))

    assert rule.lends(J("n1"), C("burglary"), 3, K9_AND_PATROL) == K9_AND_PATROL
    assert rule.lends(J("n2"), C("burglary"), 3, K9_AND_PATROL) == frozenset()
    assert rule.lends(None, C("burglary"), 3, K9_AND_PATROL) == frozenset()


def test_rule_lends_only_for_its_call_types() -> None:
    rule = SharingRule(call_types=frozenset({C("hostage")}))

    assert rule.lends(J("n1"), C("hostage"), 3, K9_AND_PATROL) == K9_AND_PATROL
    assert rule.lends(J("n1"), C("burglary"), 3, K9_AND_PATROL) == frozenset()


@pytest.mark.parametrize(("priority", "lent"), [(1, True), (2, True), (3, False), (5, False)])
def test_rule_lends_only_for_incidents_at_least_as_urgent_as_max_priority(
    priority: int, lent: bool
) -> None:
    rule = SharingRule(max_priority=2)

    assert bool(rule.lends(J("n1"), C("burglary"), priority, K9_AND_PATROL)) is lent


def test_policy_lends_the_union_of_its_rules() -> None:
    policy = SharingPolicy(
        AgencyId("south"),
        rules=(
            SharingRule(capabilities=frozenset({"k9"})),
            SharingRule(capabilities=frozenset({"patrol"}), max_priority=1),
        ),
    )

    assert policy.lends(J("n1"), C("burglary"), 1, K9_AND_PATROL) == K9_AND_PATROL
    assert policy.lends(J("n1"), C("burglary"), 2, K9_AND_PATROL) == {"k9"}


def test_policy_without_rules_lends_nothing() -> None:
    assert (
        SharingPolicy(AgencyId("east")).lends(J("n1"), C("burglary"), 1, K9_AND_PATROL)
        == frozenset()
    )


def test_negative_home_reserve_is_invalid() -> None:
    with pytest.raises(Invalid, match="home reserve of east"):
        SharingPolicy(AgencyId("east"), home_reserve=-1)


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (SharingRule(), "any capability anywhere any call type"),
        (
            SharingRule(
                jurisdictions=frozenset({J("n2"), J("n1")}),
                call_types=frozenset({C("hostage")}),
                capabilities=frozenset({"swat", "negotiator"}),
                max_priority=2,
            ),
            "negotiator, swat to n1, n2 for hostage priority 1-2",
        ),
    ],
)
def test_rule_describes_itself_in_words(rule: SharingRule, words: str) -> None:
    assert rule.describe() == words


def covers(
    rule: SharingRule, jurisdiction: JurisdictionId | None, call_type: str, priority: int
) -> bool:
    return (
        (rule.jurisdictions is None or jurisdiction in rule.jurisdictions)
        and (rule.call_types is None or call_type in rule.call_types)
        and priority <= rule.max_priority
    )


incident_facts = st.tuples(jurisdiction_ids(), st.sampled_from(CALL_TYPES), st.integers(1, 5))


@given(st.sampled_from(AGENCIES).flatmap(sharing_policies), incident_facts, capability_sets())
def test_policy_lends_a_capability_exactly_when_some_rule_covers_it(
    policy: SharingPolicy,
    facts: tuple[JurisdictionId | None, CallTypeCode, int],
    caps: frozenset[str],
) -> None:
    lent = policy.lends(*facts, caps)

    assert lent <= caps
    for cap in caps:
        expected = any(
            covers(rule, *facts) and (rule.capabilities is None or cap in rule.capabilities)
            for rule in policy.rules
        )
        assert (cap in lent) is expected


@given(sharing_rules(), incident_facts, capability_sets(), capability_sets())
def test_lending_more_capabilities_never_lends_fewer(
    rule: SharingRule,
    facts: tuple[JurisdictionId | None, CallTypeCode, int],
    some: frozenset[str],
    more: frozenset[str],
) -> None:
    assert rule.lends(*facts, some) <= rule.lends(*facts, some | more)
