"""Loading a whole collective: all of it in one commit, or none of it."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bluepool.adapters.files.collective import read_collective
from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.bootstrap import message_bus
from bluepool.domain.access.roles import Role, User
from bluepool.domain.collective.agencies import Agency
from bluepool.domain.dispatch.command import FloorRules
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.errors import Duplicate
from bluepool.domain.shared.ids import AgencyId, UnitId, Username
from bluepool.domain.spec import CollectiveSpec, UserSpec
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.services import setup
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents
from bluepool.services.ports import Page
from bluepool.services.setup import load_collective
from bluepool.services.setup import snapshot as read_back

DEMO = Path(__file__).parents[2] / "src/bluepool/demo/collective.yaml"
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class FakeHasher:
    def hash(self, password: str) -> str:
        return f"hashed:{password}"

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == f"hashed:{password}"


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture(scope="module")
def demo() -> CollectiveSpec:
    return read_collective(DEMO)


def load(store: MemoryStore, spec: CollectiveSpec) -> dict[str, int]:
    # As bootstrap wires it: the change log is the message bus's handler of the events.
    with MemoryUnitOfWork(store, message_bus(lambda event: None, lambda: None)) as uow:
        return load_collective(
            uow,
            spec,
            FakeHasher(),
            FixedClock(),
            "test",
            JurisdictionIndex(spec.jurisdictions),
        )


def snapshot(store: MemoryStore) -> dict[str, list[str]]:
    with MemoryUnitOfWork(store) as uow:
        changes, _ = uow.changes.find(None, None, Page(limit=10_000))
        return {
            "agencies": sorted(a.id for a in uow.agencies.list()),
            "jurisdictions": sorted(j.id for j in uow.jurisdictions.list()),
            "stations": sorted(s.id for s in uow.stations.list()),
            "units": sorted(u.id for u in uow.units.list()),
            "call_types": sorted(c.code for c in uow.call_types.list()),
            "agreements": sorted(a.id for a in uow.agreements.list()),
            "users": sorted(u.username for u in uow.users.list()),
            "changes": sorted(f"{c.entity}:{c.entity_id}" for c in changes),
        }


def test_loads_the_demo_collective_in_one_commit(demo: CollectiveSpec) -> None:
    store = MemoryStore()

    summary = load(store, demo)

    assert summary == {
        "agencies": 4,
        "jurisdictions": 11,
        "stations": 14,
        "units": len(demo.units),
        "call_types": len(demo.call_types),
        "agreements": 5,
        "users": len(demo.users),
        "timers": 5,
        "resource_types": 1,
        "resources": len(demo.resources),
        "personnel": 9,
        "certifications": 10,
        "crews": 9,
    }
    state = snapshot(store)
    assert len(state["units"]) == len(demo.units)
    assert len(state["users"]) == len(demo.users)


def test_units_start_at_their_station_in_their_own_jurisdiction(
    demo: CollectiveSpec,
) -> None:
    store = MemoryStore()
    load(store, demo)

    with MemoryUnitOfWork(store) as uow:
        units = uow.units.list()
        stations = {s.id: s for s in uow.stations.list()}
        owner = {j.id: j.agency_id for j in uow.jurisdictions.list()}
    assert all(u.location == stations[u.station_id].location for u in units if u.station_id)
    assert all(u.is_available for u in units)
    assert all(u.jurisdiction_id is not None for u in units)
    assert all(owner[u.jurisdiction_id] == u.agency_id for u in units if u.jurisdiction_id)
    assert next(u for u in units if u.id == "vaduz-p1").jurisdiction_id == "vaduz"
    assert next(u for u in units if u.id == "oberland-air-1").jurisdiction_id == "balzers"


def test_plain_passwords_are_hashed_and_given_hashes_kept() -> None:
    spec = CollectiveSpec(
        agencies=(Agency(AgencyId("a"), "A"),),
        users=(
            UserSpec(Username("dispatcher"), Role.DISPATCHER, password="dispatcher"),
            UserSpec(Username("admin"), Role.COLLECTIVE_ADMIN, password_hash="$argon2id$x"),
        ),
    )
    store = MemoryStore()
    load(store, spec)

    with MemoryUnitOfWork(store) as uow:
        dispatcher = uow.users.get(Username("dispatcher"))
        admin = uow.users.get(Username("admin"))
    assert dispatcher is not None
    assert dispatcher.password_hash == "hashed:dispatcher"
    assert admin is not None
    assert admin.password_hash == "$argon2id$x"


def test_officers_keep_their_unit_and_agency(demo: CollectiveSpec) -> None:
    store = MemoryStore()
    load(store, demo)

    with MemoryUnitOfWork(store) as uow:
        officer = uow.users.get(Username("officer"))
    assert officer is not None
    assert (officer.role, officer.agency_id, officer.unit_id) == (
        Role.OFFICER,
        "vaduz",
        "vaduz-p1",
    )


def test_writes_one_change_record_per_created_entity(demo: CollectiveSpec) -> None:
    store = MemoryStore()
    load(store, demo)

    with MemoryUnitOfWork(store) as uow:
        changes, total = uow.changes.find(None, None, Page(limit=10_000))
    expected = (
        len(demo.agencies)
        + len(demo.jurisdictions)
        + len(demo.stations)
        + len(demo.units)
        + len(demo.call_types)
        + len(demo.agreements)
        + len(demo.users)
        + len(demo.resources)
        + 6  # the settings: dispatch, closing, timers, board, resource types, certifications
        + len(demo.personnel)
        + len(demo.certifications)
        + len(demo.crews)
    )
    assert total == expected
    assert {(c.actor, c.action, c.at) for c in changes} == {("test", "create", NOW)}
    assert Counter(c.entity for c in changes) == {
        "agency": 4,
        "jurisdiction": 11,
        "station": 14,
        "unit": len(demo.units),
        "call_type": len(demo.call_types),
        "agreement": 5,
        "user": len(demo.users),
        "setting": 6,
        "resource": len(demo.resources),
        "person": 9,
        "certification": 10,
        "crew_assignment": 9,
    }
    assert not any("password" in str(c.data) for c in changes)
    # The officers' names are personal data: the change log says they were set, no more.
    assert not any("Kaiser" in str(c.data) for c in changes)


def test_refuses_ids_already_in_the_database_and_loads_nothing(
    demo: CollectiveSpec,
) -> None:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        uow.agencies.add(Agency(AgencyId("unterland"), "Unterland (existing)"))
        uow.users.add(User(Username("officer"), Role.OFFICER))
        uow.commit()
    before = snapshot(store)

    with pytest.raises(Duplicate) as raised:
        load(store, demo)

    assert 'agency "unterland"' in raised.value.detail
    assert 'user "officer"' in raised.value.detail
    assert snapshot(store) == before


def test_a_collision_found_at_commit_leaves_nothing_loaded(
    demo: CollectiveSpec,
) -> None:
    """Another writer takes a unit id after the check: the commit fails as a whole."""
    store = MemoryStore()
    racer = MemoryUnitOfWork(store)

    class RacingHasher(FakeHasher):
        def hash(self, password: str) -> str:
            if not racer.committed:  # strikes between the duplicate check and the commit
                with racer:
                    racer.agencies.add(Agency(AgencyId("vaduz"), "someone else's"))
                    racer.commit()
            return super().hash(password)

    with pytest.raises(Duplicate), MemoryUnitOfWork(store) as uow:
        load_collective(
            uow,
            demo,
            RacingHasher(),
            FixedClock(),
            "test",
            JurisdictionIndex(demo.jurisdictions),
        )

    state = snapshot(store)
    assert state["agencies"] == ["vaduz"]  # the other writer's, and nothing of ours
    assert all(not ids for name, ids in state.items() if name != "agencies")


def test_loading_twice_changes_nothing_the_second_time(demo: CollectiveSpec) -> None:
    store = MemoryStore()
    load(store, demo)
    before = snapshot(store)

    with pytest.raises(Duplicate):
        load(store, demo)

    assert snapshot(store) == before


def test_the_spec_is_not_changed_by_loading(demo: CollectiveSpec) -> None:
    store = MemoryStore()
    load(store, demo)

    assert all(u.jurisdiction_id is None for u in demo.units)
    with MemoryUnitOfWork(store) as uow:
        unit = uow.units.get(UnitId("vaduz-p1"))
    assert unit is not None
    assert unit is not next(u for u in demo.units if u.id == "vaduz-p1")


def test_a_long_list_of_collisions_is_cut_short(demo: CollectiveSpec) -> None:
    store = MemoryStore()
    load(store, demo)

    with pytest.raises(Duplicate) as raised:
        load(store, demo)

    # The demo's dispatch, closing, timers, board, resource types and certifications sections.
    settings = 6
    total = (
        4
        + 11
        + 14
        + len(demo.units)
        + len(demo.call_types)
        + len(demo.agreements)
        + len(demo.users)
        + len(demo.resources)
        + settings
        + len(demo.personnel)
        + len(demo.certifications)
    )
    assert raised.value.detail.endswith(f" and {total - 10} more")
    assert raised.value.detail.count('"') == 20


def test_a_unit_without_a_position_has_no_jurisdiction() -> None:
    spec = CollectiveSpec(
        agencies=(Agency(AgencyId("a"), "A"),),
        units=(Unit(UnitId("a-1"), AgencyId("a"), "patrol", frozenset({"patrol"})),),
    )
    store = MemoryStore()
    load(store, spec)

    with MemoryUnitOfWork(store) as uow:
        unit = uow.units.get(UnitId("a-1"))
    assert unit is not None
    assert unit.jurisdiction_id is None


def test_the_floor_rules_are_kept_and_read_back(demo: CollectiveSpec) -> None:
    store = MemoryStore()
    load(store, replace(demo, floor=FloorRules(dispatchers_may_override=True)))

    with MemoryUnitOfWork(store) as uow:
        assert read_back(uow).floor == FloorRules(dispatchers_may_override=True)


def test_the_dispatch_setting_loads_and_reaches_the_recommender(demo: CollectiveSpec) -> None:
    store = MemoryStore()
    load(store, replace(demo, floor=FloorRules(specialist_margin_s=45)))

    with MemoryUnitOfWork(store) as uow:
        assert incidents.collective(uow).specialist_margin_s == 45
        assert setup.snapshot(uow).floor == FloorRules(specialist_margin_s=45)


def test_without_a_dispatch_setting_the_default_margin_applies(demo: CollectiveSpec) -> None:
    store = MemoryStore()
    load(store, replace(demo, floor=None))

    with MemoryUnitOfWork(store) as uow:
        assert uow.settings.get(FloorRules.SETTING) is None
        assert incidents.collective(uow).specialist_margin_s == 120


def test_the_demo_keeps_the_dog_team_whose_handler_lapsed_off_a_k9_line(
    demo: CollectiveSpec,
) -> None:
    """Loaded on 2026-12-03, the demo's Vaduz handler's K-9 certification (expired
    2026-11-03) keeps vaduz-k9-1 off the K-9 line; the crewed dog teams stay on it."""
    store = MemoryStore()
    later = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

    class Later:
        def now(self) -> datetime:
            return later

    with MemoryUnitOfWork(store, message_bus(lambda event: None, lambda: None)) as uow:
        load_collective(
            uow, demo, FakeHasher(), Later(), "test", JurisdictionIndex(demo.jurisdictions)
        )
    index = JurisdictionIndex(demo.jurisdictions)
    ctx = Context(
        uow=lambda: MemoryUnitOfWork(store),
        clock=Later(),
        locator=lambda: index,
        travel=StraightLine(),
        hasher=FakeHasher(),
    )
    dispatcher = User(Username("dispatcher"), Role.DISPATCHER)
    vaduz = next(s for s in demo.stations if s.agency_id == "vaduz").location
    incident = incidents.create_incident(ctx, dispatcher, "armed_robbery", vaduz).id
    rec = incidents.recommendation(ctx, dispatcher, incident)
    dog = next(c for c in rec.candidates if c.unit_id == "vaduz-k9-1")
    assert dog.fills == ("patrol",)
    assert "not for k9: handler's K-9 certification expired 2026-11-03" in dog.reasons
    reasons = {e.unit_id: e.reason for e in rec.excluded}
    assert "vaduz-k9-1" not in reasons
    assert any(c.unit_id == "schaan-k9-1" and "k9" in c.fills for c in rec.candidates)
    assert ("k9", "vaduz-k9-1") not in {(p.capability, p.unit_id) for p in rec.proposed}
