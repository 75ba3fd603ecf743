"""Mutual-aid requests: approval in the configured steps, fulfilment up to the quantity,
release, extension, and the cost estimate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.aid.requests import (
    DEFAULT_STEPS,
    AidRules,
    Category,
    Item,
    State,
    Step,
    number_for,
    sequence_of,
)
from bluepool.domain.shared.errors import Conflict, Forbidden, Invalid
from bluepool.domain.shared.ids import AgencyId
from tests.builders import T0, an_aid_request

A1, A2 = AgencyId("A-1"), AgencyId("A-2")
LATER = T0 + timedelta(minutes=5)


def approved():
    r = an_aid_request()
    r = r.approve(Step.REQUESTING_SUPERVISOR, "sup", A2, LATER)
    r = r.approve(Step.SUPPLYING_AGENCY, "admin-a1", A1, LATER, order_number="A1-77")
    return r.approve(Step.FINANCE, "admin", AgencyId("collective"), LATER)


def test_the_steps_are_approved_in_order_and_the_supplier_is_the_approving_agency() -> None:
    r = an_aid_request()
    assert r.next_step is Step.REQUESTING_SUPERVISOR
    with pytest.raises(Conflict) as out:
        r.approve(Step.FINANCE, "admin", AgencyId("collective"), LATER)
    assert out.value.code == "out_of_order"
    r = approved()
    assert r.state is State.APPROVED
    assert r.next_step is None
    assert r.supplier == A1
    assert r.order_number == "A1-77"
    assert [a.step for a in r.approvals] == list(DEFAULT_STEPS)
    with pytest.raises(Conflict):
        r.approve(Step.FINANCE, "admin", AgencyId("collective"), LATER)


def test_an_agency_the_request_is_not_routed_to_cannot_supply_it() -> None:
    r = an_aid_request().approve(Step.REQUESTING_SUPERVISOR, "sup", A2, LATER)
    with pytest.raises(Forbidden) as out:
        r.approve(Step.SUPPLYING_AGENCY, "admin-a9", AgencyId("A-9"), LATER)
    assert out.value.code == "not_routed"


def test_the_cost_is_estimated_from_the_suppliers_rate_over_the_need() -> None:
    r = approved()
    # 2 units x 12050 per hour x 4 hours (arrival 08:30 to 12:30)
    assert r.cost == 2 * 12050 * 4
    assert an_aid_request().cost == 0  # no supplier yet
    longer = r.extend(T0 + timedelta(hours=6, minutes=30), "riot goes on", "sup", LATER)
    assert longer.cost == 2 * 12050 * 6
    assert longer.extensions[0].reason == "riot goes on"


def test_fulfilment_waits_for_approval_and_never_exceeds_the_quantity() -> None:
    with pytest.raises(Conflict) as out:
        an_aid_request().fulfil(1, "K9-1", "disp", LATER)
    assert out.value.code == "not_approved"
    r = approved().fulfil(1, "K9-1", "disp", LATER)
    assert r.state is State.PARTLY_FULFILLED
    with pytest.raises(Conflict):
        r.fulfil(1, "K9-1", "disp", LATER)  # already out
    r = r.fulfil(1, "K9-2", "disp", LATER)
    assert r.state is State.FULFILLED
    assert r.fulfilled(1) == 2
    with pytest.raises(Conflict) as out:
        r.fulfil(1, "K9-3", "disp", LATER)
    assert out.value.code == "over_fulfilled"
    with pytest.raises(Invalid):
        r.fulfil(2, "K9-3", "disp", LATER)


def test_release_frees_each_resource_once_and_the_last_releases_the_request() -> None:
    r = approved().fulfil(1, "K9-1", "disp", LATER).fulfil(1, "K9-2", "disp", LATER)
    r = r.release(["K9-1"], "disp", LATER)
    assert r.state is State.FULFILLED
    assert [f.resource for f in r.active()] == ["K9-2"]
    with pytest.raises(Conflict) as out:
        r.release(["K9-1"], "disp", LATER)
    assert out.value.code == "already_released"
    r = r.release(None, "disp", LATER)
    assert r.state is State.RELEASED
    with pytest.raises(Conflict) as out:
        r.release(None, "disp", LATER)
    assert out.value.code == "already_released"
    with pytest.raises(Conflict):
        r.extend(T0 + timedelta(days=1), "more", "sup", LATER)


def test_bad_requests_are_refused() -> None:
    with pytest.raises(Invalid) as out:
        an_aid_request(items=(Item(1, Category.UNIT, "k9", requested_arrival=T0 - timedelta(1)),))
    assert out.value.code == "arrival_before_request"
    with pytest.raises(Invalid):
        an_aid_request(items=())
    with pytest.raises(Invalid):
        Item(0, Category.UNIT, "k9")
    with pytest.raises(Invalid):
        an_aid_request(needed_until=T0)
    with pytest.raises(Invalid):
        approved().extend(T0 + timedelta(hours=1), "shorter", "sup", LATER)
    with pytest.raises(Invalid):
        approved().extend(T0 + timedelta(hours=9), "  ", "sup", LATER)


def test_decline_and_cancel_end_the_request() -> None:
    declined = an_aid_request().decline("sup", LATER, "we manage")
    assert declined.state is State.DECLINED
    assert declined.closed_reason == "we manage"
    with pytest.raises(Conflict):
        declined.approve(Step.REQUESTING_SUPERVISOR, "sup", A2, LATER)
    with pytest.raises(Conflict):
        approved().decline("sup", LATER, "too late")
    with pytest.raises(Conflict):
        approved().fulfil(1, "K9-1", "disp", LATER).cancel("sup", LATER, "no")
    assert approved().cancel("sup", LATER, "no longer needed").state is State.CANCELLED


def test_the_steps_come_from_the_settings() -> None:
    assert AidRules.of(None).steps == DEFAULT_STEPS
    rules = AidRules.of({"approval_steps": ["supplying_agency"]})
    assert rules.steps == (Step.SUPPLYING_AGENCY,)
    assert AidRules.of(rules.value()) == rules
    for bad in (["nobody"], ["finance", "finance"], 3):
        with pytest.raises(Invalid):
            AidRules.of({"approval_steps": bad})
    # No supplying step: the first route supplies once every step is approved.
    r = an_aid_request(steps=(Step.FINANCE,))
    assert r.approve(Step.FINANCE, "admin", AgencyId("collective"), LATER).supplier == A1


def test_numbers() -> None:
    assert number_for(2027, 1) == "MA-2027-0001"
    assert sequence_of("MA-2027-0042") == 42


actions = st.lists(
    st.one_of(
        st.tuples(st.just("approve"), st.sampled_from(list(Step))),
        st.tuples(st.just("fulfil"), st.sampled_from(["K9-1", "K9-2", "K9-3", "K9-4"])),
        st.tuples(st.just("release"), st.sampled_from(["K9-1", "K9-2", "K9-3", "K9-4"])),
    ),
    max_size=25,
)


@given(actions, st.integers(1, 3))
def test_no_sequence_of_steps_skips_an_approval_or_sends_more_than_asked(
    steps: list[tuple[str, str]], quantity: int
) -> None:
    r = an_aid_request(
        items=(Item(quantity, Category.UNIT, "k9", requested_arrival=T0),),
    )
    agency = {Step.REQUESTING_SUPERVISOR: A2, Step.SUPPLYING_AGENCY: A1, Step.FINANCE: A2}
    for action, arg in steps:
        try:
            if action == "approve":
                step = Step(arg)
                r = r.approve(step, "x", agency[step], LATER)
            elif action == "fulfil":
                r = r.fulfil(1, arg, "x", LATER)
            else:
                r = r.release([arg], "x", LATER)
        except (Conflict, Invalid, Forbidden):
            pass
        approved_steps = [a.step for a in r.approvals]
        assert approved_steps == list(r.steps[: len(approved_steps)])
        assert r.fulfilled(1) <= quantity
        if r.fulfilments:
            assert approved_steps == list(r.steps)
