"""Who may do what on the dispatch floor: the one place the dispatch use cases ask.

Every signed-in user reads the fleet and the incidents (an officer sees the calls around
them); central dispatch (dispatchers, supervisors, the collective admin) takes calls,
assigns, closes and acknowledges timers; supervisors (and the collective admin) read
the supervisor panel; a unit's status and position are set by dispatch, by its own agency's
admin, or by the officer who crews it (one fix or a gateway's batch alike); a unit's
position history is read by those and by the analysts; an agency's admin keeps its fleet's
records.
"""

from __future__ import annotations

from bluepool.domain.access import roles
from bluepool.domain.access.roles import Role, User
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
