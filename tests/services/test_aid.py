"""Mutual-aid requests on the in-memory adapters: made from an incident, routed by the
agreements in force, approved step by step by the right people, fulfilled through
dispatch's assignment (the unit on the incident with its agreement and clause), released
and extended; each step an event and an audit entry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.domain.access.roles import Role, User
from bluepool.domain.aid.requests import Category, Item, State, Step
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Requirement
from bluepool.domain.collective.settings import Setting
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.resources.resources import Resource, ResourceId
from bluepool.domain.shared.errors import Conflict, Forbidden, Invalid, NotFound
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    UnitId,
    Username,
)
from bluepool.domain.shared.money import price_for
from bluepool.domain.sharing.agreements import AgreementId, Clause, Rates
from bluepool.services.access.policy import may_see_event
from bluepool.services.aid import requests as aid
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents
from bluepool.services.plain import payload
from bluepool.services.ports import LoanFilter
from tests.builders import T0, a_square, an_agreement

# The dispatch tests' context (over this module's store) and recording publisher.
from tests.services.test_dispatch import RecordingPublisher, ctx, publisher

__all__ = ["ctx", "publisher"]  # fixtures

HERE = Location(47.0, 9.0)
A, B, C = AgencyId("a"), AgencyId("b"), AgencyId("c")
DISPATCHER = User(Username("dora"), Role.DISPATCHER)
SUPERVISOR = User(Username("sam"), Role.SUPERVISOR)
ADMIN_B = User(Username("bea"), Role.AGENCY_ADMIN, agency_id=B)
ADMIN_C = User(Username("cid"), Role.AGENCY_ADMIN, agency_id=C)
ADMIN_A = User(Username("ada"), Role.AGENCY_ADMIN, agency_id=A)
FINANCE = User(Username("fin"), Role.COLLECTIVE_ADMIN)
K9 = Item(1, Category.UNIT, "k9", "Type 2", 1, "a dog team", None, "Gate 3", "patrol dog")


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        for agency in (A, B, C):
            uow.agencies.add(Agency(agency, agency.upper()))
        uow.jurisdictions.add(
            Jurisdiction(JurisdictionId("ja"), "A-town", A, a_square(HERE.lat, HERE.lon, 0.1))
        )
        uow.call_types.add(CallType(CallTypeCode("riot"), "Riot", 1, (Requirement("patrol"),)))
        uow.agreements.add(
            an_agreement(
                id=AgreementId("B-A-2025"),
                parties=(B, A),
                clauses=(
                    Clause(
                        B,
                        capabilities=frozenset({"k9"}),
                        resource_types=frozenset({"drone"}),
                        rates=Rates({"k9": 12000}, per_day={"drone": 25000}),
                        home_reserve=0,
                    ),
                ),
                valid_from=T0 - timedelta(days=1),
                signatures=(),
            ),
            "test",
            T0,
        )
        uow.resources.add(Resource(ResourceId("DRONE-7"), "drone", "Drone 7", B))
        for uid, agency, caps in (("a-1", A, {"patrol"}), ("b-k9", B, {"k9"}), ("c-k9", C, {"k9"})):
            uow.units.add(
                Unit(
                    UnitId(uid),
                    agency,
                    "car",
                    frozenset(caps),
                    location=HERE,
                    jurisdiction_id=JurisdictionId("ja"),
                )
            )
        uow.commit()
    return store


def hourly(r: aid.RequestRecord, rate: int) -> int:
    return price_for(rate, int((r.needed_until - r.requested_at).total_seconds()), 3600)


def requested(ctx: Context, quantity: int = 1) -> aid.RequestRecord:
    incident = incidents.create_incident(ctx, DISPATCHER, "riot", HERE, address="Städtle 1")
    item = Item(quantity, K9.category, K9.kind, K9.type, 1, K9.description)
    return aid.create_request(ctx, DISPATCHER, incident.id, [item], T0 + timedelta(hours=4))


def approved(ctx: Context, quantity: int = 1) -> aid.RequestRecord:
    r = requested(ctx, quantity)
    aid.approve_request(ctx, SUPERVISOR, r.id, comment="needed")
    aid.approve_request(ctx, ADMIN_B, r.id, order_number="B-17", eta=T0 + timedelta(hours=1))
    return aid.approve_request(ctx, FINANCE, r.id)


def test_a_request_is_filled_in_from_its_incident_and_routed_by_the_agreements(
    ctx: Context, store: MemoryStore, publisher: RecordingPublisher
) -> None:
    r = requested(ctx)
    assert r.id == "MA-2025-0001"
    assert r.incident_name == "Riot, Städtle 1"
    assert r.requested_by == "dora"
    assert r.requesting_agency == A
    assert r.routed_to == (B,)  # c has a k9 but no agreement lending it to a
    assert r.next_step is Step.REQUESTING_SUPERVISOR
    assert publisher.events[-1].type == "mutual_aid.requested"
    assert requested(ctx).id == "MA-2025-0002"
    with MemoryUnitOfWork(store) as uow:
        entries = [e for e in uow.audit.entries() if e.action.startswith("mutual_aid.")]
    assert next((e.action, e.subject, e.agency) for e in entries) == (
        "mutual_aid.requested",
        "mutual_aid_request/MA-2025-0001",
        "a",
    )


def test_no_agreement_lending_the_kind_is_refused_and_nothing_is_kept(ctx: Context) -> None:
    incident = incidents.create_incident(ctx, DISPATCHER, "riot", HERE)
    swat = Item(1, Category.UNIT, "swat")
    with pytest.raises(Conflict) as out:
        aid.create_request(ctx, DISPATCHER, incident.id, [swat], T0 + timedelta(hours=4))
    assert out.value.code == "no_route"
    assert aid.list_requests(ctx, DISPATCHER) == ()
    with pytest.raises(Invalid) as bad:
        aid.create_request(ctx, DISPATCHER, incident.id, [K9], T0 - timedelta(hours=4))
    assert bad.value.code == "bad_dates"
    with pytest.raises(Forbidden):
        aid.create_request(ctx, ADMIN_A, incident.id, [K9], T0 + timedelta(hours=4))


def test_the_steps_are_approved_in_order_by_their_own_approvers(
    ctx: Context, store: MemoryStore
) -> None:
    r = requested(ctx)
    with pytest.raises(Conflict) as out:
        aid.approve_request(ctx, FINANCE, r.id, step=Step.FINANCE)
    assert out.value.code == "out_of_order"
    with pytest.raises(Forbidden):
        aid.approve_request(ctx, DISPATCHER, r.id)  # a dispatcher is not a supervisor
    other_supervisor = User(Username("sue"), Role.SUPERVISOR, agency_id=C)
    with pytest.raises(Forbidden):
        aid.approve_request(ctx, other_supervisor, r.id)  # c's supervisor, a asks
    aid.approve_request(ctx, SUPERVISOR, r.id)
    with pytest.raises(Forbidden) as refused:
        aid.approve_request(ctx, ADMIN_C, r.id)  # c is not routed to
    assert refused.value.code == "not_routed"
    with pytest.raises(Forbidden):
        aid.approve_request(ctx, SUPERVISOR, r.id)  # the supplier's admin approves this
    assert aid.get_request(ctx, DISPATCHER, r.id).version == 2  # nothing changed
    aid.approve_request(ctx, ADMIN_B, r.id, order_number="B-17")
    with pytest.raises(Forbidden):
        aid.approve_request(ctx, ADMIN_B, r.id)  # finance is a collective admin's
    done = aid.approve_request(ctx, FINANCE, r.id)
    assert done.state is State.APPROVED
    assert done.supplier == B
    assert done.order_number == "B-17"
    assert done.cost == hourly(done, 12000)  # the clause's rate, request to needed_until
    assert done.items[0].terms is not None
    assert done.items[0].terms.citation == "agreement B-A-2025 clause 1"
    with MemoryUnitOfWork(store) as uow:
        refusals = [e.action for e in uow.audit.entries() if e.kind == "refused"]
    assert "aid.requests.approve_request" in refusals


def test_the_steps_are_the_collectives(ctx: Context, store: MemoryStore) -> None:
    with MemoryUnitOfWork(store) as uow:
        uow.settings.add(Setting("mutual_aid", {"approval_steps": ["supplying_agency"]}))
        uow.commit()
    r = requested(ctx)
    assert r.steps == (Step.SUPPLYING_AGENCY,)
    assert aid.approve_request(ctx, ADMIN_B, r.id).state is State.APPROVED


def test_a_unit_sent_appears_on_the_incident_lent_under_its_clause_and_is_released(
    ctx: Context, store: MemoryStore, publisher: RecordingPublisher
) -> None:
    r = approved(ctx)
    with pytest.raises(Conflict) as other:
        aid.fulfil_request(ctx, DISPATCHER, r.id, 1, "c-k9")
    assert other.value.code == "not_supplier"
    with pytest.raises(Conflict):
        aid.fulfil_request(ctx, DISPATCHER, r.id, 1, "a-1")
    sent = aid.fulfil_request(ctx, DISPATCHER, r.id, 1, "b-k9")
    assert sent.state is State.FULFILLED
    assert publisher.events[-1].type == "mutual_aid.fulfilled"
    with MemoryUnitOfWork(store) as uow:
        incident = uow.incidents.get(IncidentId(r.incident_id))
        assert incident is not None
        (assignment,) = incident.assignments
        assert (assignment.unit_id, assignment.agreement, assignment.clause) == (
            "b-k9",
            "B-A-2025",
            1,
        )
    with pytest.raises(Conflict) as over:
        aid.fulfil_request(ctx, DISPATCHER, r.id, 1, "b-k9")
    assert over.value.code == "over_fulfilled"

    extended = aid.extend_request(ctx, DISPATCHER, r.id, T0 + timedelta(hours=6), "still rioting")
    assert extended.cost == hourly(extended, 12000)
    assert extended.cost > sent.cost
    released = aid.release_request(ctx, DISPATCHER, r.id)
    assert released.state is State.RELEASED
    with MemoryUnitOfWork(store) as uow:
        unit = uow.units.get(UnitId("b-k9"))
        incident = uow.incidents.get(IncidentId(r.incident_id))
    assert unit is not None
    assert unit.status is UnitStatus.AVAILABLE
    assert incident is not None
    assert incident.active_units() == []
    with pytest.raises(Conflict) as twice:
        aid.release_request(ctx, DISPATCHER, r.id)
    assert twice.value.code == "already_released"
    types = [e.type for e in publisher.events if e.type.startswith("mutual_aid.")]
    assert types[-3:] == ["mutual_aid.fulfilled", "mutual_aid.extended", "mutual_aid.released"]


def test_equipment_goes_out_on_a_loan_to_the_incident_and_back(
    ctx: Context, store: MemoryStore
) -> None:
    with MemoryUnitOfWork(store) as uow:
        kept = uow.agreements.get(AgreementId("B-A-2025"))
        assert kept is not None
    incident = incidents.create_incident(ctx, DISPATCHER, "riot", HERE)
    kit = Item(2, Category.EQUIPMENT, "drone")
    r = aid.create_request(ctx, DISPATCHER, incident.id, [kit], T0 + timedelta(hours=4))
    aid.approve_request(ctx, SUPERVISOR, r.id)
    aid.approve_request(ctx, ADMIN_B, r.id)
    aid.approve_request(ctx, FINANCE, r.id)
    with pytest.raises(NotFound):
        aid.fulfil_request(ctx, ADMIN_B, r.id, 1, "DRONE-9")  # not in the catalogue
    sent = aid.fulfil_request(ctx, ADMIN_B, r.id, 1, "DRONE-7")
    assert sent.state is State.PARTLY_FULFILLED
    with MemoryUnitOfWork(store) as uow:
        (loan,) = uow.loans.find(LoanFilter(resource=ResourceId("DRONE-7")))
    assert (loan.incident, loan.lender, loan.borrower) == (incident.id, B, A)
    assert (loan.agreement, loan.clause, loan.due_at) == ("B-A-2025", 1, sent.needed_until)
    assert loan.is_open
    with pytest.raises(Forbidden):
        aid.fulfil_request(ctx, ADMIN_C, r.id, 1, "DRONE-8")
    aid.release_request(ctx, ADMIN_B, r.id, ["DRONE-7"])
    with MemoryUnitOfWork(store) as uow:
        found = uow.incidents.get(incident.id)
        back = uow.loans.get(loan.id)
    assert back is not None
    assert not back.is_open
    assert found is not None
    notes = [t.detail for t in found.timeline if t.kind == "note"]
    assert any("DRONE-7" in n and "sent" in n for n in notes)
    assert any("released DRONE-7" in n for n in notes)


def test_who_reads_which_request(ctx: Context) -> None:
    r = requested(ctx)
    assert aid.get_request(ctx, ADMIN_B, r.id).id == r.id  # asked
    assert [x.id for x in aid.list_requests(ctx, ADMIN_A)] == [r.id]  # asks
    assert aid.list_requests(ctx, ADMIN_C) == ()
    with pytest.raises(NotFound):
        aid.get_request(ctx, ADMIN_C, r.id)


def test_decline_and_cancel(ctx: Context) -> None:
    r = requested(ctx)
    with pytest.raises(Forbidden):
        aid.decline_request(ctx, ADMIN_B, r.id, "not yours")
    declined = aid.decline_request(ctx, SUPERVISOR, r.id, "we manage")
    assert declined.state is State.DECLINED
    with pytest.raises(Conflict):
        aid.approve_request(ctx, SUPERVISOR, r.id)
    other = requested(ctx)
    assert aid.cancel_request(ctx, DISPATCHER, other.id, "found one").state is State.CANCELLED


def test_the_live_stream_shows_a_request_to_those_it_involves(
    ctx: Context, publisher: RecordingPublisher
) -> None:
    requested(ctx)
    data = payload(publisher.events[-1])
    assert data["type"] == "mutual_aid.requested"
    assert may_see_event(DISPATCHER, data)
    assert may_see_event(ADMIN_A, data)  # asks
    assert may_see_event(ADMIN_B, data)  # asked
    assert not may_see_event(ADMIN_C, data)
