"""Who may read the audit log and seal it: the one place the audit use cases ask.

Analysts and collective admins read the log, verify it and export its checkpoints; only a
collective admin (or the operator at the shell) makes a checkpoint, which signs for the
collective.
"""

from __future__ import annotations

from bluepool.domain.access import roles
from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.errors import Forbidden

READERS = frozenset({Role.ANALYST, Role.COLLECTIVE_ADMIN})


def read(user: User) -> None:
    """List, verify, export a checkpoint."""
    if user.role not in READERS:
        raise Forbidden(f"{user.role.value} cannot read the audit log", rule="read_audit_log")


def checkpoint(user: User) -> None:
    """Sign the head of the log."""
    roles.require_collective_admin(user)
