"""The crews of the units: who is on which unit, in which role, for a shift
(``domain.people.crews``; docs/people.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.people.crews import CrewAssignment, check_free
from bluepool.domain.people.events import CrewChanged
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import UnitId
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.lookup import not_found
from bluepool.services.people import policy
from bluepool.services.people.personnel import person_of
from bluepool.services.ports import CrewFilter


@refusal_recorded
def list_crews(
    ctx: Context, user: User, unit: str | None = None, at: datetime | None = None
) -> tuple[CrewAssignment, ...]:
    """The shifts ``user`` may read (on ``unit``; on shift at ``at``), by start time."""
    scope = policy.read(user, "crews", dispatch_reads=True)
    with ctx.reader() as uow:
        found = uow.crews.find(CrewFilter(unit=UnitId(unit) if unit else None, at=at))
        people = {p.id: p for p in uow.personnel.find()} if not scope.every else {}
    if scope.every:
        return tuple(found)
    return tuple(
        a
        for a in found
        if (p := people.get(a.person_id)) is not None and scope.sees(p.agency_id, p.username)
    )


@refusal_recorded
def add_crew(
    ctx: Context,
    user: User,
    unit_id: str,
    person_id: str,
    role: str,
    starts_at: datetime,
    ends_at: datetime,
) -> CrewAssignment:
    """Put a person on a unit of their agency for a shift (the agency's admin); Conflict
    when they are on another shift then."""
    with ctx.uow() as uow:
        person = person_of(uow, person_id)
        policy.keep(user, person.agency_id)
        unit = uow.units.get(UnitId(unit_id))
        if unit is None:
            raise not_found("unit", unit_id)
        if unit.agency_id != person.agency_id:
            raise Invalid(
                f"unit {unit.id} is {unit.agency_id}'s, not {person.agency_id}'s: a person "
                "crews their own agency's units",
                code="unit_of_another_agency",
            )
        shift = CrewAssignment.of(
            uuid.uuid4().hex[:12], unit.id, person.id, role, starts_at, ends_at
        )
        check_free(shift, uow.crews.find(CrewFilter(person=person.id)))
        uow.crews.add(shift)
        uow.raise_event(
            CrewChanged(
                ctx.clock.now(), user.username, Action.CREATED, shift.id, shift, person.agency_id
            )
        )
        uow.commit()
    return shift
