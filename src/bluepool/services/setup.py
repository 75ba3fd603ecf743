"""Set up a collective in one go: load everything a collective file describes.

A collective file (see docs/collective-file.md) is read and checked by
``adapters.files.collective.read_collective`` into a ``CollectiveSpec`` of plain domain
objects. ``load_collective`` writes that spec through ONE open unit of work, with one
commit: every agency, jurisdiction, station, unit, call type, sharing agreement and user,
and the dispatch rules when the file has them, and one event for each (so one change-log
line and one outbox row each), or nothing at all.

Loading only creates. An id that already exists in the database is refused with
``Duplicate`` (naming every colliding id) before anything is written; there is no
update-or-replace mode, so a second load of the same file changes nothing.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bluepool.domain.access.events import UserChanged
from bluepool.domain.access.records import UserRecord
from bluepool.domain.access.roles import User
from bluepool.domain.aid.requests import AidRules
from bluepool.domain.analytics.utilisation import BoardRules
from bluepool.domain.collective.events import (
    AgencyChanged,
    CallTypeChanged,
    JurisdictionChanged,
    SettingChanged,
    StationChanged,
)
from bluepool.domain.collective.records import (
    AgencyRecord,
    CallTypeRecord,
    JurisdictionRecord,
    StationRecord,
)
from bluepool.domain.collective.settings import Setting
from bluepool.domain.dispatch.command import FloorRules
from bluepool.domain.dispatch.events import UnitChanged
from bluepool.domain.dispatch.records import UnitRecord
from bluepool.domain.dispatch.timers import timers_value
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.people.crews import CrewAssignment, check_free
from bluepool.domain.people.events import CertificationChanged, CrewChanged, PersonChanged
from bluepool.domain.people.gating import CertificationRules
from bluepool.domain.resources import catalogue
from bluepool.domain.resources.events import ResourceChanged
from bluepool.domain.resources.records import ResourceRecord
from bluepool.domain.shared.errors import Duplicate
from bluepool.domain.shared.events import Action
from bluepool.domain.sharing.events import AgreementChanged
from bluepool.domain.sharing.records import AgreementRecord
from bluepool.domain.spec import CollectiveSpec, UserSpec
from bluepool.services import settings
from bluepool.services.ports import (
    Clock,
    CrewFilter,
    JurisdictionLocator,
    PasswordHasher,
    UnitOfWork,
)


def load_collective(
    uow: UnitOfWork,
    spec: CollectiveSpec,
    hasher: PasswordHasher,
    clock: Clock,
    actor: str,
    locator: JurisdictionLocator,
) -> dict[str, int]:
    """Create everything in ``spec`` and commit once; return how many of each.

    ``uow`` is open: the caller's ``with`` block discards everything if this raises.
    ``locator`` must know the spec's jurisdictions (for example a ``JurisdictionIndex``
    over them); it sets each unit's ``jurisdiction_id`` from its starting position.
    Raise ``Duplicate`` naming every id the database holds already, before writing
    anything. The events rebuild a cached jurisdiction locator once committed.
    """
    _refuse_existing(uow, spec)
    users = [_user(u, hasher) for u in spec.users]
    places = iter(locator.locate_many([u.location for u in spec.units if u.location]))
    units = [
        dataclasses.replace(
            u,
            status=UnitStatus.AVAILABLE,
            jurisdiction_id=next(places) if u.location else None,
        )
        for u in spec.units
    ]
    now = clock.now()

    new = Action.CREATED
    for a in spec.agencies:
        uow.agencies.add(a)
        uow.raise_event(AgencyChanged(now, actor, new, a.id, AgencyRecord.of(a)))
    for j in spec.jurisdictions:
        uow.jurisdictions.add(j)
        record = JurisdictionRecord.of(j, geometry=False)
        uow.raise_event(JurisdictionChanged(now, actor, new, j.id, record))
    for s in spec.stations:
        uow.stations.add(s)
        uow.raise_event(StationChanged(now, actor, new, s.id, StationRecord.of(s)))
    for u in units:
        uow.units.add(u)
        uow.raise_event(UnitChanged(now, actor, new, u.id, UnitRecord.of(u)))
    for c in spec.call_types:
        uow.call_types.add(c)
        uow.raise_event(CallTypeChanged(now, actor, new, c.code, CallTypeRecord.of(c)))
    for g in spec.agreements:
        uow.agreements.add(g, actor, now)
        uow.raise_event(AgreementChanged(now, actor, new, g.id, AgreementRecord.of(g, now)))
    for user in users:
        uow.users.add(user)
        uow.raise_event(UserChanged(now, actor, new, user.username, UserRecord.of(user)))
    for setting in _settings(spec):
        uow.settings.add(setting)
        uow.raise_event(SettingChanged(now, actor, new, setting.name, setting))
    _load_people(uow, spec, now, actor)
    types = catalogue.catalogue(spec.resource_types)
    for r in spec.resources:
        uow.resources.add(r)
        item = ResourceRecord.of(r, types[r.type], None, now)
        uow.raise_event(ResourceChanged(now, actor, new, r.id, item))
    uow.commit()
    return {
        "agencies": len(spec.agencies),
        "jurisdictions": len(spec.jurisdictions),
        "stations": len(spec.stations),
        "units": len(units),
        "call_types": len(spec.call_types),
        "agreements": len(spec.agreements),
        "users": len(users),
        "timers": len(spec.timers),
        "resource_types": len(spec.resource_types),
        "resources": len(spec.resources),
        "personnel": len(spec.personnel),
        "certifications": len(spec.certifications),
        "crews": len(spec.crews),
    }


def _load_people(uow: UnitOfWork, spec: CollectiveSpec, now: datetime, actor: str) -> None:
    """The personnel, their certifications, and the crews on their first shift: ``hours``
    from ``now``."""
    new = Action.CREATED
    agency_of = {p.id: p.agency_id for p in spec.personnel}
    for p in spec.personnel:
        uow.personnel.add(p)
        uow.raise_event(PersonChanged(now, actor, new, p.id, p, p.agency_id))
    for g in spec.certifications:
        uow.certifications.add(g)
        uow.raise_event(CertificationChanged(now, actor, new, g.id, g, agency_of[g.person_id]))
    for c in spec.crews:
        shift = CrewAssignment.of(
            uuid.uuid4().hex[:12],
            c.unit_id,
            c.person_id,
            c.role,
            now,
            now + timedelta(hours=c.hours),
        )
        check_free(shift, uow.crews.find(CrewFilter(person=c.person_id)))
        uow.crews.add(shift)
        uow.raise_event(CrewChanged(now, actor, new, shift.id, shift, agency_of[c.person_id]))


def _user(spec: UserSpec, hasher: PasswordHasher) -> User:
    """The domain user of ``spec``, its plain password (if it has one) hashed."""
    if spec.password is not None:
        password_hash = hasher.hash(spec.password)
    else:
        password_hash = spec.password_hash or ""
    return User(
        username=spec.username,
        role=spec.role,
        password_hash=password_hash,
        full_name=spec.full_name,
        agency_id=spec.agency_id,
        unit_id=spec.unit_id,
    )


#: How many colliding ids a Duplicate error names before it only counts the rest.
_NAMED = 10


def _refuse_existing(uow: UnitOfWork, spec: CollectiveSpec) -> None:
    """Raise Duplicate naming every id of ``spec`` the database already holds."""
    taken: list[str] = []
    taken += _existing("agency", uow.agencies.get, [a.id for a in spec.agencies])
    taken += _existing("jurisdiction", uow.jurisdictions.get, [j.id for j in spec.jurisdictions])
    taken += _existing("station", uow.stations.get, [s.id for s in spec.stations])
    taken += _existing("unit", uow.units.get, [u.id for u in spec.units])
    taken += _existing("call type", uow.call_types.get, [c.code for c in spec.call_types])
    taken += _existing("agreement", uow.agreements.get, [g.id for g in spec.agreements])
    taken += _existing("user", uow.users.get, [u.username for u in spec.users])
    taken += _existing("setting", uow.settings.get, [st.name for st in _settings(spec)])
    taken += _existing("resource", uow.resources.get, [r.id for r in spec.resources])
    taken += _existing("person", uow.personnel.get, [p.id for p in spec.personnel])
    taken += _existing("certification", uow.certifications.get, [g.id for g in spec.certifications])
    if taken:
        named = ", ".join(taken[:_NAMED])
        more = f" and {len(taken) - _NAMED} more" if len(taken) > _NAMED else ""
        raise Duplicate(f"already in the database, nothing loaded: {named}{more}")


def _settings(spec: CollectiveSpec) -> list[Setting]:
    """The sections of the collective's settings the file gives (``services.settings``)."""
    found = []
    if spec.floor is not None:
        found.append(Setting(FloorRules.SETTING, spec.floor.value()))
    if spec.closing is not None:
        found.append(Setting(settings.CLOSING, spec.closing.value()))
    if spec.timers:
        found.append(Setting(settings.TIMERS, timers_value(spec.timers)))
    if spec.board is not None:
        found.append(Setting(BoardRules.SETTING, spec.board.value()))
    if spec.resource_types:
        found.append(Setting(catalogue.SETTING, catalogue.setting_value(spec.resource_types)))
    if spec.mutual_aid is not None:
        found.append(Setting(AidRules.SETTING, spec.mutual_aid.value()))
    if spec.certification_rules is not None:
        rules = spec.certification_rules
        found.append(Setting(CertificationRules.SETTING, rules.value()))
    return found


def _existing(what: str, get: Callable[[Any], object | None], keys: Sequence[Any]) -> list[str]:
    return [f'{what} "{k}"' for k in keys if get(k) is not None]


def snapshot(uow: UnitOfWork) -> CollectiveSpec:
    """Read the collective as it stands in the store (for the simulator): every record but
    the users, units back at their stations."""
    return CollectiveSpec(
        agencies=tuple(uow.agencies.list()),
        jurisdictions=tuple(uow.jurisdictions.list()),
        stations=tuple(uow.stations.list()),
        units=tuple(uow.units.list()),
        call_types=tuple(uow.call_types.list()),
        agreements=tuple(uow.agreements.list()),
        floor=FloorRules.of(floor.value)
        if (floor := uow.settings.get(FloorRules.SETTING))
        else None,
        closing=uow.closing.get(),
        timers=tuple(uow.timers.get().values()),
        mutual_aid=AidRules.of(aid.value) if (aid := uow.settings.get(AidRules.SETTING)) else None,
    )
