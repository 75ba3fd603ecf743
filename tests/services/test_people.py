"""The people behind the units as use cases: who reads and keeps them, what each refuses
and leaves unchanged, renewals kept as history, and the certification gate in dispatch
(a recommendation and an assignment refuse a dog team whose handler's certification
has lapsed, with the same code)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.bootstrap import message_bus
from bluepool.domain.access.roles import Role, User
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Requirement
from bluepool.domain.collective.settings import Setting
from bluepool.domain.dispatch.rules import RuleCode
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.people.gating import CertificationRules
from bluepool.domain.people.personnel import Person, PersonId
from bluepool.domain.shared.errors import Conflict, Duplicate, Forbidden, Invalid, NotFound
from bluepool.domain.shared.events import Event
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId, UnitId, Username
from bluepool.domain.shared.personal import REDACTED
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.services.access.policy import may_see_event
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents
from bluepool.services.people import certifications, crews, personnel
from bluepool.services.plain import payload
from bluepool.services.ports import CrewFilter, Page
from tests.builders import DISPOSITION, T0, a_square

HERE = Location(47.0, 9.0)
A, B = AgencyId("a"), AgencyId("b")
ADMIN_A = User(Username("ada"), Role.AGENCY_ADMIN, agency_id=A)
ADMIN_B = User(Username("bob"), Role.AGENCY_ADMIN, agency_id=B)
COLE = User(Username("cole"), Role.COLLECTIVE_ADMIN)
DISPATCHER = User(Username("dora"), Role.DISPATCHER)
OLAF = User(Username("olaf"), Role.OFFICER, agency_id=A)
SHIFT = (T0 - timedelta(hours=2), T0 + timedelta(hours=6))


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def store() -> MemoryStore:
    """Agencies a and b; a's dog team dog-a and patrol car car-a; the K-9 rule."""
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        for agency in (A, B):
            uow.agencies.add(Agency(agency, agency.upper()))
        uow.jurisdictions.add(Jurisdiction(JurisdictionId("ja"), "A", A, a_square(47.0, 9.0)))
        uow.call_types.add(CallType(CallTypeCode("track"), "Tracking", 2, (Requirement("k9"),)))
        for uid, caps in (("dog-a", {"k9"}), ("car-a", {"patrol"})):
            uow.units.add(
                Unit(
                    UnitId(uid),
                    A,
                    uid[:3],
                    frozenset(caps),
                    location=HERE,
                    jurisdiction_id=JurisdictionId("ja"),
                )
            )
        rules = {"k9": [{"certification": "k9_handler", "role": "handler"}]}
        uow.settings.add(Setting(CertificationRules.SETTING, rules))
        uow.users.add(User(OLAF.username, Role.OFFICER, agency_id=A))
        uow.commit()
    return store


@pytest.fixture
def events() -> list[Event]:
    return []


@pytest.fixture
def ctx(store: MemoryStore, events: list[Event]) -> Context:
    return a_context(store, events)


def a_context(store: MemoryStore, events: list[Event]) -> Context:
    with MemoryUnitOfWork(store) as uow:
        index = JurisdictionIndex(uow.jurisdictions.list())
    return Context(
        uow=lambda: MemoryUnitOfWork(store, message_bus(events.append, lambda: None)),
        clock=Clock(),
        locator=lambda: index,
        travel=StraightLine(),
        hasher=None,  # type: ignore[arg-type]
    )


def a_handler(ctx: Context, expires_on: date) -> str:
    personnel.add_person(ctx, ADMIN_A, Person.of("p-olaf", A, "Olaf Handler", "olaf"))
    crews.add_crew(ctx, ADMIN_A, "dog-a", "p-olaf", "handler", *SHIFT)
    grant = certifications.grant_certification(
        ctx, ADMIN_A, "p-olaf", "k9_handler", date(2023, 1, 1), expires_on=expires_on
    )
    return grant.id


def test_a_lapsed_handler_keeps_the_dog_team_out_of_recommendation_and_assignment(
    ctx: Context,
) -> None:
    a_handler(ctx, expires_on=T0.date() - timedelta(days=3))
    incident = incidents.create_incident(ctx, DISPATCHER, "track", HERE).id
    rec = incidents.recommendation(ctx, DISPATCHER, incident)
    (ex,) = [e for e in rec.excluded if e.unit_id == "dog-a"]
    expired = (T0.date() - timedelta(days=3)).isoformat()
    assert ex.code == RuleCode.CERTIFICATION_LAPSED.value
    assert ex.reason == f"handler's K-9 certification expired {expired}"
    with pytest.raises(Conflict) as refused:
        incidents.assign(ctx, DISPATCHER, incident, "dog-a")
    assert refused.value.code == "certification_lapsed"


def test_a_renewed_certification_puts_the_dog_team_back_and_keeps_the_old_grant(
    ctx: Context,
) -> None:
    old = a_handler(ctx, expires_on=T0.date() - timedelta(days=3))
    new = certifications.renew_certification(ctx, ADMIN_A, old, T0.date(), valid_days=365)
    history = certifications.list_certifications(ctx, ADMIN_A, person="p-olaf")
    assert {(g.id, g.superseded_by) for g in history} == {(old, new.id), (new.id, None)}
    assert [g.id for g in certifications.list_certifications(ctx, ADMIN_A, valid_at=T0)] == [new.id]
    incident = incidents.create_incident(ctx, DISPATCHER, "track", HERE).id
    assert incidents.assign(ctx, DISPATCHER, incident, "dog-a").unit_id == "dog-a"
    with pytest.raises(Conflict):
        certifications.renew_certification(ctx, ADMIN_A, old, T0.date(), valid_days=365)


def test_no_crew_keeps_the_dog_team_out(ctx: Context) -> None:
    incident = incidents.create_incident(ctx, DISPATCHER, "track", HERE).id
    rec = incidents.recommendation(ctx, DISPATCHER, incident)
    (ex,) = [e for e in rec.excluded if e.unit_id == "dog-a"]
    assert ex.reason == f"no crew on dog-a at {T0:%H:%M}"


def test_a_certification_that_expires_before_it_is_issued_is_refused_and_changes_nothing(
    ctx: Context,
) -> None:
    personnel.add_person(ctx, ADMIN_A, Person.of("p-olaf", A, "Olaf Handler"))
    with pytest.raises(Invalid) as refused:
        certifications.grant_certification(
            ctx, ADMIN_A, "p-olaf", "k9_handler", date(2026, 5, 1), expires_on=date(2026, 4, 1)
        )
    assert refused.value.code == "expires_before_issued"
    assert certifications.list_certifications(ctx, COLE) == ()


def test_an_officer_reads_only_their_own_records(ctx: Context) -> None:
    a_handler(ctx, expires_on=date(2030, 1, 1))
    personnel.add_person(ctx, ADMIN_A, Person.of("p-other", A, "Someone Else"))
    crews.add_crew(ctx, ADMIN_A, "car-a", "p-other", "member", *SHIFT)
    assert [p.id for p in personnel.list_personnel(ctx, OLAF)] == ["p-olaf"]
    assert [a.person_id for a in crews.list_crews(ctx, OLAF)] == ["p-olaf"]
    assert len(certifications.list_certifications(ctx, OLAF)) == 1
    with pytest.raises(NotFound):
        personnel.get_person(ctx, OLAF, "p-other")
    assert {a.unit_id for a in crews.list_crews(ctx, DISPATCHER, at=T0)} == {"dog-a", "car-a"}
    assert [a.unit_id for a in crews.list_crews(ctx, DISPATCHER, unit="car-a")] == ["car-a"]


def test_an_agency_admin_keeps_only_their_own_agency(ctx: Context) -> None:
    with pytest.raises(Forbidden):
        personnel.add_person(ctx, ADMIN_B, Person.of("p-x", A, "X"))
    personnel.add_person(ctx, ADMIN_A, Person.of("p-x", A, "X"))
    with pytest.raises(Forbidden):
        crews.add_crew(ctx, ADMIN_B, "dog-a", "p-x", "handler", *SHIFT)
    assert personnel.list_personnel(ctx, ADMIN_B) == ()


def test_a_person_is_on_one_shift_at_a_time_and_bad_input_changes_nothing(
    ctx: Context,
) -> None:
    personnel.add_person(ctx, ADMIN_A, Person.of("p-x", A, "X"))
    crews.add_crew(ctx, ADMIN_A, "dog-a", "p-x", "handler", *SHIFT)
    with pytest.raises(Conflict):
        crews.add_crew(ctx, ADMIN_A, "car-a", "p-x", "member", T0, T0 + timedelta(hours=1))
    with pytest.raises(Invalid):
        crews.add_crew(ctx, ADMIN_A, "car-a", "p-x", "member", T0, T0)
    with pytest.raises(NotFound):
        crews.add_crew(ctx, ADMIN_A, "car-zz", "p-x", "member", *SHIFT)
    personnel.add_person(ctx, COLE, Person.of("p-b", B, "B"))
    with pytest.raises(Invalid, match="own agency"):
        crews.add_crew(ctx, COLE, "car-a", "p-b", "member", *SHIFT)
    with pytest.raises(Duplicate):
        personnel.add_person(ctx, ADMIN_A, Person.of("p-x", A, "Y"))
    assert len(crews.list_crews(ctx, COLE)) == 1


def test_a_linked_account_must_be_of_the_agency(ctx: Context) -> None:
    with pytest.raises(Invalid):
        personnel.add_person(ctx, COLE, Person.of("p-b", B, "B Person", "olaf"))
    with pytest.raises(Invalid):
        personnel.add_person(ctx, COLE, Person.of("p-b", B, "B Person", "nobody"))


def test_the_name_never_reaches_the_change_log(ctx: Context) -> None:
    personnel.add_person(ctx, ADMIN_A, Person.of("p-x", A, "Xaver Secretname"))
    with ctx.uow() as uow:
        found, _ = uow.changes.find("person", "p-x", Page())
    assert found[0].data["full_name"] == REDACTED
    assert "Secretname" not in str(found[0].data)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    expires_in=st.one_of(st.none(), st.integers(-400, 400)),
    issued_in=st.integers(-800, 30),
    role=st.sampled_from(["handler", "member"]),
    on_shift=st.booleans(),
)
def test_a_dog_team_is_assignable_exactly_when_its_handler_is_certified(
    store: MemoryStore, expires_in: int | None, issued_in: int, role: str, on_shift: bool
) -> None:
    ctx = a_context(store, [])
    suffix = uuid.uuid4().hex[:6]
    person = f"p-{suffix}"
    personnel.add_person(ctx, ADMIN_A, Person.of(person, A, "Some Handler"))
    start = T0 - timedelta(hours=1) if on_shift else T0 + timedelta(hours=1)
    crews.add_crew(ctx, ADMIN_A, "dog-a", person, role, start, start + timedelta(hours=8))
    issued = T0.date() + timedelta(days=issued_in)
    expires = None if expires_in is None else issued + timedelta(days=abs(expires_in) + 1)
    certifications.grant_certification(
        ctx, ADMIN_A, person, "k9_handler", issued, expires_on=expires
    )
    valid = on_shift and role == "handler" and issued <= T0.date()
    valid = valid and (expires is None or T0.date() < expires)
    incident = incidents.create_incident(ctx, DISPATCHER, "track", HERE).id
    rec = incidents.recommendation(ctx, DISPATCHER, incident)
    assert ("dog-a" in {c.unit_id for c in rec.candidates}) is valid
    if valid:
        assert incidents.assign(ctx, DISPATCHER, incident, "dog-a").unit_id == "dog-a"
        incidents.close_incident(ctx, DISPATCHER, incident, DISPOSITION)
    else:
        with pytest.raises(Conflict) as refused:
            incidents.assign(ctx, DISPATCHER, incident, "dog-a")
        assert refused.value.code == "certification_lapsed"
    with MemoryUnitOfWork(store) as uow:
        for a in uow.crews.find(CrewFilter(person=PersonId(person))):
            uow.crews.delete(a.id)
        uow.commit()


def test_people_events_reach_only_those_who_may_read_them(
    ctx: Context, events: list[Event]
) -> None:
    a_handler(ctx, expires_on=date(2030, 1, 1))
    payloads = {e.type: payload(e) for e in events}
    person, crew = payloads["person.created"], payloads["crew_assignment.created"]
    grant = payloads["certification.created"]
    for data in (person, crew, grant):
        assert may_see_event(COLE, data)
        assert may_see_event(ADMIN_A, data)
        assert not may_see_event(ADMIN_B, data)
        assert not may_see_event(OLAF, data)
    assert may_see_event(DISPATCHER, crew)
    assert not may_see_event(DISPATCHER, person)
    assert not may_see_event(DISPATCHER, grant)
