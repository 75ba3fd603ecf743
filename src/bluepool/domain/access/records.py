"""Read models of the access context: users as others may see them (never a password hash)."""

from __future__ import annotations

from dataclasses import dataclass

from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.ids import AgencyId, UnitId, Username


@dataclass(frozen=True, slots=True)
class UserRecord:
    username: Username
    role: Role
    full_name: str
    agency: AgencyId | None
    unit_id: UnitId | None
    active: bool

    @classmethod
    def of(cls, u: User) -> UserRecord:
        return cls(u.username, u.role, u.full_name, u.agency_id, u.unit_id, u.active)
