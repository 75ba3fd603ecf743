"""The catalogue's rules: what may be lent, when, to whom, under which clause."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.resources.catalogue import (
    ResourceKind,
    ResourceType,
    catalogue,
    setting_value,
    types_of,
)
from bluepool.domain.resources.loans import (
    MAX_LOAN_DAYS,
    IncidentFacts,
    Loan,
    LoanId,
    check_checkout,
    condition_after_return,
    covering_clause,
)
from bluepool.domain.resources.resources import Condition, Window
from bluepool.domain.shared.errors import Conflict, DomainError, Invalid
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId
from bluepool.domain.sharing.agreements import COLLECTIVE, Clause, Stage
from tests.builders import T0, a_loan, a_resource, an_agreement

DRONE = catalogue()["drone"]
DAY = timedelta(days=1)
A1, A2, A3 = AgencyId("A-1"), AgencyId("A-2"), AgencyId("A-3")


def test_the_catalogue_has_nims_style_types_and_the_collectives_own():
    own = types_of({"sonar": {"name": "Side-scan sonar", "kind": "equipment"}})
    types = catalogue(own)
    assert types["swat-type-1"].kind is ResourceKind.UNIT
    assert types["helicopter"].loanable
    assert types["sonar"] == ResourceType("sonar", "Side-scan sonar", ResourceKind.EQUIPMENT)
    assert types_of(setting_value(own)) == own


def test_a_type_of_an_unknown_kind_is_refused():
    with pytest.raises(Invalid, match="kind must be one of unit, equipment"):
        types_of({"x": {"name": "X", "kind": "vehicle"}})


def test_a_window_must_end_after_it_starts():
    with pytest.raises(Invalid, match="must end after it starts") as e:
        Window(T0, T0)
    assert e.value.code == "bad_window"


def test_overlapping_windows_are_refused():
    with pytest.raises(Invalid, match="overlap"):
        a_resource(windows=(Window(T0, T0 + 2 * DAY), Window(T0 + DAY, T0 + 3 * DAY)))


def test_serviceable_free_equipment_inside_its_window_is_lent():
    r = a_resource(windows=(Window(T0, T0 + 7 * DAY),))
    check_checkout(r, DRONE, [], T0 + DAY, T0 + 2 * DAY)


@pytest.mark.parametrize(
    ("resource", "start", "due", "code"),
    [
        (a_resource(id="R-1"), T0, T0 + DAY, "on_loan"),
        (a_resource(condition=Condition.NEEDS_REPAIR), T0, T0 + DAY, "not_serviceable"),
        (a_resource(condition=Condition.OUT_OF_SERVICE), T0, T0 + DAY, "not_serviceable"),
        (a_resource(), T0, T0, "bad_dates"),
        (a_resource(windows=(Window(T0, T0 + DAY),)), T0, T0 + 2 * DAY, "outside_window"),
        (a_resource(), T0, T0 + (MAX_LOAN_DAYS + 1) * DAY, "loan_too_long"),
    ],
)
def test_a_loan_that_breaks_a_rule_is_refused(resource, start, due, code):
    with pytest.raises(DomainError) as e:
        check_checkout(resource, DRONE, [a_loan(resource="R-1")], start, due)
    assert e.value.code == code


def test_a_loan_longer_than_the_clause_allows_is_refused():
    with pytest.raises(Invalid, match="at most 12 hours"):
        check_checkout(a_resource(), DRONE, [], T0, T0 + timedelta(hours=13), max_hours=12)


def test_a_unit_capability_is_not_checked_out():
    swat = catalogue()["swat-type-1"]
    with pytest.raises(Invalid) as e:
        check_checkout(a_resource(type="swat-type-1"), swat, [], T0, T0 + DAY)
    assert e.value.code == "not_loanable"


def test_a_returned_loan_cannot_be_returned_again():
    back = a_loan().returned(T0 + DAY, Condition.SERVICEABLE, "admin")
    assert not back.is_open
    with pytest.raises(Conflict) as e:
        back.returned(T0 + DAY, Condition.SERVICEABLE, "admin")
    assert e.value.code == "already_returned"


def test_a_loan_is_overdue_once_past_due_and_not_returned():
    loan = a_loan()
    assert not loan.overdue_at(loan.due_at)
    assert loan.overdue_at(loan.due_at + timedelta(seconds=1))
    assert not loan.returned(T0 + 2 * DAY, Condition.SERVICEABLE, "a").overdue_at(T0 + 3 * DAY)


def test_a_loan_due_before_it_goes_out_is_refused():
    with pytest.raises(Invalid, match="due after it goes out"):
        a_loan(due_at=T0 - DAY)


def test_an_item_returned_in_bad_condition_needs_repair():
    r = a_resource()
    assert condition_after_return(r, Condition.NEEDS_REPAIR) is Condition.NEEDS_REPAIR
    assert condition_after_return(r, Condition.SERVICEABLE) is Condition.SERVICEABLE


# -- which clause covers a loan -----------------------------------------------------------


def test_the_clause_that_names_the_type_covers_the_loan():
    a = an_agreement(clauses=(Clause(A1, resource_types=frozenset({"drone"})),))
    assert covering_clause([a], A1, A2, "drone", T0) == (a, 1)
    assert covering_clause([a], A1, A2, "helicopter", T0) is None
    assert covering_clause([a], A2, A1, "drone", T0) is None  # the other way round


def test_a_clause_that_lends_only_capabilities_lends_no_equipment():
    a = an_agreement(clauses=(Clause(A1, capabilities=frozenset({"patrol"})), Clause(A1)))
    assert covering_clause([a], A1, A2, "drone", T0) == (a, 2)


def test_an_agreement_not_in_force_covers_nothing():
    draft = an_agreement(stage=Stage.DRAFT, signatures=())
    assert covering_clause([draft], A2, A1, "drone", T0) is None
    assert covering_clause([an_agreement()], A2, A1, "drone", T0 - DAY) is None


def test_a_collective_clause_lends_to_every_other_agency():
    a = an_agreement(parties=(A1, COLLECTIVE), clauses=(Clause(A1),))
    assert covering_clause([a], A1, A3, "drone", T0) == (a, 1)
    assert covering_clause([a], A1, A1, "drone", T0) is None


def test_a_clause_narrowed_to_incidents_covers_only_fitting_incidents():
    clause = Clause(
        A1,
        resource_types=frozenset({"drone"}),
        jurisdictions=frozenset({JurisdictionId("J-2")}),
        max_priority=2,
    )
    a = an_agreement(clauses=(clause,))
    fits = IncidentFacts(JurisdictionId("J-2"), CallTypeCode("theft"), 1)
    assert covering_clause([a], A1, A2, "drone", T0, fits) == (a, 1)
    assert covering_clause([a], A1, A2, "drone", T0) is None  # not for an agency loan
    elsewhere = IncidentFacts(JurisdictionId("J-3"), CallTypeCode("theft"), 1)
    assert covering_clause([a], A1, A2, "drone", T0, elsewhere) is None
    minor = IncidentFacts(JurisdictionId("J-2"), CallTypeCode("theft"), 4)
    assert covering_clause([a], A1, A2, "drone", T0, minor) is None


# -- property: an item is never out twice at once -----------------------------------------

steps = st.lists(
    st.tuples(st.sampled_from(["out", "back"]), st.sampled_from(["R-1", "R-2"]), st.integers(1, 5)),
    max_size=30,
)


@given(steps)
def test_no_item_is_ever_on_two_open_loans(ops):
    items = {rid: a_resource(id=rid) for rid in ("R-1", "R-2")}
    loans: list[Loan] = []
    now = T0
    for n, (op, rid, days) in enumerate(ops):
        now += timedelta(hours=1)
        if op == "out":
            open_loans = [loan for loan in loans if loan.is_open]
            try:
                check_checkout(items[rid], DRONE, open_loans, now, now + days * DAY)
            except DomainError:
                assert any(loan.resource == rid for loan in open_loans)
                continue
            loans.append(a_loan(id=LoanId(f"L{n}"), resource=rid, out_at=now, due_at=now + DAY))
        else:
            loans = [
                loan.returned(now, Condition.SERVICEABLE, "a")
                if loan.resource == rid and loan.is_open
                else loan
                for loan in loans
            ]
        for r in items:
            assert sum(1 for loan in loans if loan.resource == r and loan.is_open) <= 1
