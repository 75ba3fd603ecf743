"""Sharing agreements: parties, clauses, rate cards, and the lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bluepool.domain.shared.errors import Conflict, Forbidden, Invalid
from bluepool.domain.shared.ids import AgencyId
from bluepool.domain.sharing.agreements import (
    COLLECTIVE,
    Agreement,
    AgreementId,
    Clause,
    Rates,
    Stage,
    State,
)

VADUZ, SCHAAN = AgencyId("vaduz"), AgencyId("schaan")
JAN = datetime(2027, 1, 1, tzinfo=UTC)
FEB = datetime(2027, 2, 1, tzinfo=UTC)
MAR = datetime(2027, 3, 1, tzinfo=UTC)


def draft(**terms: object) -> Agreement:
    defaults: dict[str, object] = {
        "id": AgreementId("VAD-SCH-2027-01"),
        "title": "Dog teams for Schaan",
        "parties": (VADUZ, SCHAAN),
        "clauses": (Clause(VADUZ, capabilities=frozenset({"k9"})),),
        "valid_from": JAN,
        "valid_until": MAR,
    }
    return Agreement(**{**defaults, **terms})  # type: ignore[arg-type]


def signed() -> Agreement:
    return draft().propose().sign(VADUZ, "admin-vaduz", JAN).sign(SCHAAN, "admin-schaan", JAN)


def test_a_signed_agreement_is_active_only_within_its_validity() -> None:
    a = signed()

    assert a.stage is Stage.SIGNED
    assert a.state_at(JAN - timedelta(seconds=1)) is State.PENDING
    assert a.state_at(JAN) is State.ACTIVE
    assert a.state_at(MAR - timedelta(seconds=1)) is State.ACTIVE
    assert a.state_at(MAR) is State.EXPIRED
    assert [a.lends_at(t) for t in (JAN - timedelta(days=1), FEB, MAR)] == [False, True, False]


def test_until_every_party_signs_an_agreement_never_lends() -> None:
    half = draft().propose().sign(VADUZ, "admin-vaduz", JAN)

    assert half.stage is Stage.PROPOSED
    assert half.state_at(FEB) is State.PROPOSED
    assert not half.lends_at(FEB)
    assert not draft().lends_at(FEB)


def test_each_change_is_a_new_version() -> None:
    a = draft()
    versions = [a.version]
    a = a.propose()
    versions.append(a.version)
    a = a.sign(VADUZ, "admin-vaduz", JAN)
    versions.append(a.version)
    a = a.sign(SCHAAN, "admin-schaan", JAN)
    versions.append(a.version)
    a = a.terminate(FEB, "merged into the county agreement")
    versions.append(a.version)

    assert versions == [1, 2, 3, 4, 5]


def test_a_terminated_agreement_lends_until_its_termination_only() -> None:
    a = signed().terminate(FEB, "the dog unit is disbanded")

    assert a.state_at(JAN + timedelta(days=3)) is State.ACTIVE
    assert a.state_at(FEB) is State.TERMINATED
    assert not a.lends_at(FEB + timedelta(days=1))
    with pytest.raises(Conflict, match="already terminated"):
        a.terminate(MAR, "again")


def test_a_withdrawn_proposal_never_lent() -> None:
    a = draft().propose().sign(VADUZ, "admin-vaduz", JAN).terminate(FEB, "withdrawn")

    assert not a.lends_at(JAN + timedelta(days=3))


def test_an_amendment_starts_the_signatures_over() -> None:
    half = draft().propose().sign(VADUZ, "admin-vaduz", JAN)

    amended = half.amend(valid_until=datetime(2027, 6, 1, tzinfo=UTC))

    assert amended.stage is Stage.DRAFT
    assert amended.signatures == ()
    with pytest.raises(Conflict, match="only a draft or a proposal"):
        signed().amend(title="other")


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"valid_until": JAN - timedelta(days=1)}, "must be after valid_from"),
        ({"parties": (VADUZ, VADUZ)}, "two different parties"),
        ({"parties": (COLLECTIVE, COLLECTIVE)}, "two different parties"),
        ({"clauses": ()}, "at least one clause"),
        ({"clauses": (Clause(AgencyId("unterland")),)}, "must be an agency party"),
        ({"id": AgreementId("bad id")}, "not a valid agreement id"),
    ],
)
def test_an_agreement_that_cannot_be_is_refused(terms: dict[str, object], message: str) -> None:
    with pytest.raises(Invalid, match=message):
        draft(**terms)


def test_the_collective_cannot_lend_and_only_parties_sign() -> None:
    with pytest.raises(Invalid, match="must be an agency party"):
        draft(parties=(VADUZ, COLLECTIVE), clauses=(Clause(COLLECTIVE),))
    with pytest.raises(Forbidden, match="not a party"):
        draft().propose().sign(AgencyId("unterland"), "admin-unterland", JAN)
    with pytest.raises(Conflict, match="propose it before signing"):
        draft().sign(VADUZ, "admin-vaduz", JAN)
    with pytest.raises(Conflict, match="already signed"):
        draft().propose().sign(VADUZ, "a", JAN).sign(VADUZ, "b", JAN)


def test_rates_are_whole_minor_units_and_never_negative() -> None:
    with pytest.raises(Invalid, match=r"rates\.per_hour\.patrol must be 0 or more"):
        Rates(per_hour={"patrol": -1})
    with pytest.raises(Invalid, match="whole number of minor units"):
        Rates(per_day={"drone": 12.5})  # type: ignore[dict-item]
    rates = Rates(per_hour={"patrol": 9000, "*": 12000}, per_day={"drone": 40000})

    assert (rates.hourly("patrol"), rates.hourly("k9"), rates.daily("van")) == (9000, 12000, 0)


def test_a_clause_cites_itself_and_says_what_it_lends() -> None:
    a = draft(
        clauses=(
            Clause(VADUZ, capabilities=frozenset({"k9"})),
            Clause(SCHAAN, capabilities=frozenset({"swat"}), max_priority=2, home_reserve=1),
        )
    )

    assert a.cite(2) == "agreement VAD-SCH-2027-01 clause 2"
    assert a.borrower(a.clauses[1]) == VADUZ
    assert a.clauses[1].describe() == ("swat anywhere any call type priority 1-2 keeping 1 at home")
