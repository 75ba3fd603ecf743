"""Repository contract: the same tests on memory, SQLite and PostgreSQL.

The memory adapter is the simulator's store and the services' test fake; running the same
contract against the database keeps it honest.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bluepool.adapters.db.engine import make_engine
from bluepool.adapters.db.tables import AgencyRow, AssignmentRow, IncidentRow, UnitRow
from bluepool.domain.access.roles import Role
from bluepool.domain.collective.agencies import Agency, Requirement
from bluepool.domain.dispatch.incidents import Assignment, Incident, IncidentStatus, TimelineEntry
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.errors import ConcurrentUpdate, Duplicate, NotFound
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    StationId,
    UnitId,
)
from bluepool.domain.sharing.agreements import AgreementId, Stage
from bluepool.services.ports import (
    ChangeRecord,
    IncidentFilter,
    OutboxMessage,
    Page,
    UnitFilter,
)
from tests.builders import (
    T0,
    a_call_type,
    a_jurisdiction,
    a_station,
    a_unit,
    a_user,
    an_agency,
    an_agreement,
    an_incident,
    at,
)
from tests.conftest import UowFactory

A1 = AgencyId("A-1")
A2 = AgencyId("A-2")
S1 = StationId("S-1")
EVERYTHING = Page()


@pytest.fixture
def uows(uow_factory: UowFactory) -> UowFactory:
    """The factory, on a store holding agencies A-1 and A-2 and station S-1."""
    with uow_factory() as uow:
        uow.agencies.add(Agency(A1, "Metro Police"))
        uow.agencies.add(Agency(A2, "County Sheriff"))
        uow.stations.add(a_station(id=S1, agency_id=A1))
        uow.commit()
    return uow_factory


def add(uows: UowFactory, *units: Unit, incidents: tuple[Incident, ...] = ()) -> None:
    with uows() as uow:
        for u in units:
            uow.units.add(u)
        for i in incidents:
            uow.incidents.add(i)
        uow.commit()


# -- simple aggregates ----------------------------------------------------------------


def test_agency_round_trip_update_list_delete(uows: UowFactory) -> None:
    agency = an_agency(id=AgencyId("A-3"), name="Harbour Police")
    with uows() as uow:
        uow.agencies.add(agency)
        uow.commit()
    with uows() as uow:
        assert uow.agencies.get(agency.id) == agency
        uow.agencies.update(replace(agency, name="Port Police"))
        uow.commit()
    with uows() as uow:
        assert [a.id for a in uow.agencies.list()] == ["A-1", "A-2", "A-3"]
        assert uow.agencies.get(agency.id) == replace(agency, name="Port Police")
        uow.agencies.delete(agency.id)
        uow.commit()
    with uows() as uow:
        assert uow.agencies.get(agency.id) is None


def test_jurisdiction_station_call_type_agreement_user_round_trip(uows: UowFactory) -> None:
    jurisdiction = a_jurisdiction(agency_id=A1)
    station = a_station(agency_id=A2, location=Location(-33.5, 151.25))
    call_type = a_call_type(plan=(Requirement("patrol", 2), Requirement("k9", 1)))
    agreement = an_agreement()
    unit = a_unit(agency_id=A1)
    officer = a_user(role=Role.OFFICER, agency_id=A1, unit_id=unit.id, active=False)
    admin = a_user(role=Role.COLLECTIVE_ADMIN)
    with uows() as uow:
        uow.units.add(unit)
        uow.jurisdictions.add(jurisdiction)
        uow.stations.add(station)
        uow.call_types.add(call_type)
        uow.agreements.add(agreement, "admin-a1", T0)
        uow.users.add(officer)
        uow.users.add(admin)
        uow.commit()
    with uows() as uow:
        assert uow.jurisdictions.get(jurisdiction.id) == jurisdiction
        assert uow.stations.get(station.id) == station
        assert uow.call_types.get(call_type.code) == call_type
        assert uow.agreements.get(agreement.id) == agreement
        assert uow.users.get(officer.username) == officer
        assert uow.users.get(admin.username) == admin
        assert uow.call_types.list() == [call_type]
        assert uow.agreements.list() == [agreement]


def test_every_version_of_an_agreement_is_kept(uows: UowFactory) -> None:
    draft = an_agreement(stage=Stage.DRAFT, signatures=())
    proposed = draft.propose()
    half = proposed.sign(A1, "admin-a1", T0 + timedelta(hours=1))
    signed = half.sign(A2, "admin-a2", T0 + timedelta(hours=2))
    with uows() as uow:
        uow.agreements.add(draft, "admin-a1", T0)
        uow.commit()
    for n, version in enumerate((proposed, half, signed), start=1):
        with uows() as uow:
            uow.agreements.update(version, f"user-{n}", T0 + timedelta(hours=n))
            uow.commit()
    with uows() as uow:
        assert uow.agreements.get(draft.id) == signed
        kept = uow.agreements.versions(draft.id)
        assert [v.agreement for v in kept] == [draft, proposed, half, signed]
        assert [v.changed_by for v in kept] == ["admin-a1", "user-1", "user-2", "user-3"]
        assert uow.agreements.versions(AgreementId("none")) == ()
        # Someone who read the proposal cannot write over the signed agreement.
        with pytest.raises(ConcurrentUpdate):
            uow.agreements.update(proposed.sign(A1, "late", T0), "late", T0)
        with pytest.raises(Duplicate):
            uow.agreements.add(draft, "again", T0)


def test_update_and_delete_of_unknown_key_raise_not_found(uows: UowFactory) -> None:
    with uows() as uow:
        with pytest.raises(NotFound):
            uow.agencies.update(an_agency(id=AgencyId("nope")))
        with pytest.raises(NotFound):
            uow.units.update(a_unit(id=UnitId("nope")))
        with pytest.raises(NotFound):
            uow.incidents.update(an_incident(id=IncidentId("nope")))
        with pytest.raises(NotFound):
            uow.agencies.delete(AgencyId("nope"))
        with pytest.raises(NotFound):
            uow.units.delete(UnitId("nope"))
        with pytest.raises(NotFound):
            uow.incidents.delete(IncidentId("nope"))
        with pytest.raises(NotFound):
            uow.users.delete(a_user().username)


def test_add_of_a_taken_id_raises_duplicate(uows: UowFactory) -> None:
    unit, incident = a_unit(), an_incident()
    add(uows, unit, incidents=(incident,))
    with uows() as uow:
        with pytest.raises(Duplicate):
            uow.agencies.add(an_agency(id=A1))
        with pytest.raises(Duplicate):
            uow.units.add(a_unit(id=unit.id))
        with pytest.raises(Duplicate):
            uow.incidents.add(an_incident(id=incident.id))


def test_add_twice_in_one_unit_of_work_raises_duplicate(uows: UowFactory) -> None:
    unit = a_unit()
    with uows() as uow:
        uow.units.add(unit)
        with pytest.raises(Duplicate):
            uow.units.add(unit)


# -- units ----------------------------------------------------------------------------


def test_unit_round_trip_keeps_every_field(uows: UowFactory) -> None:
    unit = a_unit(
        agency_id=A2,
        station_id=S1,
        name="Lima 12",
        kind="van",
        capabilities={"patrol", "k9"},
        status=UnitStatus.ON_SCENE,
        location=Location(-12.5, 130.75),
        jurisdiction_id=JurisdictionId("J-9"),
        incident_id=IncidentId("I-9"),
        workload=7,
        status_at=datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        position_at=datetime(2025, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        version=4,
    )
    add(uows, unit)
    with uows() as uow:
        loaded = uow.units.get(unit.id)
    assert loaded == unit
    assert loaded is not None
    assert loaded.position_at is not None
    if uows.backend != "memory":  # the database hands times back in UTC
        assert loaded.position_at.tzinfo is UTC


def test_unit_update_bumps_the_version(uows: UowFactory) -> None:
    unit = a_unit()
    add(uows, unit)
    with uows() as uow:
        loaded = uow.units.get(unit.id)
        assert loaded is not None
        loaded.change_status(UnitStatus.BUSY, at(1))
        uow.units.update(loaded)
        assert loaded.version == 2
        # A second update in the same unit of work builds on the first.
        loaded.change_status(UnitStatus.AVAILABLE, at(2))
        uow.units.update(loaded)
        assert loaded.version == 3
        uow.commit()
    with uows() as uow:
        again = uow.units.get(unit.id)
    assert again == loaded
    assert again is not None
    assert again.version == 3


def test_second_of_two_concurrent_unit_updates_fails(uows: UowFactory) -> None:
    unit = a_unit()
    add(uows, unit)
    with uows() as uow:
        mine = uow.units.get(unit.id)
    with uows() as uow:
        theirs = uow.units.get(unit.id)
    assert mine is not None
    assert theirs is not None

    with uows() as uow:
        mine.change_status(UnitStatus.BUSY, at(1))
        uow.units.update(mine)
        uow.commit()
    with uows() as uow:
        theirs.change_status(UnitStatus.OUT_OF_SERVICE, at(1), "flat tyre")
        with pytest.raises(ConcurrentUpdate, match=f"unit {unit.id} was changed"):
            uow.units.update(theirs)
    assert theirs.version == 1
    with uows() as uow:
        stored = uow.units.get(unit.id)
    assert stored is not None
    assert (stored.status, stored.version) == (UnitStatus.BUSY, 2)


def test_interleaved_transactions_cannot_both_update_a_unit(uows: UowFactory) -> None:
    """Both load, one commits, then the other writes: it must fail (memory, PostgreSQL).

    SQLite serialises whole write transactions (BEGIN IMMEDIATE), so there the second
    one cannot even start before the first ends; see test_writers_from_many_threads.
    """
    if uows.backend == "sqlite":
        pytest.skip("SQLite write transactions cannot interleave")
    unit = a_unit()
    add(uows, unit)
    with uows() as first, uows() as second:
        a = first.units.get(unit.id)
        b = second.units.get(unit.id)
        assert a is not None
        assert b is not None
        a.dispatch_to(IncidentId("I-1"), at(1))
        first.units.update(a)
        first.commit()
        b.dispatch_to(IncidentId("I-2"), at(1))
        with pytest.raises(ConcurrentUpdate):
            second.units.update(b)


def test_changes_stay_private_until_commit(uows: UowFactory) -> None:
    if uows.backend == "sqlite":
        pytest.skip("a second SQLite writer waits for the first to finish")
    unit = a_unit()
    with uows() as writer, uows() as reader:
        writer.units.add(unit)
        assert writer.units.get(unit.id) == unit
        assert reader.units.get(unit.id) is None
        writer.commit()
        assert reader.units.get(unit.id) == unit


def test_unit_find_filters_and_pages(uows: UowFactory) -> None:
    units = [
        a_unit(id=UnitId("U-01"), agency_id=A1, capabilities={"patrol"}),
        a_unit(id=UnitId("U-02"), agency_id=A1, capabilities={"patrol", "k9"}),
        a_unit(id=UnitId("U-03"), agency_id=A2, capabilities={"k9"}, station_id=S1),
        a_unit(id=UnitId("U-04"), agency_id=A2, capabilities={"swat"}),
        a_unit(id=UnitId("U-05"), agency_id=A1, capabilities={"k9"}, status=UnitStatus.OFF_DUTY),
    ]
    add(uows, *reversed(units))

    def ids(where: UnitFilter, page: Page = EVERYTHING) -> tuple[list[str], int]:
        with uows() as uow:
            found, total = uow.units.find(where, page)
        return [u.id for u in found], total

    assert ids(UnitFilter()) == (["U-01", "U-02", "U-03", "U-04", "U-05"], 5)
    assert ids(UnitFilter(agency_id=A2)) == (["U-03", "U-04"], 2)
    assert ids(UnitFilter(capability="k9")) == (["U-02", "U-03", "U-05"], 3)
    assert ids(UnitFilter(capability="k")) == ([], 0)
    assert ids(UnitFilter(capability="k9", status=UnitStatus.AVAILABLE)) == (
        ["U-02", "U-03"],
        2,
    )
    assert ids(UnitFilter(station_id=S1)) == (["U-03"], 1)
    assert ids(UnitFilter(agency_id=A1), Page(limit=2)) == (["U-01", "U-02"], 3)
    assert ids(UnitFilter(agency_id=A1), Page(limit=2, offset=2)) == (["U-05"], 3)
    assert ids(UnitFilter(), Page(limit=2, offset=10)) == ([], 5)
    with uows() as uow:
        assert [u.id for u in uow.units.list()] == [u.id for u in units]
        found, _ = uow.units.find(UnitFilter(agency_id=A1), Page(limit=1))
    assert found == [units[0]]


# -- incidents ------------------------------------------------------------------------


def test_incident_round_trip_with_assignments_and_timeline(uows: UowFactory) -> None:
    unit, other = a_unit(), a_unit()
    incident = an_incident(jurisdiction_id=JurisdictionId("J-1"), description="alarm at the bank")
    add(uows, unit, other, incidents=(incident,))
    with uows() as uow:
        loaded_incident = uow.incidents.get(incident.id)
        loaded_unit = uow.units.get(unit.id)
        loaded_other = uow.units.get(other.id)
        assert loaded_incident == incident
        assert loaded_incident is not None
        assert loaded_unit is not None
        assert loaded_other is not None
        loaded_incident.assign(loaded_unit, at(1), "dispatcher-1", "closest")
        loaded_incident.assign(loaded_other, at(2), "dispatcher-1")
        uow.incidents.update(loaded_incident)
        uow.units.update(loaded_unit)
        uow.units.update(loaded_other)
        uow.commit()
    assert loaded_incident.version == 2

    with uows() as uow:
        reloaded = uow.incidents.get(incident.id)
        assert reloaded == loaded_incident
        assert reloaded is not None
        assert reloaded.status is IncidentStatus.DISPATCHED
        assert reloaded.active_units() == [unit.id, other.id]
        # The first unit arrives, then clears; the incident follows.
        u = uow.units.get(unit.id)
        assert u is not None
        u.change_status(UnitStatus.ON_SCENE, at(5))
        reloaded.unit_moved(u, at(5), "officer-1")
        u.change_status(UnitStatus.AVAILABLE, at(9))
        reloaded.unit_moved(u, at(9), "officer-1")
        uow.incidents.update(reloaded)
        uow.units.update(u)
        uow.commit()

    with uows() as uow:
        final = uow.incidents.get(incident.id)
    assert final == reloaded
    assert final is not None
    assert final.active_units() == [other.id]
    assert [e.kind for e in final.timeline] == [
        "received",
        "dispatched",
        "dispatched",
        "on_scene",
        "cleared",
    ]
    assert final.version == 3


def test_an_incident_without_assignments_or_timeline_reads_back(uows: UowFactory) -> None:
    """An incident is read with its child rows in one statement; without any it still is."""
    bare = replace(an_incident(), timeline=[])
    add(uows, incidents=(bare,))
    with uows() as uow:
        assert uow.incidents.get(bare.id) == bare
        assert uow.incidents.get(IncidentId("I-none")) is None


def test_the_lock_on_a_units_agency_names_the_agency(uows: UowFactory) -> None:
    unit = a_unit(agency_id=A2)
    add(uows, unit)
    with uows() as uow:
        assert uow.lock_agency_of(unit.id) == A2
        assert uow.lock_agency_of(UnitId("P-none")) is None


def test_a_cleared_unit_can_take_another_incident(uows: UowFactory) -> None:
    unit = a_unit()
    first, second = an_incident(), an_incident()
    add(uows, unit, incidents=(first, second))
    with uows() as uow:
        i1, u = uow.incidents.get(first.id), uow.units.get(unit.id)
        assert i1 is not None
        assert u is not None
        i1.assign(u, at(1), "d")
        uow.incidents.update(i1)
        uow.units.update(u)
        uow.commit()
    with uows() as uow:
        i1, i2, u = (
            uow.incidents.get(first.id),
            uow.incidents.get(second.id),
            uow.units.get(unit.id),
        )
        assert i1 is not None
        assert i2 is not None
        assert u is not None
        i1.close(at(2), "d", {u.id: u})
        i2.assign(u, at(3), "d")
        uow.incidents.update(i1)
        uow.incidents.update(i2)
        uow.units.update(u)
        uow.commit()
    with uows() as uow:
        i1, i2 = uow.incidents.get(first.id), uow.incidents.get(second.id)
    assert i1 is not None
    assert i2 is not None
    assert i1.status is IncidentStatus.CLOSED
    assert i1.active_units() == []
    assert i2.active_units() == [unit.id]


def test_one_unit_cannot_hold_two_open_assignments(uows: UowFactory) -> None:
    """Two dispatchers assign the same unit to different incidents from stale copies.

    The unit's own version would catch it too; here only the incidents are written, so
    the open-assignment rule (the partial unique index) alone must refuse the second.
    """
    unit = a_unit()
    first, second = an_incident(), an_incident()
    add(uows, unit, incidents=(first, second))
    with uows() as uow:
        i1, u = uow.incidents.get(first.id), uow.units.get(unit.id)
        assert i1 is not None
        assert u is not None
        i1.assign(u, at(1), "dispatcher-1")
        uow.incidents.update(i1)
        uow.commit()
    with uows() as uow:
        i2, u = uow.incidents.get(second.id), uow.units.get(unit.id)
        assert i2 is not None
        assert u is not None
        i2.assign(u, at(1), "dispatcher-2")  # u still reads "available"
        with pytest.raises(ConcurrentUpdate, match=f"{unit.id}|unit"):
            uow.incidents.update(i2)
    with uows() as uow:
        i2 = uow.incidents.get(second.id)
    assert i2 is not None
    assert i2.assignments == []


def test_second_of_two_concurrent_incident_updates_fails(uows: UowFactory) -> None:
    incident = an_incident()
    add(uows, incidents=(incident,))
    with uows() as uow:
        mine = uow.incidents.get(incident.id)
    with uows() as uow:
        theirs = uow.incidents.get(incident.id)
    assert mine is not None
    assert theirs is not None
    with uows() as uow:
        mine.close(at(1), "dispatcher-1", {})
        uow.incidents.update(mine)
        uow.commit()
    with uows() as uow:
        theirs.description = "more details"
        with pytest.raises(ConcurrentUpdate, match=f"incident {incident.id}"):
            uow.incidents.update(theirs)


def test_incident_find_filters_and_pages_newest_first(uows: UowFactory) -> None:
    j1, j2 = JurisdictionId("J-1"), JurisdictionId("J-2")
    i1 = an_incident(id=IncidentId("I-01"), at=at(1), priority=1, jurisdiction_id=j1)
    i2 = an_incident(id=IncidentId("I-02"), at=at(2), priority=3, jurisdiction_id=j2)
    i3 = an_incident(id=IncidentId("I-03"), at=at(3), priority=1, jurisdiction_id=j1)
    i4 = an_incident(id=IncidentId("I-04"), at=at(3), priority=5, call_type="noise")
    i3.close(at(4), "d", {})
    add(uows, incidents=(i1, i2, i3, i4))

    def ids(where: IncidentFilter, page: Page = EVERYTHING) -> tuple[list[str], int]:
        with uows() as uow:
            found, total = uow.incidents.find(where, page)
        return [i.id for i in found], total

    assert ids(IncidentFilter()) == (["I-04", "I-03", "I-02", "I-01"], 4)
    assert ids(IncidentFilter(open=True)) == (["I-04", "I-02", "I-01"], 3)
    assert ids(IncidentFilter(open=False)) == (["I-03"], 1)
    assert ids(IncidentFilter(status=IncidentStatus.CLOSED)) == (["I-03"], 1)
    assert ids(IncidentFilter(jurisdiction_id=j1)) == (["I-03", "I-01"], 2)
    assert ids(IncidentFilter(priority=1, open=True)) == (["I-01"], 1)
    assert ids(IncidentFilter(call_type=i4.call_type)) == (["I-04"], 1)
    assert ids(IncidentFilter(), Page(limit=2, offset=1)) == (["I-03", "I-02"], 4)
    with uows() as uow:
        assert [i.id for i in uow.incidents.list()] == ["I-04", "I-03", "I-02", "I-01"]
        found, _ = uow.incidents.find(IncidentFilter(open=False), Page())
    assert found == [i3]


def test_deleting_an_incident_removes_its_assignments(uows: UowFactory) -> None:
    unit, incident = a_unit(), an_incident()
    add(uows, unit)
    with uows() as uow:
        u = uow.units.get(unit.id)
        assert u is not None
        incident.assign(u, at(1), "d")
        uow.incidents.add(incident)
        uow.commit()
    with uows() as uow:
        uow.incidents.delete(incident.id)
        uow.commit()
    # With the assignment gone the unit is free for another incident.
    other = an_incident()
    with uows() as uow:
        u = uow.units.get(unit.id)
        assert u is not None
        u.incident_id = None
        u.status = UnitStatus.AVAILABLE
        other.assign(u, at(2), "d")
        uow.incidents.add(other)
        uow.commit()
    with uows() as uow:
        assert uow.incidents.get(incident.id) is None
        stored = uow.incidents.get(other.id)
    assert stored is not None
    assert stored.active_units() == [unit.id]


# -- transactions ---------------------------------------------------------------------


def test_leaving_without_commit_discards(uows: UowFactory) -> None:
    unit = a_unit()
    with uows() as uow:
        uow.units.add(unit)
        uow.changes.add(ChangeRecord(T0, "admin", "create", "unit", unit.id))
        uow.idempotency.record("key-1", T0)
    with uows() as uow:
        assert uow.units.get(unit.id) is None
        assert uow.changes.find(None, None, Page()) == ([], 0)
        assert not uow.idempotency.seen("key-1")


def test_rollback_discards_and_the_unit_of_work_goes_on(uows: UowFactory) -> None:
    kept, dropped = a_unit(), a_unit()
    with uows() as uow:
        uow.units.add(dropped)
        uow.rollback()
        uow.units.add(kept)
        uow.commit()
    with uows() as uow:
        assert uow.units.get(dropped.id) is None
        assert uow.units.get(kept.id) == kept


def test_an_error_inside_the_block_discards(uows: UowFactory) -> None:
    unit = a_unit()

    def fail_midway() -> None:
        with uows() as uow:
            uow.units.add(unit)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_midway()
    with uows() as uow:
        assert uow.units.get(unit.id) is None


def test_one_instance_serves_several_blocks(uows: UowFactory) -> None:
    uow = uows()
    first, second = a_unit(), a_unit()
    with uow:
        uow.units.add(first)
        uow.commit()
    with uow:
        uow.units.add(second)
    with uow:
        assert uow.units.get(first.id) == first
        assert uow.units.get(second.id) is None


def test_loaded_objects_are_detached_from_the_store(uows: UowFactory) -> None:
    unit = a_unit()
    add(uows, unit)
    with uows() as uow:
        loaded = uow.units.get(unit.id)
        assert loaded is not None
        loaded.workload = 99
        assert uow.units.get(unit.id) == unit
    unit.workload = 42  # the caller's own object after add
    with uows() as uow:
        again = uow.units.get(unit.id)
    assert again is not None
    assert again.workload == 0


def test_writers_from_many_threads_serialize_or_conflict_cleanly(
    uows: UowFactory,
) -> None:
    """Threads bump one unit's workload, retrying on ConcurrentUpdate: none is lost."""
    unit = a_unit()
    add(uows, unit)
    threads, rounds = 4, 10
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(rounds):
                while True:
                    try:
                        with uows() as uow:
                            u = uow.units.get(unit.id)
                            assert u is not None
                            u.workload += 1
                            uow.units.update(u)
                            uow.commit()
                        break
                    except ConcurrentUpdate:
                        continue
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=bump) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    with uows() as uow:
        stored = uow.units.get(unit.id)
    assert stored is not None
    assert stored.workload == threads * rounds
    assert stored.version == 1 + threads * rounds


# -- change log and idempotency keys --------------------------------------------------


def test_change_log_appends_and_finds_newest_first(uows: UowFactory) -> None:
    records = [
        ChangeRecord(at(1), "ana", "create", "unit", "P-1", {"status": "available"}),
        ChangeRecord(at(2), "bob", "status", "unit", "P-1", {"from": "a", "to": ["b", 1]}),
        ChangeRecord(at(3), "ana", "create", "unit", "P-2"),
        ChangeRecord(at(4), "cy", "close", "incident", "I-1", {"nested": {"x": None}}),
    ]
    with uows() as uow:
        for r in records[:2]:
            uow.changes.add(r)
        uow.commit()
    with uows() as uow:
        for r in records[2:]:
            uow.changes.add(r)
        uow.commit()
    with uows() as uow:
        assert uow.changes.find(None, None, Page()) == (list(reversed(records)), 4)
        assert uow.changes.find("unit", None, Page()) == (records[2::-1], 3)
        assert uow.changes.find("unit", "P-1", Page()) == ([records[1], records[0]], 2)
        assert uow.changes.find(None, None, Page(limit=1, offset=1)) == ([records[2]], 4)
        assert uow.changes.find("agency", None, Page()) == ([], 0)


def test_change_log_lines_commit_with_outbox_rows_and_are_read_before(uows: UowFactory) -> None:
    """Lines wait for the commit (on PostgreSQL they go in the outbox rows' statement),
    yet a read in the same transaction sees them, and a rollback drops them."""
    line = ChangeRecord(at(1), "ana", "close", "incident", "I-1", {"why": ["done", 1]})
    dropped = ChangeRecord(at(2), "bob", "close", "incident", "I-2")
    messages = [OutboxMessage(t, {"type": t}, at(1)) for t in ("incident.closed", "unit.updated")]
    with uows() as uow:
        uow.changes.add(dropped)
        uow.rollback()
        uow.changes.add(line)
        uow.outbox.add_all(messages)
        uow.commit()
    with uows() as uow:
        assert uow.changes.find(None, None, Page()) == ([line], 1)
        assert [m.type for m in uow.outbox.pending(10)] == ["incident.closed", "unit.updated"]
        uow.changes.add(dropped)
        assert uow.changes.find(None, None, Page()) == ([dropped, line], 2)
    with uows() as uow:
        assert uow.changes.find(None, None, Page()) == ([line], 1)


def test_idempotency_keys(uows: UowFactory) -> None:
    with uows() as uow:
        assert not uow.idempotency.seen("req-1")
        uow.idempotency.record("req-1", T0)
        assert uow.idempotency.seen("req-1")
        uow.commit()
    with uows() as uow:
        assert uow.idempotency.seen("req-1")
        assert not uow.idempotency.seen("req-2")
        with pytest.raises(Duplicate):
            uow.idempotency.record("req-1", at(1))


# -- property: row <-> domain translation round-trips ---------------------------------

# PostgreSQL text cannot hold NUL; surrogates are not valid UTF-8.
storable = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
text = st.text(storable, max_size=20)
ids = st.text(storable, max_size=12)
instants = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001 (hypothesis adds the zone)
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7)), UTC]),
)
locations = st.builds(
    Location,
    lat=st.floats(-90, 90, allow_nan=False),
    lon=st.floats(-180, 180, allow_nan=False),
)
POOL = [UnitId(f"POOL-{n}") for n in range(4)]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


units = st.builds(
    Unit,
    id=st.builds(lambda: UnitId(unique("H"))),
    agency_id=st.sampled_from([A1, A2]),
    kind=text,
    capabilities=st.frozensets(st.one_of(st.sampled_from(["patrol", "k9", "swat"]), text)),
    station_id=st.one_of(st.none(), st.just(S1)),
    name=text,
    status=st.sampled_from(UnitStatus),
    location=st.one_of(st.none(), locations),
    jurisdiction_id=st.one_of(st.none(), ids.map(JurisdictionId)),
    incident_id=st.one_of(st.none(), ids.map(IncidentId)),
    workload=st.integers(0, 2**31 - 1),
    status_at=st.one_of(st.none(), instants),
    position_at=st.one_of(st.none(), instants),
    version=st.integers(1, 2**31 - 1),
)


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    assignments = draw(
        st.lists(
            st.builds(
                Assignment,
                unit_id=st.sampled_from(POOL),
                assigned_at=instants,
                status=st.sampled_from(UnitStatus),
                cleared_at=st.one_of(st.none(), instants),
            ),
            max_size=5,
        )
    )
    active: set[str] = set()
    for a in assignments:  # one open assignment per unit, as the database insists
        if a.cleared_at is None and a.unit_id in active:
            a.cleared_at = T0
        active.add(a.unit_id)
    timeline = draw(
        st.lists(
            st.builds(
                TimelineEntry,
                at=instants,
                kind=st.sampled_from(["received", "dispatched", "cleared", "closed"]),
                actor=text,
                unit_id=st.one_of(st.none(), ids.map(UnitId)),
                detail=text,
            ),
            max_size=5,
        )
    )
    return Incident(
        id=IncidentId(unique("HI")),
        call_type=draw(ids.map(CallTypeCode)),
        priority=draw(st.integers(1, 5)),
        location=draw(locations),
        jurisdiction_id=draw(st.one_of(st.none(), ids.map(JurisdictionId))),
        received_at=draw(instants),
        description=draw(text),
        status=draw(st.sampled_from(IncidentStatus)),
        assignments=assignments,
        timeline=timeline,
        closed_at=draw(st.one_of(st.none(), instants)),
        # An update adds one, and the column is a 32-bit integer on PostgreSQL.
        version=draw(st.integers(1, 2**31 - 2)),
    )


PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(unit=units)
def test_any_unit_round_trips(uows: UowFactory, unit: Unit) -> None:
    add(uows, unit)
    with uows() as uow:
        assert uow.units.get(unit.id) == unit
        found, _ = uow.units.find(UnitFilter(agency_id=unit.agency_id), Page(limit=10_000))
        assert unit in found


@PROPERTY
@given(incident=incidents(), later=incidents())
def test_any_incident_round_trips_through_add_and_update(
    uows: UowFactory, incident: Incident, later: Incident
) -> None:
    with uows() as uow:
        for unit_id in POOL:
            if uow.units.get(unit_id) is None:
                uow.units.add(a_unit(id=unit_id))
        uow.incidents.add(incident)
        uow.commit()
    try:
        with uows() as uow:
            assert uow.incidents.get(incident.id) == incident
            # Rewrite it as another incident (same id and version): assignments change
            # in place or grow, the timeline only grows.
            changed = replace(
                later,
                id=incident.id,
                version=incident.version,
                assignments=later.assignments + incident.assignments[len(later.assignments) :],
                timeline=incident.timeline + later.timeline,
            )
            seen: set[str] = set()
            for a in changed.assignments:
                if a.cleared_at is None and a.unit_id in seen:
                    a.cleared_at = T0
                seen.add(a.unit_id)
            uow.incidents.update(changed)
            uow.commit()
        with uows() as uow:
            assert uow.incidents.get(incident.id) == changed
    finally:
        with uows() as uow:  # free the pool's units for the next example
            uow.incidents.delete(incident.id)
            uow.commit()


# -- database only --------------------------------------------------------------------


def test_database_refuses_a_second_open_assignment(migrated_url: str) -> None:
    """The partial unique index itself, below the repositories."""
    engine = make_engine(migrated_url)
    now = T0
    incident = {
        "call_type": "x",
        "priority": 1,
        "lat": 0.0,
        "lon": 0.0,
        "received_at": now,
        "description": "",
        "status": "dispatched",
        "version": 1,
    }
    unit = {
        "agency_id": "A-1",
        "kind": "car",
        "capabilities": [],
        "name": "",
        "status": "dispatched",
        "workload": 0,
        "version": 1,
    }

    def assignment(incident_id: str, cleared: datetime | None) -> dict[str, object]:
        return {
            "incident_id": incident_id,
            "seq": 0,
            "unit_id": "P-1",
            "assigned_at": now,
            "status": "dispatched",
            "cleared_at": cleared,
        }

    try:
        with engine.begin() as conn:
            conn.execute(insert(AgencyRow).values(id="A-1", name="Metro"))
            conn.execute(insert(UnitRow).values(id="P-1", **unit))
            for i in ("I-1", "I-2", "I-3", "I-4"):
                conn.execute(insert(IncidentRow).values(id=i, **incident))
            conn.execute(insert(AssignmentRow).values(assignment("I-1", now)))
            conn.execute(insert(AssignmentRow).values(assignment("I-2", now)))
            conn.execute(insert(AssignmentRow).values(assignment("I-3", None)))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(AssignmentRow).values(assignment("I-4", None)))
    finally:
        engine.dispose()
