"""Set up a collective in one go: load everything a collective file describes.

A collective file (see docs/collective-file.md) is read and checked by
``adapters.files.collective.read_collective`` into a ``CollectiveSpec`` of plain domain
objects. ``load_collective`` writes that spec in ONE unit of work: every agency,
jurisdiction, station, unit, call type, sharing policy and user, and one change record
for each, or nothing at all.

Loading only creates. An id that already exists in the database is refused with
``Duplicate`` (naming every colliding id) before anything is written; there is no
update-or-replace mode, so a second load of the same file changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bluepool.domain.access import Role, User
from bluepool.domain.agencies import Agency, CallType, Jurisdiction, Station
from bluepool.domain.errors import Duplicate
from bluepool.domain.ids import AgencyId, UnitId, Username
from bluepool.domain.sharing import SharingPolicy
from bluepool.domain.units import Unit, UnitStatus
from bluepool.services.ports import (
    ChangeRecord,
    Clock,
    JurisdictionLocator,
    PasswordHasher,
    UnitOfWork,
)


@dataclass(frozen=True, slots=True)
class UserSpec:
    """A user as a collective file gives it: a plain password or a ready hash."""

    username: Username
    role: Role
    full_name: str = ""
    agency_id: AgencyId | None = None
    unit_id: UnitId | None = None
    #: A plain password, for demo and development files; hashed on load.
    password: str | None = dataclasses.field(default=None, repr=False)
    #: A hash made by the configured ``PasswordHasher``, stored as given.
    password_hash: str | None = dataclasses.field(default=None, repr=False)

    def to_user(self, hasher: PasswordHasher) -> User:
        """Return the domain user, hashing a plain password."""
        if self.password is not None:
            password_hash = hasher.hash(self.password)
        else:
            password_hash = self.password_hash or ""
        return User(
            username=self.username,
            role=self.role,
            password_hash=password_hash,
            full_name=self.full_name,
            agency_id=self.agency_id,
            unit_id=self.unit_id,
        )


@dataclass(frozen=True, slots=True)
class CollectiveSpec:
    """A whole collective, checked and ready to load.

    Units stand at their station, available; their jurisdiction is set on load.
    """

    agencies: tuple[Agency, ...] = ()
    jurisdictions: tuple[Jurisdiction, ...] = ()
    stations: tuple[Station, ...] = ()
    units: tuple[Unit, ...] = ()
    call_types: tuple[CallType, ...] = ()
    policies: tuple[SharingPolicy, ...] = ()
    users: tuple[UserSpec, ...] = ()
    #: Things that load fine but look wrong (e.g. a station outside its agency's area).
    warnings: tuple[str, ...] = ()


def load_collective(
    uow: UnitOfWork,
    spec: CollectiveSpec,
    hasher: PasswordHasher,
    clock: Clock,
    actor: str,
    locator: JurisdictionLocator,
) -> dict[str, Any]:
    """Create everything in ``spec`` in one transaction and return what was created.

    ``locator`` must know the spec's jurisdictions (for example a ``JurisdictionIndex``
    over them and the ones already stored); it sets each unit's ``jurisdiction_id``
    from the unit's starting position. Raise ``Duplicate`` naming every id that exists
    already; then nothing is written. Afterwards a cached locator is out of date.
    """
    users = [
        u.to_user(hasher) for u in spec.users
    ]  # slow hashing: outside the transaction
    located = locator.locate_many([u.location for u in spec.units if u.location])
    where = iter(located)
    units = [
        dataclasses.replace(
            u,
            status=UnitStatus.AVAILABLE,
            jurisdiction_id=next(where) if u.location else None,
            events=[],
        )
        for u in spec.units
    ]
    with uow:
        _refuse_existing(uow, spec)
        now = clock.now()

        def record(entity: str, entity_id: str, **data: Any) -> None:
            uow.changes.add(ChangeRecord(now, actor, "create", entity, entity_id, data))

        for agency in spec.agencies:
            uow.agencies.add(dataclasses.replace(agency))
            record("agency", agency.id, name=agency.name)
        for j in spec.jurisdictions:
            uow.jurisdictions.add(dataclasses.replace(j))
            record("jurisdiction", j.id, name=j.name, agency_id=j.agency_id)
        for station in spec.stations:
            uow.stations.add(dataclasses.replace(station))
            record(
                "station", station.id, name=station.name, agency_id=station.agency_id
            )
        for unit in units:
            uow.units.add(unit)
            record(
                "unit",
                unit.id,
                agency_id=unit.agency_id,
                kind=unit.kind,
                capabilities=sorted(unit.capabilities),
                station_id=unit.station_id,
                jurisdiction_id=unit.jurisdiction_id,
            )
        for ct in spec.call_types:
            uow.call_types.add(dataclasses.replace(ct))
            record(
                "call_type", ct.code, name=ct.name, default_priority=ct.default_priority
            )
        for policy in spec.policies:
            uow.policies.add(policy)
            record(
                "sharing_policy",
                policy.agency_id,
                home_reserve=policy.home_reserve,
                rules=[r.describe() for r in policy.rules],
            )
        for user in users:
            uow.users.add(user)
            record(
                "user", user.username, role=user.role.value, agency_id=user.agency_id
            )
        uow.commit()

    unplaced = sorted(u.id for u in units if u.jurisdiction_id is None)
    return {
        "agencies": len(spec.agencies),
        "jurisdictions": len(spec.jurisdictions),
        "stations": len(spec.stations),
        "units": len(units),
        "call_types": len(spec.call_types),
        "policies": len(spec.policies),
        "users": len(users),
        "units_outside_jurisdictions": unplaced,
        "warnings": list(spec.warnings),
    }


def _refuse_existing(uow: UnitOfWork, spec: CollectiveSpec) -> None:
    """Raise Duplicate naming every id of ``spec`` the database already holds."""
    taken: list[str] = []
    taken += _existing("agency", uow.agencies.get, [a.id for a in spec.agencies])
    taken += _existing(
        "jurisdiction", uow.jurisdictions.get, [j.id for j in spec.jurisdictions]
    )
    taken += _existing("station", uow.stations.get, [s.id for s in spec.stations])
    taken += _existing("unit", uow.units.get, [u.id for u in spec.units])
    taken += _existing(
        "call type", uow.call_types.get, [c.code for c in spec.call_types]
    )
    taken += _existing(
        "sharing policy of agency",
        uow.policies.get,
        [p.agency_id for p in spec.policies],
    )
    taken += _existing("user", uow.users.get, [u.username for u in spec.users])
    if taken:
        raise Duplicate("already in the database, nothing loaded: " + ", ".join(taken))


def _existing(
    what: str, get: Callable[[Any], object | None], keys: Sequence[str]
) -> list[str]:
    return [f'{what} "{k}"' for k in keys if get(k) is not None]
