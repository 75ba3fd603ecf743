"""Who may do what on the dispatch floor: the one place the dispatch use cases ask.

Every signed-in user reads the fleet and the incidents (an officer sees the calls around
them); central dispatch (dispatchers, supervisors, the collective admin) takes calls,
assigns, diverts, recalls, closes and acknowledges timers; supervisors, and dispatchers
when the collective allows it, assign over a sharing rule (an override); supervisors (and
the collective admin) read the supervisor panel; a unit's status and position are set by
dispatch, by its own agency's admin, or by the officer who crews it (one fix or a gateway's
batch alike); a unit's position history is read by those and by the analysts; an agency's
admin keeps its fleet's records.
"""

from __future__ import annotations

from collections.abc import Collection

from bluepool.domain.access import roles
from bluepool.domain.access.roles import Role, User
from bluepool.domain.dispatch.command import FloorRules
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId, UnitId


def read(user: User) -> None:
    """Incidents, units, recommendations and routes: every signed-in user."""
    roles.require_active(user)


def dispatch(user: User) -> None:
    """Take a call, assign a unit, close an incident."""
    roles.require_dispatch(user)


def supervise(user: User) -> None:
    """Read the supervisor panel (reserves, each dispatcher's workload): supervisors and
    the collective admin."""
    roles.require_active(user)
    if user.role not in (Role.SUPERVISOR, Role.COLLECTIVE_ADMIN):
        raise Forbidden(
            f"{user.role.value} {user.username} cannot read the supervisor panel",
            rule="supervise",
        )


def update_unit(user: User, unit: Unit) -> None:
    """Set a unit's status or report its position."""
    roles.require_unit_update(user, unit.id, unit.agency_id)


def report_position(user: User, unit_id: UnitId, agency_id: AgencyId) -> None:
    """Report a unit's position, alone or in a batch (an AVL gateway): dispatch for any
    unit, an agency admin for its agency's units, an officer for their own unit. A batch
    is refused whole when any of its fixes is refused."""
    roles.require_unit_update(user, unit_id, agency_id)


def read_track(user: User, unit_id: UnitId, agency_id: AgencyId) -> None:
    """Read a unit's position history (where a crew has been, not only where it is): the
    analysts, and those who may report the unit's position."""
    roles.require_active(user)
    if user.role is not Role.ANALYST:
        roles.require_unit_update(user, unit_id, agency_id)


def prune_positions(user: User) -> None:
    """Delete the position history older than the retention, now (the shell's job)."""
    roles.require_collective_admin(user)


def keep_fleet(user: User, agency_id: AgencyId) -> None:
    """Add, edit or remove a unit record of ``agency_id``'s fleet."""
    roles.require_agency_admin(user, agency_id)


def may_override(user: User, floor: FloorRules) -> bool:
    """Whether ``user`` may assign a unit a sharing rule excludes (its agency's policy or
    home reserve), with a reason: supervisors and the collective admin always, dispatchers
    when the collective allows it (``dispatch: {dispatchers_may_override: true}``)."""
    if not user.active or user.role not in roles.DISPATCH_ROLES:
        return False
    return user.role is not Role.DISPATCHER or floor.dispatchers_may_override


def override(user: User, floor: FloorRules) -> None:
    """Assign a unit over a sharing rule (see ``may_override``)."""
    roles.require_dispatch(user)
    if not may_override(user, floor):
        raise Forbidden(
            f"{user.role.value} {user.username} cannot override a sharing rule: this "
            "collective lets only supervisors do it (dispatch.dispatchers_may_override)",
            rule="override",
        )


def edit_incident(user: User) -> None:
    """Change a call's type, priority, location or caller details: central dispatch."""
    roles.require_dispatch(user)


def add_note(user: User, units_on_it: Collection[UnitId]) -> None:
    """Add a narrative note to a call: central dispatch, or an officer whose unit is or
    was on it."""
    if user.role is Role.OFFICER and user.unit_id is not None and user.unit_id in units_on_it:
        roles.require_active(user)
        return
    roles.require_dispatch(user)


def keep_premise_notes(user: User, agency_id: AgencyId | None) -> None:
    """Add, edit or remove a premise or hazard note: central dispatch (any note), an
    agency admin (their agency's notes)."""
    if user.role in roles.DISPATCH_ROLES:
        roles.require_active(user)
        return
    if agency_id is None:
        roles.require_dispatch(user)
    else:
        roles.require_agency_admin(user, agency_id)
