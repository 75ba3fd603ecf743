"""Who may do what with the resource catalogue and its loans (docs/resources.md): everyone
signed in reads the catalogue and the loans; an agency's admin keeps its own agency's
resources and lends them (to an agency or an incident), and checks them back in; central
dispatch (dispatcher, supervisor) checks equipment out to an incident and back in; a
collective admin does everything."""

from __future__ import annotations

from bluepool.domain.access import roles
from bluepool.domain.access.roles import DISPATCH_ROLES, Role, User
from bluepool.domain.resources.loans import Loan
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId


def read(user: User) -> None:
    """Every signed-in user reads the catalogue and the loans (dispatch must know what
    there is and who has it)."""
    roles.require_active(user)


def keep(user: User, owner: AgencyId) -> None:
    """Add or change a resource of ``owner``: its admin (or a collective admin)."""
    roles.require_active(user)
    roles.require_agency_admin(user, owner)


def lend(user: User, owner: AgencyId, to_incident: bool) -> None:
    """Check out ``owner``'s equipment: its admin, to anyone; central dispatch, to an
    incident."""
    roles.require_active(user)
    if user.role is Role.COLLECTIVE_ADMIN:
        return
    if user.role is Role.AGENCY_ADMIN and user.agency_id == owner:
        return
    if to_incident and user.role in DISPATCH_ROLES:
        return
    what = "to an incident" if to_incident else "to an agency"
    raise Forbidden(
        f"{user.role.value} {user.username} cannot lend {owner}'s equipment {what}: its "
        "admin lends it, dispatch checks it out to incidents",
        rule="lend_resource",
    )


def take_back(user: User, loan: Loan) -> None:
    """Check a loan back in: the lender's admin, or the borrower's; central dispatch, a
    loan to an incident."""
    roles.require_active(user)
    if user.role is Role.COLLECTIVE_ADMIN:
        return
    if user.role is Role.AGENCY_ADMIN and user.agency_id in (loan.lender, loan.borrower):
        return
    if loan.incident is not None and user.role in DISPATCH_ROLES:
        return
    raise Forbidden(
        f"{user.role.value} {user.username} cannot check in loan {loan.id}: the lender's or "
        "the borrower's admin does (dispatch, a loan to an incident)",
        rule="return_loan",
    )


def notice_overdue(user: User) -> None:
    """Raise the overdue alerts: central dispatch or an admin (the shell's periodic
    ``bluepool resources overdue`` acts as a collective admin)."""
    roles.require_active(user)
    if user.role in DISPATCH_ROLES or user.role is Role.AGENCY_ADMIN:
        return
    raise Forbidden(
        f"{user.role.value} {user.username} cannot raise overdue alerts", rule="notice_overdue"
    )
