"""Who may run which use case: one table, every use case, every role.

Each row names a use case and the roles allowed to run it on agency "a"'s records; the test
runs it as a user of every role on a fresh collective and checks that exactly the others are
refused with Forbidden (the allowed may still fail for other reasons, e.g. a record in use).
A last test finds every public use case in ``services`` and fails on one the table misses.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

import bluepool.services
from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.bootstrap import message_bus
from bluepool.domain.access.roles import Role, User
from bluepool.domain.aid.requests import Category, Item, Route, Terms
from bluepool.domain.analytics.goals import Goal, Statistic
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Requirement, Station
from bluepool.domain.dispatch.positions import PositionFix
from bluepool.domain.dispatch.premises import NoteKind
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.people.certifications import Grant
from bluepool.domain.people.personnel import Person, PersonId
from bluepool.domain.resources.resources import Condition, Resource, ResourceId
from bluepool.domain.shared.errors import DomainError, Forbidden
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    JurisdictionId,
    StationId,
    UnitId,
    Username,
)
from bluepool.domain.sharing.agreements import COLLECTIVE, Agreement, AgreementId, Clause
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.services import changelog
from bluepool.services.access import sessions, users
from bluepool.services.aid import requests as aid
from bluepool.services.analytics import board, goals, history, hotspots, kpis, report
from bluepool.services.audit import log as audit_log
from bluepool.services.collective import agencies, call_types, jurisdictions, stations
from bluepool.services.context import Context
from bluepool.services.dispatch import (
    closing,
    command,
    edits,
    field,
    fleet,
    floor,
    geocode,
    incidents,
    maps,
    positions,
    premises,
    units,
)
from bluepool.services.ledger import periods as ledger_periods
from bluepool.services.ledger import posting
from bluepool.services.ledger import reads as ledger_reads
from bluepool.services.people import certifications, crews, personnel
from bluepool.services.ports import AuditFilter, IncidentFilter, Page, UnitFilter
from bluepool.services.resources import catalogue, loans
from bluepool.services.sharing import agreements
from tests.builders import DISPOSITION, T0, a_square, an_aid_request

HERE = Location(47.0, 9.0)
A, B = AgencyId("a"), AgencyId("b")

USERS = {
    Role.DISPATCHER: User(Username("dora"), Role.DISPATCHER),
    Role.SUPERVISOR: User(Username("sue"), Role.SUPERVISOR),
    Role.OFFICER: User(Username("olaf"), Role.OFFICER, agency_id=A, unit_id=UnitId("a-1")),
    Role.AGENCY_ADMIN: User(Username("ada"), Role.AGENCY_ADMIN, agency_id=A),
    Role.ANALYST: User(Username("ann"), Role.ANALYST),
    Role.COLLECTIVE_ADMIN: User(Username("cole"), Role.COLLECTIVE_ADMIN),
}
R = Role
EVERYONE = frozenset(Role)
DISPATCH = frozenset({R.DISPATCHER, R.SUPERVISOR, R.COLLECTIVE_ADMIN})
KEEPERS_OF_A = frozenset({R.AGENCY_ADMIN, R.COLLECTIVE_ADMIN})
COLLECTIVE_ADMIN = frozenset({R.COLLECTIVE_ADMIN})
READ_ALL = frozenset({R.SUPERVISOR, R.ANALYST, R.COLLECTIVE_ADMIN})
AUDIT_READERS = frozenset({R.ANALYST, R.COLLECTIVE_ADMIN})
PEOPLE_READERS = frozenset({R.OFFICER, R.AGENCY_ADMIN, R.COLLECTIVE_ADMIN})
BOARD_READERS = frozenset({R.SUPERVISOR, R.ANALYST, R.AGENCY_ADMIN, R.COLLECTIVE_ADMIN})


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> Any:
        self.at += timedelta(seconds=1)
        return self.at


class PlainHasher:
    def hash(self, password: str) -> str:
        return "plain:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain:" + password


def collective() -> Context:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        for agency in (A, B):
            uow.agencies.add(Agency(agency, agency.upper()))
            uow.jurisdictions.add(
                Jurisdiction(
                    JurisdictionId(f"j{agency}"),
                    f"J-{agency}",
                    agency,
                    a_square(HERE.lat, HERE.lon + (0.3 if agency == B else 0), 0.1),
                )
            )
            uow.stations.add(Station(StationId(f"s{agency}"), agency, f"S-{agency}", HERE))
            for n in (1, 2):
                uow.units.add(
                    Unit(
                        UnitId(f"{agency}-{n}"),
                        agency,
                        "patrol",
                        frozenset({"patrol"}),
                        StationId(f"s{agency}"),
                        location=HERE,
                        jurisdiction_id=JurisdictionId("ja"),
                    )
                )
        uow.agreements.add(an_agreement_between(A, B), "ada", T0)
        uow.agreements.add(an_agreement_between(A, B, "A-B-P").propose(), "ada", T0)
        uow.call_types.add(CallType(CallTypeCode("theft"), "Theft", 3, (Requirement("patrol"),)))
        uow.resources.add(Resource(ResourceId("drone-a"), "drone", "Drone A", A))
        uow.mutual_aid.add(AID_REQUEST)
        uow.personnel.add(Person.of("p-a", A, "Olaf A", "olaf"))
        uow.certifications.add(
            Grant.issue("g-a", PersonId("p-a"), "k9_handler", T0.date(), Username("ada"))
        )
        officer = USERS[Role.OFFICER]
        uow.users.add(User(officer.username, officer.role, "plain:x", "", A, officer.unit_id))
        uow.commit()
    with MemoryUnitOfWork(store) as uow:
        index = JurisdictionIndex(uow.jurisdictions.list())
    bus = message_bus(lambda event: None, lambda: None)
    return Context(
        uow=lambda: MemoryUnitOfWork(store, bus),
        clock=Clock(),
        locator=lambda: index,
        travel=StraightLine(),
        hasher=PlainHasher(),
    )


def an_incident(ctx: Context) -> str:
    return incidents.create_incident(ctx, USERS[Role.DISPATCHER], "theft", HERE).id


def an_assigned_incident(ctx: Context) -> str:
    """An incident the officer's unit (a-1) is on."""
    incident = an_incident(ctx)
    incidents.assign(ctx, USERS[Role.DISPATCHER], incident, "a-1")
    return incident


def a_note_draft() -> premises.NoteDraft:
    return premises.NoteDraft(NoteKind.HAZARD, "dog on premises", HERE, 30, agency_id=A)


def a_note(ctx: Context) -> str:
    return premises.create_note(ctx, USERS[Role.DISPATCHER], a_note_draft()).id


def a_jurisdiction(id: str = "ja") -> Jurisdiction:
    return Jurisdiction(JurisdictionId(id), "J", A, a_square(HERE.lat, HERE.lon, 0.1))


HOUR = timedelta(hours=1)


def a_loan(ctx: Context) -> str:
    """A's drone, out to an incident in A's jurisdiction (no agreement needed)."""
    incident = an_incident(ctx)
    due = T0 + timedelta(days=1)
    return loans.check_out(ctx, USERS[Role.COLLECTIVE_ADMIN], "drone-a", due, incident=incident).id


#: A asks B for a K-9 team; its first step waits for a supervisor.
AID_REQUEST = an_aid_request(
    id="MA-2025-0001", requesting_agency=A, routes=(Route(B, (Terms("B-A", 1, 9000),)),)
)
AID = AID_REQUEST.id
#: Central dispatch's supervisor (of no agency) or a collective admin approve the first step.
FIRST_STEP = frozenset({R.SUPERVISOR, R.COLLECTIVE_ADMIN})


#: A goal in A's jurisdiction: A's admin or the collective's sets it.
A_GOAL = Goal("turnout", Statistic.P90, 60, "ja")


def a_goal(ctx: Context) -> str:
    return goals.set_goal(ctx, USERS[Role.COLLECTIVE_ADMIN], A_GOAL).id


def an_officers_session(ctx: Context) -> str:
    """A session of otto, who is none of the acting users."""
    other = User(Username("otto"), Role.OFFICER, agency_id=A, unit_id=UnitId("a-2"))
    return sessions.start_session(ctx, other, HOUR).session_id


UseCase = Callable[[Context, User], object]

#: (use case, what it is run on, roles allowed)
TABLE: list[tuple[Callable[..., object], UseCase, frozenset[Role]]] = [
    # dispatch: incidents
    (
        incidents.create_incident,
        lambda c, u: incidents.create_incident(c, u, "theft", HERE),
        DISPATCH,
    ),
    (incidents.get_incident, lambda c, u: incidents.get_incident(c, u, an_incident(c)), EVERYONE),
    (
        incidents.list_incidents,
        lambda c, u: incidents.list_incidents(c, u, IncidentFilter(), Page()),
        EVERYONE,
    ),
    (
        incidents.recommendation,
        lambda c, u: incidents.recommendation(c, u, an_incident(c)),
        EVERYONE,
    ),
    (incidents.assign, lambda c, u: incidents.assign(c, u, an_incident(c), "a-1"), DISPATCH),
    (
        incidents.close_incident,
        lambda c, u: incidents.close_incident(c, u, an_incident(c), DISPOSITION),
        DISPATCH,
    ),
    # dispatch in command: an override (agency b lends nothing), a diversion, a recall
    (
        incidents.assign,
        lambda c, u: incidents.assign(c, u, an_incident(c), "b-1", "nearest car"),
        frozenset({R.SUPERVISOR, R.COLLECTIVE_ADMIN}),
    ),
    (command.divert, lambda c, u: command.divert(c, u, an_incident(c), "a-1"), DISPATCH),
    (command.recall, lambda c, u: command.recall(c, u, an_incident(c), "a-1"), DISPATCH),
    (
        edits.edit_incident,
        lambda c, u: edits.edit_incident(c, u, an_incident(c), 1, edits.Edit(priority=1)),
        DISPATCH,
    ),
    (
        edits.add_note,
        lambda c, u: edits.add_note(c, u, an_assigned_incident(c), "seen leaving"),
        DISPATCH | {R.OFFICER},
    ),
    (closing.closing_rules, lambda c, u: closing.closing_rules(c, u, "theft"), EVERYONE),
    # dispatch: premise and hazard notes
    (
        premises.create_note,
        lambda c, u: premises.create_note(c, u, a_note_draft()),
        DISPATCH | KEEPERS_OF_A,
    ),
    (
        premises.update_note,
        lambda c, u: premises.update_note(c, u, a_note(c), text="two dogs"),
        DISPATCH | KEEPERS_OF_A,
    ),
    (
        premises.delete_note,
        lambda c, u: premises.delete_note(c, u, a_note(c)),
        DISPATCH | KEEPERS_OF_A,
    ),
    (premises.list_notes, lambda c, u: premises.list_notes(c, u), EVERYONE),
    (premises.get_note, lambda c, u: premises.get_note(c, u, a_note(c)), EVERYONE),
    (
        premises.for_incident,
        lambda c, u: premises.for_incident(c, u, an_incident(c)),
        EVERYONE,
    ),
    # dispatch: the floor's watch
    (floor.running_timers, lambda c, u: floor.running_timers(c, u), EVERYONE),
    (
        floor.acknowledge,
        lambda c, u: floor.acknowledge(c, u, an_incident(c), "unassigned", None),
        DISPATCH,
    ),
    (floor.pending, lambda c, u: floor.pending(c, u, "a-1"), EVERYONE),
    (floor.floor, lambda c, u: floor.floor(c, u), frozenset({R.SUPERVISOR, R.COLLECTIVE_ADMIN})),
    # dispatch: units
    (units.get_unit, lambda c, u: units.get_unit(c, u, "a-1"), EVERYONE),
    (units.list_units, lambda c, u: units.list_units(c, u, UnitFilter(), Page()), EVERYONE),
    (
        units.set_status,
        lambda c, u: units.set_status(c, u, "a-1", UnitStatus.BUSY),
        DISPATCH | KEEPERS_OF_A | {R.OFFICER},
    ),
    (
        units.report_position,
        lambda c, u: units.report_position(c, u, "a-1", HERE, T0),
        DISPATCH | KEEPERS_OF_A | {R.OFFICER},
    ),
    (
        positions.report_positions,
        lambda c, u: positions.report_positions(c, u, [PositionFix(UnitId("a-1"), T0, HERE)]),
        DISPATCH | KEEPERS_OF_A | {R.OFFICER},
    ),
    (
        positions.position_history,
        lambda c, u: positions.position_history(c, u, "a-1"),
        DISPATCH | KEEPERS_OF_A | {R.OFFICER, R.ANALYST},
    ),
    (positions.prune_positions, lambda c, u: positions.prune_positions(c, u), COLLECTIVE_ADMIN),
    # dispatch: the officer's phone (dispatch presses for a crew heard on the radio)
    (
        field.emergency,
        lambda c, u: field.emergency(c, u, "a-1"),
        DISPATCH | KEEPERS_OF_A | {R.OFFICER},
    ),
    (
        field.request_backup,
        lambda c, u: field.request_backup(c, u, "a-1"),
        DISPATCH | KEEPERS_OF_A | {R.OFFICER},
    ),
    (
        field.acknowledge,
        lambda c, u: field.acknowledge(c, u, "a-1"),
        DISPATCH | KEEPERS_OF_A | {R.OFFICER},
    ),
    (
        field.self_initiate,
        lambda c, u: field.self_initiate(c, u, "a-1", "theft"),
        DISPATCH | KEEPERS_OF_A | {R.OFFICER},
    ),
    # dispatch: the fleet's records
    (
        fleet.create_unit,
        lambda c, u: fleet.create_unit(
            c, u, Unit(UnitId("a-9"), A, "patrol", frozenset({"patrol"}), StationId("sa"))
        ),
        KEEPERS_OF_A,
    ),
    (fleet.update_unit, lambda c, u: fleet.update_unit(c, u, "a-2", name="Two"), KEEPERS_OF_A),
    (fleet.delete_unit, lambda c, u: fleet.delete_unit(c, u, "a-2"), KEEPERS_OF_A),
    # dispatch: maps (no road network here: the allowed get a 404/409, never a 403)
    (maps.roads, lambda c, u: maps.roads(c, u), EVERYONE),
    (maps.route, lambda c, u: maps.route(c, u, an_incident(c), "a-1"), EVERYONE),
    (geocode.search, lambda c, u: geocode.search(c, u, "Main Street"), EVERYONE),
    (geocode.reverse, lambda c, u: geocode.reverse(c, u, HERE), EVERYONE),
    # collective
    (agencies.list_agencies, lambda c, u: agencies.list_agencies(c, u), EVERYONE),
    (agencies.get_agency, lambda c, u: agencies.get_agency(c, u, "a"), EVERYONE),
    (
        agencies.save_agency,
        lambda c, u: agencies.save_agency(c, u, Agency(AgencyId("c"), "C"), create=True),
        COLLECTIVE_ADMIN,
    ),
    (
        agencies.save_agency,
        lambda c, u: agencies.save_agency(c, u, Agency(A, "Alpha"), create=False),
        KEEPERS_OF_A,
    ),
    (agencies.delete_agency, lambda c, u: agencies.delete_agency(c, u, "b"), COLLECTIVE_ADMIN),
    (
        jurisdictions.list_jurisdictions,
        lambda c, u: jurisdictions.list_jurisdictions(c, u, True),
        EVERYONE,
    ),
    (
        jurisdictions.get_jurisdiction,
        lambda c, u: jurisdictions.get_jurisdiction(c, u, "ja"),
        EVERYONE,
    ),
    (
        jurisdictions.save_jurisdiction,
        lambda c, u: jurisdictions.save_jurisdiction(c, u, a_jurisdiction("jz"), create=True),
        COLLECTIVE_ADMIN,
    ),
    (
        jurisdictions.save_jurisdiction,
        lambda c, u: jurisdictions.save_jurisdiction(c, u, a_jurisdiction(), create=False),
        COLLECTIVE_ADMIN,
    ),
    (
        jurisdictions.import_jurisdictions,
        lambda c, u: jurisdictions.import_jurisdictions(c, u, [a_jurisdiction()], replace=True),
        COLLECTIVE_ADMIN,
    ),
    (
        jurisdictions.delete_jurisdiction,
        lambda c, u: jurisdictions.delete_jurisdiction(c, u, "jb"),
        COLLECTIVE_ADMIN,
    ),
    (stations.list_stations, lambda c, u: stations.list_stations(c, u, None), EVERYONE),
    (stations.get_station, lambda c, u: stations.get_station(c, u, "sa"), EVERYONE),
    (
        stations.save_station,
        lambda c, u: stations.save_station(c, u, Station(StationId("s9"), A, "S9", HERE), True),
        KEEPERS_OF_A,
    ),
    (
        stations.save_station,
        lambda c, u: stations.save_station(c, u, Station(StationId("sa"), A, "SA", HERE), False),
        KEEPERS_OF_A,
    ),
    (stations.delete_station, lambda c, u: stations.delete_station(c, u, "sa"), KEEPERS_OF_A),
    (call_types.list_call_types, lambda c, u: call_types.list_call_types(c, u), EVERYONE),
    (call_types.get_call_type, lambda c, u: call_types.get_call_type(c, u, "theft"), EVERYONE),
    (
        call_types.save_call_type,
        lambda c, u: call_types.save_call_type(
            c, u, CallType(CallTypeCode("fire"), "Fire", 1, (Requirement("patrol"),)), True
        ),
        COLLECTIVE_ADMIN,
    ),
    (
        call_types.delete_call_type,
        lambda c, u: call_types.delete_call_type(c, u, "theft"),
        COLLECTIVE_ADMIN,
    ),
    # sharing
    # mutual aid
    (aid.list_requests, lambda c, u: aid.list_requests(c, u), EVERYONE),
    # Those who may not read a request are told it is not there (404), not refused.
    (aid.get_request, lambda c, u: aid.get_request(c, u, AID), EVERYONE),
    (
        aid.get_request_and_incident,
        lambda c, u: aid.get_request_and_incident(c, u, AID),
        EVERYONE,
    ),
    (
        aid.create_request,
        lambda c, u: aid.create_request(
            c, u, an_incident(c), (Item(1, Category.UNIT, "patrol"),), T0 + HOUR
        ),
        DISPATCH,
    ),
    (aid.approve_request, lambda c, u: aid.approve_request(c, u, AID), FIRST_STEP),
    (aid.decline_request, lambda c, u: aid.decline_request(c, u, AID, "not needed"), FIRST_STEP),
    (aid.cancel_request, lambda c, u: aid.cancel_request(c, u, AID, "not needed"), DISPATCH),
    (aid.fulfil_request, lambda c, u: aid.fulfil_request(c, u, AID, 1, "b-1"), DISPATCH),
    (aid.release_request, lambda c, u: aid.release_request(c, u, AID), DISPATCH),
    (
        aid.extend_request,
        lambda c, u: aid.extend_request(c, u, AID, T0 + 9 * HOUR, "longer"),
        DISPATCH,
    ),
    # the ledger: an agency admin reads their own agency's; a collective admin keeps it
    (ledger_reads.entries, lambda c, u: ledger_reads.entries(c, u), KEEPERS_OF_A),
    (ledger_reads.balances, lambda c, u: ledger_reads.balances(c, u), KEEPERS_OF_A),
    (
        ledger_reads.agency_statement,
        lambda c, u: ledger_reads.agency_statement(c, u, "a", "2025-02"),
        KEEPERS_OF_A,
    ),
    (
        ledger_reads.incident_costs,
        lambda c, u: ledger_reads.incident_costs(c, u, an_incident(c)),
        KEEPERS_OF_A,
    ),
    (
        ledger_reads.settlement,
        lambda c, u: ledger_reads.settlement(c, u, "2025-02"),
        COLLECTIVE_ADMIN,
    ),
    (ledger_periods.closed_periods, lambda c, u: ledger_periods.closed_periods(c, u), KEEPERS_OF_A),
    (
        ledger_periods.close_period,
        lambda c, u: ledger_periods.close_period(c, u, "2025-01"),
        COLLECTIVE_ADMIN,
    ),
    (posting.replay, lambda c, u: posting.replay(c, u), COLLECTIVE_ADMIN),
    # analytics: the board report, KPIs, goals
    (board.board_report, lambda c, u: board.board_report(c, u, T0, T0 + HOUR), BOARD_READERS),
    (kpis.kpi_report, lambda c, u: kpis.kpi_report(c, u, T0, T0 + HOUR), BOARD_READERS),
    (
        kpis.figures_and_shapes,
        lambda c, u: kpis.figures_and_shapes(c, u, T0, T0 + HOUR),
        BOARD_READERS,
    ),
    (goals.goal_status, lambda c, u: goals.goal_status(c, u, T0, T0 + HOUR), BOARD_READERS),
    (
        hotspots.hotspot_report,
        lambda c, u: hotspots.hotspot_report(c, u, T0, T0 + HOUR),
        BOARD_READERS,
    ),
    (goals.weekly_goals, lambda c, u: goals.weekly_goals(c, u, "2026-W48"), BOARD_READERS),
    (report.kpi_document, lambda c, u: report.kpi_document(c, u, T0, T0 + HOUR), BOARD_READERS),
    (history.add_live, lambda c, u: history.add_live(c, u, T0, T0 + HOUR), COLLECTIVE_ADMIN),
    (goals.set_goal, lambda c, u: goals.set_goal(c, u, A_GOAL), KEEPERS_OF_A),
    (goals.drop_goal, lambda c, u: goals.drop_goal(c, u, a_goal(c)), KEEPERS_OF_A),
    (agreements.list_agreements, lambda c, u: agreements.list_agreements(c, u), EVERYONE),
    (agreements.get_agreement, lambda c, u: agreements.get_agreement(c, u, "A-B"), EVERYONE),
    (
        agreements.agreement_versions,
        lambda c, u: agreements.agreement_versions(c, u, "A-B"),
        EVERYONE,
    ),
    (
        agreements.draft_agreement,
        lambda c, u: agreements.draft_agreement(c, u, an_agreement_between(A, B, "A-B-2")),
        KEEPERS_OF_A,
    ),
    (
        agreements.amend_agreement,
        lambda c, u: agreements.amend_agreement(c, u, "A-B", 1, an_agreement_between(A, B)),
        KEEPERS_OF_A,
    ),
    (
        agreements.propose_agreement,
        lambda c, u: agreements.propose_agreement(c, u, "A-B"),
        KEEPERS_OF_A,
    ),
    # Only A's own admin signs for A (a collective admin signs for the collective alone).
    (
        agreements.sign_agreement,
        lambda c, u: agreements.sign_agreement(c, u, "A-B-P"),
        frozenset({R.AGENCY_ADMIN}),
    ),
    (
        agreements.terminate_agreement,
        lambda c, u: agreements.terminate_agreement(c, u, "A-B", "no longer needed"),
        KEEPERS_OF_A,
    ),
    # resources
    (catalogue.list_types, lambda c, u: catalogue.list_types(c, u), EVERYONE),
    (catalogue.list_resources, lambda c, u: catalogue.list_resources(c, u), EVERYONE),
    (catalogue.get_resource, lambda c, u: catalogue.get_resource(c, u, "drone-a"), EVERYONE),
    (
        catalogue.add_resource,
        lambda c, u: catalogue.add_resource(c, u, Resource(ResourceId("kit-a"), "drone", "K", A)),
        KEEPERS_OF_A,
    ),
    (
        catalogue.change_resource,
        lambda c, u: catalogue.change_resource(
            c, u, "drone-a", 1, Resource(ResourceId("drone-a"), "drone", "Drone 1", A)
        ),
        KEEPERS_OF_A,
    ),
    (
        loans.check_out,
        lambda c, u: loans.check_out(
            c, u, "drone-a", T0 + timedelta(days=1), incident=an_incident(c)
        ),
        DISPATCH | KEEPERS_OF_A,
    ),
    (loans.list_loans, lambda c, u: loans.list_loans(c, u), EVERYONE),
    (loans.get_loan, lambda c, u: loans.get_loan(c, u, a_loan(c)), EVERYONE),
    (
        loans.return_loan,
        lambda c, u: loans.return_loan(c, u, a_loan(c), Condition.SERVICEABLE),
        DISPATCH | KEEPERS_OF_A,
    ),
    (loans.notice_overdue, lambda c, u: loans.notice_overdue(c, u), DISPATCH | KEEPERS_OF_A),
    # access
    (users.list_users, lambda c, u: users.list_users(c, u, None), READ_ALL | {R.AGENCY_ADMIN}),
    (
        users.create_user,
        lambda c, u: users.create_user(
            c, u, User(Username("new"), Role.OFFICER, agency_id=A, unit_id=UnitId("a-2")), "x" * 8
        ),
        KEEPERS_OF_A,
    ),
    (
        users.create_user,
        lambda c, u: users.create_user(c, u, User(Username("d2"), Role.DISPATCHER), "x" * 8),
        COLLECTIVE_ADMIN,
    ),
    (
        users.update_user,
        lambda c, u: users.update_user(c, u, "olaf", full_name="Olaf"),
        KEEPERS_OF_A,
    ),
    (changelog.changes, lambda c, u: changelog.changes(c, u, None, None, Page()), READ_ALL),
    # access: sessions (a user starts, uses and ends only their own)
    (sessions.start_session, lambda c, u: sessions.start_session(c, u, HOUR), EVERYONE),
    (
        sessions.end_session,
        lambda c, u: sessions.end_session(c, u, sessions.start_session(c, u, HOUR).session_id),
        EVERYONE,
    ),
    (
        sessions.end_session,
        lambda c, u: sessions.end_session(c, u, an_officers_session(c)),
        frozenset(),
    ),
    (
        sessions.issue_stream_ticket,
        lambda c, u: sessions.issue_stream_ticket(
            c, u, sessions.start_session(c, u, HOUR).session_id
        ),
        EVERYONE,
    ),
    (
        sessions.issue_stream_ticket,
        lambda c, u: sessions.issue_stream_ticket(c, u, an_officers_session(c)),
        frozenset(),
    ),
    # people
    (personnel.list_personnel, lambda c, u: personnel.list_personnel(c, u), PEOPLE_READERS),
    (personnel.get_person, lambda c, u: personnel.get_person(c, u, "p-a"), PEOPLE_READERS),
    (
        personnel.add_person,
        lambda c, u: personnel.add_person(c, u, Person.of("p-a2", A, "New Officer")),
        KEEPERS_OF_A,
    ),
    (crews.list_crews, lambda c, u: crews.list_crews(c, u), PEOPLE_READERS | DISPATCH),
    (
        crews.add_crew,
        lambda c, u: crews.add_crew(c, u, "a-1", "p-a", "member", T0, T0 + HOUR),
        KEEPERS_OF_A,
    ),
    (
        certifications.list_certifications,
        lambda c, u: certifications.list_certifications(c, u),
        PEOPLE_READERS,
    ),
    (
        certifications.grant_certification,
        lambda c, u: certifications.grant_certification(c, u, "p-a", "tactical", T0.date()),
        KEEPERS_OF_A,
    ),
    (
        certifications.renew_certification,
        lambda c, u: certifications.renew_certification(c, u, "g-a", T0.date(), 365),
        KEEPERS_OF_A,
    ),
    # audit
    (
        audit_log.list_entries,
        lambda c, u: audit_log.list_entries(c, u, AuditFilter(), Page()),
        AUDIT_READERS,
    ),
    (
        audit_log.export_entries,
        lambda c, u: list(audit_log.export_entries(c, u, AuditFilter())),
        AUDIT_READERS,
    ),
    (audit_log.verify_log, lambda c, u: audit_log.verify_log(c, u), AUDIT_READERS),
    (audit_log.latest_checkpoint, lambda c, u: audit_log.latest_checkpoint(c, u), AUDIT_READERS),
    (audit_log.make_checkpoint, lambda c, u: audit_log.make_checkpoint(c, u), COLLECTIVE_ADMIN),
]

#: Public functions of services/ that are not use cases run by a signed-in user.
NOT_ACTING = {
    "bluepool.services.access.users.authenticate": "signs a user in: no acting user yet",
    "bluepool.services.access.users.signed_in": "reads the user a valid token names",
    "bluepool.services.access.users.me": "the acting user's own record",
    "bluepool.services.access.sessions.refresh": "a refresh token names its session and user",
    "bluepool.services.access.sessions.signed_in": "reads the user an access token names",
    "bluepool.services.access.sessions.redeem_stream_ticket": "a ticket names its user",
    "bluepool.services.access.users.users_with_default_passwords": "a start-up check",
    "bluepool.services.setup.load_collective": "the operator's load, named as its actor",
    "bluepool.services.analytics.board.board_rules": "a report's rules, for a report allowed",
    "bluepool.services.analytics.kpis.live_calls": "the calls of a report allowed",
    "bluepool.services.analytics.kpis.history_of": "the call history of a report allowed",
    "bluepool.services.analytics.goals.judge_of": "how a report allowed judges its goals",
    "bluepool.services.analytics.kpis.shapes_of": "the jurisdictions' map of a report allowed",
    "bluepool.services.analytics.goals.stored_goals": "the goals of a report allowed",
    "bluepool.services.analytics.history.import_places": (
        "the jurisdictions an import places its calls in (the operator's import calls)"
    ),
    "bluepool.services.dispatch.incidents.assign_in": "assign's body, in a caller's transaction",
    "bluepool.services.resources.loans.lend_in": "check_out's body, in a caller's transaction",
    "bluepool.services.resources.loans.take_back_in": "return_loan's body, likewise",
    "bluepool.services.setup.snapshot": "the operator's simulation input",
    "bluepool.services.changelog.record": "the change log's event handler",
    "bluepool.services.changelog.entry": "the change log's words for an event",
    "bluepool.services.dispatch.incidents.note_reads": "notes the reads of another use case",
    "bluepool.services.dispatch.incidents.recommend_for": (
        "the recommender inside another use case's unit of work (floor.pending)"
    ),
    "bluepool.services.dispatch.positions.commit_fixes": (
        "the group commit of units.report_position: each fix carries its acting user, "
        "checked by the same policy (test_positions)"
    ),
    "bluepool.services.dispatch.incidents.collective": "a read inside a use case",
    "bluepool.services.dispatch.incidents.standing_facts": "a read inside a use case",
    "bluepool.services.dispatch.incidents.call_type_of": "a read inside a use case",
    "bluepool.services.dispatch.incidents.closing_rules": "a read inside a use case",
    "bluepool.services.dispatch.incidents.known_call_type": "a read inside a use case",
    "bluepool.services.dispatch.incidents.located": (
        "a location's jurisdiction, in create_incident, edit_incident and self_initiate"
    ),
    "bluepool.services.dispatch.geocode.address_of": "an incident's address, in create_incident",
    "bluepool.services.dispatch.geocode.whereabouts": "a read inside a geocoding use case",
    "bluepool.services.audit.reads.note": "records a read inside a read use case",
    "bluepool.services.audit.refusals.record_refusal": "records a refusal of a use case",
}


def an_agreement_between(lender: AgencyId, other: AgencyId, id_: str = "") -> Agreement:
    """A draft: ``lender`` lends ``other`` anything."""
    return Agreement(
        AgreementId(id_ or f"{lender.upper()}-{other.upper()}"),
        f"{lender} lends {other}",
        (lender, other),
        (Clause(lender),),
        T0,
    )


def _id(row: tuple[Callable[..., object], UseCase, frozenset[Role]]) -> str:
    return f"{row[0].__module__.removeprefix('bluepool.services.')}.{row[0].__name__}"


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize(("use_case", "run", "allowed"), TABLE, ids=[_id(r) for r in TABLE])
def test_exactly_the_allowed_roles_may_run_it(
    use_case: Callable[..., object], run: UseCase, allowed: frozenset[Role], role: Role
) -> None:
    ctx = collective()
    if role in allowed:
        try:
            run(ctx, USERS[role])
        except Forbidden as exc:  # pragma: no cover - the failure this test exists for
            pytest.fail(f"{role} was refused: {exc}")
        except DomainError:
            pass  # allowed, and refused for another reason (in use, no road network, ...)
    else:
        with pytest.raises(Forbidden):
            run(ctx, USERS[role])


def test_an_agency_admin_keeps_only_their_own_agency() -> None:
    ctx = collective()
    admin_a = USERS[Role.AGENCY_ADMIN]
    for run in (
        lambda: fleet.update_unit(ctx, admin_a, "b-1", name="B"),
        lambda: stations.delete_station(ctx, admin_a, "sb"),
        lambda: agreements.draft_agreement(ctx, admin_a, an_agreement_between(B, COLLECTIVE)),
        lambda: agencies.save_agency(ctx, admin_a, Agency(B, "Bravo"), create=False),
        lambda: units.set_status(ctx, admin_a, "b-1", UnitStatus.BUSY),
    ):
        with pytest.raises(Forbidden):
            run()
    assert {u.agency for u in users.list_users(ctx, admin_a, "b")} == {A}


def test_the_table_names_every_use_case() -> None:
    found = set()
    for info in pkgutil.walk_packages(bluepool.services.__path__, "bluepool.services."):
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == info.name and not name.startswith("_"):
                params = list(inspect.signature(fn).parameters)
                if params[:1] == ["ctx"]:
                    found.add(f"{info.name}.{name}")
    listed = {f"{fn.__module__}.{fn.__name__}" for fn, _, _ in TABLE}
    missing = found - listed - set(NOT_ACTING)
    assert not missing, f"use cases missing from the authorization table: {sorted(missing)}"
    for name in found - set(NOT_ACTING):
        fn = _resolve(name)
        assert list(inspect.signature(fn).parameters)[:2] == ["ctx", "user"], name


def _resolve(name: str) -> Callable[..., Any]:
    module, _, attr = name.rpartition(".")
    fn: Callable[..., Any] = getattr(importlib.import_module(module), attr)
    return fn
