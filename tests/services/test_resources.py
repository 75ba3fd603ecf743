"""The catalogue and its loans as use cases: what each refuses and changes, the events
they raise (the ledger prices a returned loan from its event), the overdue alerts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.bootstrap import message_bus
from bluepool.domain.access.roles import Role, User
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Requirement, Station
from bluepool.domain.collective.settings import Setting
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.resources.catalogue import SETTING
from bluepool.domain.resources.resources import Condition, Resource, ResourceId, Window
from bluepool.domain.shared.errors import (
    ConcurrentUpdate,
    Conflict,
    DomainError,
    Duplicate,
    Forbidden,
    Invalid,
    NotFound,
    PolicyForbids,
)
from bluepool.domain.shared.events import Event
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId, StationId, Username
from bluepool.domain.sharing.agreements import COLLECTIVE, Clause, Rates
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents
from bluepool.services.ledger import posting
from bluepool.services.ports import Page
from bluepool.services.resources import catalogue, loans
from tests.builders import T0, a_square, an_agreement

HERE = Location(47.0, 9.0)
A, B, C = AgencyId("a"), AgencyId("b"), AgencyId("c")
DAY = timedelta(days=1)
ADMIN_A = User(Username("ada"), Role.AGENCY_ADMIN, agency_id=A)
ADMIN_B = User(Username("bob"), Role.AGENCY_ADMIN, agency_id=B)
DISPATCHER = User(Username("dora"), Role.DISPATCHER)
OFFICER = User(Username("olaf"), Role.OFFICER, agency_id=A)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


class Published:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    @property
    def types(self) -> list[str]:
        return [e.type for e in self.events]


@pytest.fixture
def store() -> MemoryStore:
    return a_store()


def a_store() -> MemoryStore:
    """Agencies a, b (b answers for jurisdiction jb) and c; a lends b drones and kits by
    agreement A-B (at most 48 hours, 250.00 a day); a's drone and kit, kept at station sa."""
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        for agency in (A, B, C):
            uow.agencies.add(Agency(agency, agency.upper()))
            uow.stations.add(Station(StationId(f"s{agency}"), agency, f"S-{agency}", HERE))
        uow.jurisdictions.add(Jurisdiction(JurisdictionId("jb"), "B", B, a_square(47.0, 9.0)))
        uow.call_types.add(CallType(CallTypeCode("theft"), "Theft", 3, (Requirement("patrol"),)))
        clause = Clause(
            A,
            resource_types=frozenset({"drone", "surveillance-kit"}),
            max_loan_hours=48,
            rates=Rates(per_day={"drone": 25000}),
        )
        uow.agreements.add(an_agreement(id="A-B", parties=(A, B), clauses=(clause,)), "t", T0)
        uow.resources.add(Resource(ResourceId("drone-a"), "drone", "Drone", A, StationId("sa")))
        uow.resources.add(Resource(ResourceId("kit-a"), "surveillance-kit", "Kit", A))
        uow.commit()
    return store


@pytest.fixture
def published() -> Published:
    return Published()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(store: MemoryStore, published: Published, clock: Clock) -> Context:
    return a_context(store, published, clock)


def a_context(store: MemoryStore, published: Published, clock: Clock) -> Context:
    with MemoryUnitOfWork(store) as uow:
        index = JurisdictionIndex(uow.jurisdictions.list())
    bus = message_bus(published, lambda: None)
    return Context(
        uow=lambda: MemoryUnitOfWork(store, bus),
        clock=clock,
        locator=lambda: index,
        travel=StraightLine(),
        hasher=None,  # type: ignore[arg-type]
    )


def loans_in(store: MemoryStore) -> int:
    with MemoryUnitOfWork(store) as uow:
        return len(uow.loans.find(loans.LoanFilter()))


# -- the catalogue --------------------------------------------------------------------------


def test_an_admin_adds_a_resource_to_the_catalogue(ctx: Context, published: Published) -> None:
    heli = Resource(ResourceId("heli-a"), "helicopter", "Helicopter 1", A, StationId("sa"))
    record = catalogue.add_resource(ctx, ADMIN_A, heli)
    assert (record.type_name, record.kind.value, record.available) == (
        "Helicopter",
        "equipment",
        True,
    )
    assert published.types == ["resource.created"]
    assert [r.id for r in catalogue.list_resources(ctx, OFFICER, type="helicopter")] == ["heli-a"]


@pytest.mark.parametrize(
    ("resource", "error", "code"),
    [
        (Resource(ResourceId("x"), "drone", "X", AgencyId("nobody")), Forbidden, "forbidden"),
        (Resource(ResourceId("x"), "sonar", "X", A), Invalid, "unknown_resource_type"),
        (Resource(ResourceId("x"), "drone", "X", A, StationId("s9")), Invalid, "unknown_station"),
        (
            Resource(ResourceId("x"), "drone", "X", A, StationId("sb")),
            Invalid,
            "station_of_another_agency",
        ),
        (Resource(ResourceId("drone-a"), "drone", "X", A), Duplicate, "resource_exists"),
    ],
)
def test_a_bad_resource_is_refused_and_changes_nothing(
    ctx: Context, published: Published, resource: Resource, error: type, code: str
) -> None:
    with pytest.raises(error) as e:
        catalogue.add_resource(ctx, ADMIN_A, resource)
    assert e.value.code == code
    assert [r.id for r in catalogue.list_resources(ctx, OFFICER)] == ["drone-a", "kit-a"]
    assert published.types == []


def test_an_unknown_owner_is_refused(ctx: Context) -> None:
    root = User(Username("cole"), Role.COLLECTIVE_ADMIN)
    with pytest.raises(Invalid) as e:
        catalogue.add_resource(ctx, root, Resource(ResourceId("x"), "drone", "X", AgencyId("z")))
    assert e.value.code == "unknown_agency"


def test_the_collective_adds_its_own_types(ctx: Context, store: MemoryStore) -> None:
    with MemoryUnitOfWork(store) as uow:
        uow.settings.add(Setting(SETTING, {"sonar": {"name": "Sonar", "kind": "equipment"}}))
        uow.commit()
    assert "sonar" in {t.id for t in catalogue.list_types(ctx, OFFICER)}
    catalogue.add_resource(ctx, ADMIN_A, Resource(ResourceId("sonar-a"), "sonar", "Sonar", A))


def test_a_change_written_against_an_old_version_is_refused(ctx: Context) -> None:
    terms = Resource(ResourceId("drone-a"), "drone", "Drone 1", A, condition=Condition.NEEDS_REPAIR)
    changed = catalogue.change_resource(ctx, ADMIN_A, "drone-a", 1, terms)
    assert (changed.version, changed.condition, changed.available) == (
        2,
        Condition.NEEDS_REPAIR,
        False,
    )
    with pytest.raises(ConcurrentUpdate):
        catalogue.change_resource(ctx, ADMIN_A, "drone-a", 1, terms)
    with pytest.raises(Forbidden):
        catalogue.change_resource(ctx, ADMIN_B, "drone-a", 2, terms)


# -- loans ----------------------------------------------------------------------------------


def test_a_loan_by_agreement_goes_out_and_comes_back(
    ctx: Context, clock: Clock, published: Published, store: MemoryStore
) -> None:
    loan = loans.check_out(ctx, ADMIN_A, "drone-a", T0 + DAY, agency="b", notes="2 batteries")
    assert (loan.lender, loan.borrower, loan.agreement, loan.clause) == (A, B, "A-B", 1)
    item = catalogue.get_resource(ctx, OFFICER, "drone-a")
    assert item.loan is not None
    assert item.loan.borrower == B
    assert not item.available
    assert [r.id for r in catalogue.list_resources(ctx, OFFICER, available=True)] == ["kit-a"]

    clock.at = T0 + timedelta(hours=20)
    back = loans.return_loan(ctx, ADMIN_B, loan.id, Condition.NEEDS_REPAIR, "prop cracked")
    assert (back.open, back.returned_at, back.condition_in) == (
        False,
        clock.at,
        Condition.NEEDS_REPAIR,
    )
    assert catalogue.get_resource(ctx, OFFICER, "drone-a").condition is Condition.NEEDS_REPAIR
    assert published.types == ["loan.created", "loan.returned", "resource.updated", "ledger.posted"]
    returned = published.events[1]
    assert returned.loan == back  # type: ignore[attr-defined]
    with MemoryUnitOfWork(store) as uow:
        changes, _ = uow.changes.find("loan", loan.id, Page(10, 0))
        (charged,) = uow.ledger.usages()
        balances = uow.ledger.balances()
    assert [c.action for c in changes] == ["return", "check_out"]
    # Back within a day: one day at the clause's 250.00, posted with the return.
    assert (charged.priced.usage.source_key, charged.priced.price.amount) == (
        f"loan:{loan.id}",
        25000,
    )
    assert (balances["a:receivable"], balances["b:payable"]) == (25000, -25000)


def test_a_returned_loan_is_charged_once_by_the_days_out_and_a_free_one_not_at_all(
    ctx: Context, clock: Clock, store: MemoryStore
) -> None:
    lent = loans.check_out(ctx, ADMIN_A, "drone-a", T0 + 2 * DAY, agency="b")
    theft = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    free = loans.check_out(ctx, DISPATCHER, "kit-a", T0 + DAY, incident=theft.id)  # no kit rate
    clock.at = T0 + timedelta(hours=30)  # a day and a part: two days
    loans.return_loan(ctx, ADMIN_B, lent.id, Condition.SERVICEABLE)
    loans.return_loan(ctx, DISPATCHER, free.id, Condition.SERVICEABLE)
    admin = User(Username("cole"), Role.COLLECTIVE_ADMIN)
    assert posting.replay(ctx, admin) == 0  # nothing missed, nothing twice
    with MemoryUnitOfWork(store) as uow:
        charged = uow.ledger.usages()
    assert [(u.priced.usage.source_key, u.priced.price.amount) for u in charged] == [
        (f"loan:{lent.id}", 50000)
    ]


@pytest.mark.parametrize(
    ("resource", "kwargs", "error", "code"),
    [
        ("drone-a", {"agency": "c"}, PolicyForbids, "no_agreement"),  # no agreement a -> c
        ("drone-a", {"agency": "z"}, Invalid, "unknown_agency"),
        ("drone-a", {"agency": "a"}, Invalid, "own_agency"),
        ("drone-a", {}, Invalid, "no_borrower"),
        ("drone-a", {"agency": "b", "incident": "i"}, Invalid, "no_borrower"),
        ("drone-a", {"agency": "b", "due_at": T0 - DAY}, Invalid, "bad_dates"),
        ("drone-a", {"agency": "b", "due_at": T0 + 3 * DAY}, Invalid, "loan_too_long"),
        ("nope", {"agency": "b"}, NotFound, "resource_not_found"),
        ("drone-a", {"incident": "nope"}, NotFound, "incident_not_found"),
    ],
)
def test_a_bad_loan_is_refused_and_changes_nothing(
    ctx: Context,
    store: MemoryStore,
    published: Published,
    resource: str,
    kwargs: dict,
    error: type,
    code: str,
) -> None:
    due = kwargs.pop("due_at", T0 + DAY)
    with pytest.raises(error) as e:
        loans.check_out(ctx, ADMIN_A, resource, due, **kwargs)
    assert e.value.code == code
    assert loans_in(store) == 0
    assert published.types == []


def test_equipment_already_out_is_not_lent_again(ctx: Context, store: MemoryStore) -> None:
    loans.check_out(ctx, ADMIN_A, "drone-a", T0 + DAY, agency="b")
    with pytest.raises(Conflict) as e:
        loans.check_out(ctx, ADMIN_A, "drone-a", T0 + DAY, agency="b")
    assert e.value.code == "on_loan"
    assert loans_in(store) == 1


def test_a_loan_already_returned_is_not_returned_again(ctx: Context) -> None:
    loan = loans.check_out(ctx, ADMIN_A, "drone-a", T0 + DAY, agency="b")
    loans.return_loan(ctx, ADMIN_A, loan.id, Condition.SERVICEABLE)
    with pytest.raises(Conflict) as e:
        loans.return_loan(ctx, ADMIN_A, loan.id, Condition.NEEDS_REPAIR)
    assert e.value.code == "already_returned"
    assert catalogue.get_resource(ctx, OFFICER, "drone-a").condition is Condition.SERVICEABLE


def test_equipment_is_lent_only_inside_its_windows(ctx: Context) -> None:
    window = Window(T0 + 2 * DAY, T0 + 4 * DAY)
    terms = Resource(ResourceId("kit-a"), "surveillance-kit", "Kit", A, windows=(window,))
    catalogue.change_resource(ctx, ADMIN_A, "kit-a", 1, terms)
    with pytest.raises(Conflict) as e:
        loans.check_out(ctx, ADMIN_A, "kit-a", T0 + DAY, agency="b")
    assert e.value.code == "outside_window"


def test_dispatch_checks_out_to_an_incident_of_the_borrowers_jurisdiction(ctx: Context) -> None:
    incident = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    loan = loans.check_out(ctx, DISPATCHER, "drone-a", T0 + DAY, incident=incident.id)
    assert (loan.borrower, loan.incident, loan.agreement) == (B, incident.id, "A-B")
    with pytest.raises(Forbidden):
        loans.check_out(ctx, DISPATCHER, "kit-a", T0 + DAY, agency="b")


def test_an_overdue_loan_is_alerted_once(ctx: Context, clock: Clock, published: Published) -> None:
    loan = loans.check_out(ctx, ADMIN_A, "drone-a", T0 + DAY, agency="b")
    assert loans.notice_overdue(ctx, DISPATCHER) == ()
    clock.at = T0 + DAY + timedelta(minutes=1)
    assert [r.id for r in loans.list_loans(ctx, OFFICER, overdue=True)] == [loan.id]
    assert [r.id for r in loans.notice_overdue(ctx, DISPATCHER)] == [loan.id]
    assert loans.notice_overdue(ctx, DISPATCHER) == ()
    assert published.types == ["loan.created", "loan.overdue"]
    assert loans.list_loans(ctx, OFFICER, agency="c") == ()


def test_a_collective_clause_lends_to_every_agency(ctx: Context, store: MemoryStore) -> None:
    with MemoryUnitOfWork(store) as uow:
        a = an_agreement(id="A-ALL", parties=(A, COLLECTIVE), clauses=(Clause(A),))
        uow.agreements.add(a, "t", T0)
        uow.commit()
    loan = loans.check_out(ctx, ADMIN_A, "drone-a", T0 + 30 * DAY, agency="c")
    assert (loan.borrower, loan.agreement) == (C, "A-ALL")


# -- the demo collective ---------------------------------------------------------------------


def test_the_demos_equipment_goes_out_under_its_agreements(clock: Clock) -> None:
    from bluepool.adapters.files.collective import read_collective
    from tests.services.test_setup import DEMO, load

    demo_store = MemoryStore()
    load(demo_store, read_collective(DEMO))
    clock.at = datetime(2026, 3, 2, 8, 0, tzinfo=T0.tzinfo)
    ctx = Context(
        uow=lambda: MemoryUnitOfWork(demo_store),
        clock=clock,
        locator=lambda: None,  # type: ignore[arg-type,return-value]
        travel=StraightLine(),
        hasher=None,  # type: ignore[arg-type]
    )
    root = User(Username("cole"), Role.COLLECTIVE_ADMIN)
    kit = loans.check_out(ctx, root, "unt-surv-1", clock.at + 3 * DAY, agency="schaan-planken")
    assert (kit.agreement, kit.clause, kit.borrower) == ("UNT-SCH-2026-01", 1, "schaan-planken")
    drone = loans.check_out(ctx, root, "vaduz-drone-1", clock.at + DAY / 4, agency="unterland")
    assert drone.agreement == "VAD-collective-2026"
    with pytest.raises(Conflict) as e:
        loans.check_out(ctx, root, "vaduz-drone-2", clock.at + DAY / 4, agency="unterland")
    assert e.value.code == "not_serviceable"
    with pytest.raises(PolicyForbids):  # Unterland lends its kits to Schaan-Planken only
        loans.check_out(ctx, root, "unt-surv-2", clock.at + DAY, agency="vaduz")
    with pytest.raises(Invalid) as e:
        loans.check_out(ctx, root, "sch-swat-1", clock.at + DAY, agency="vaduz")
    assert e.value.code == "not_loanable"


# -- property: over random check-outs, returns and time, an item is out once at most ----------

OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("out"),
            st.sampled_from(["drone-a", "kit-a"]),
            st.sampled_from(["b", "c"]),
            st.integers(1, 60),
        ),
        st.tuples(
            st.just("back"),
            st.sampled_from(["drone-a", "kit-a"]),
            st.sampled_from(list(Condition)),
            st.just(0),
        ),
        st.tuples(st.just("tick"), st.just(""), st.just(""), st.integers(1, 30)),
    ),
    max_size=25,
)


def state(store: MemoryStore) -> tuple[object, ...]:
    with MemoryUnitOfWork(store) as uow:
        return (tuple(uow.loans.find(loans.LoanFilter())), tuple(uow.resources.list()))


@settings(max_examples=60, deadline=None)
@given(OPS)
def test_no_item_is_ever_out_twice_and_a_refusal_changes_nothing(ops: list) -> None:
    store, clock = a_store(), Clock()
    ctx = a_context(store, Published(), clock)
    for op, item, arg, hours in ops:
        if op == "tick":
            clock.at += timedelta(hours=hours)
            continue
        before = state(store)
        item_then = catalogue.get_resource(ctx, OFFICER, item)
        try:
            if op == "out":
                due = clock.at + timedelta(hours=hours)
                loans.check_out(ctx, ADMIN_A, item, due, agency=arg)
                assert item_then.loan is None
                assert item_then.condition is Condition.SERVICEABLE
                assert arg == "b"
                assert hours <= 48
            else:
                open_loan = item_then.loan
                if open_loan is None:
                    continue
                loans.return_loan(ctx, ADMIN_A, open_loan.id, arg)
                after = catalogue.get_resource(ctx, OFFICER, item).condition
                assert after is (item_then.condition if arg is Condition.SERVICEABLE else arg)
        except DomainError:
            assert state(store) == before
        with MemoryUnitOfWork(store) as uow:
            out = [loan.resource for loan in uow.loans.find(loans.LoanFilter(open=True))]
        assert len(out) == len(set(out))
