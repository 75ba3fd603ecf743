"""The agencies' personnel: officers as records of their agency, linked to their user
account when they have one (``domain.people.personnel``; docs/people.md)."""

from __future__ import annotations

from bluepool.domain.access.roles import User
from bluepool.domain.people.events import PersonChanged
from bluepool.domain.people.personnel import Person, PersonId
from bluepool.domain.shared.errors import Duplicate, Invalid
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import AgencyId, Username
from bluepool.services.audit import reads
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.lookup import agency_exists, not_found
from bluepool.services.people import policy
from bluepool.services.ports import UnitOfWork


@refusal_recorded
def list_personnel(ctx: Context, user: User, agency: str | None = None) -> tuple[Person, ...]:
    """The persons ``user`` may read (of ``agency``, if given), by id."""
    scope = policy.read(user, "personnel")
    with ctx.reader() as uow:
        found = uow.personnel.find(AgencyId(agency) if agency else None)
    shown = tuple(p for p in found if scope.sees(p.agency_id, p.username))
    reads.note(ctx, user, "list_personnel", "person", ((p.id, p.agency_id) for p in shown))
    return shown


@refusal_recorded
def get_person(ctx: Context, user: User, person_id: str) -> Person:
    scope = policy.read(user, "personnel")
    with ctx.reader() as uow:
        person = person_of(uow, person_id)
    if not scope.sees(person.agency_id, person.username):
        raise not_found("person", person_id)
    reads.note(ctx, user, "get_person", "person", ((person.id, person.agency_id),))
    return person


@refusal_recorded
def add_person(ctx: Context, user: User, person: Person) -> Person:
    """Put a person on their agency's roll (its admin); ``username``, when given, must be
    an account of the same agency that no other person is linked to."""
    policy.keep(user, person.agency_id)
    with ctx.uow() as uow:
        if uow.personnel.get(person.id) is not None:
            raise Duplicate(f"person {person.id} already exists", code="person_exists")
        agency_exists(uow, person.agency_id)
        if person.username is not None:
            check_account(uow, person.agency_id, person.username)
        uow.personnel.add(person)
        now = ctx.clock.now()
        uow.raise_event(
            PersonChanged(now, user.username, Action.CREATED, person.id, person, person.agency_id)
        )
        uow.commit()
    return person


def check_account(uow: UnitOfWork, agency_id: AgencyId, username: Username) -> None:
    account = uow.users.get(username)
    if account is None:
        raise Invalid(f"no user {username}", code="unknown_user")
    if account.agency_id != agency_id:
        raise Invalid(
            f"user {username} is not of agency {agency_id}", code="user_of_another_agency"
        )
    if uow.personnel.find(username=username):
        raise Duplicate(
            f"user {username} is linked to another person already", code="account_linked"
        )


def person_of(uow: UnitOfWork, person_id: str) -> Person:
    person = uow.personnel.get(PersonId(person_id))
    if person is None:
        raise not_found("person", person_id)
    return person
