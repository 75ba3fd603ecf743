"""A whole collective as plain domain objects: what a collective file describes.

The collective file reader (``adapters.files.collective.read_collective``) builds a
``CollectiveSpec``; ``services.setup.load_collective`` writes one to the store and
``services.setup.snapshot`` reads one back; the simulator runs on one. It spans the
contexts (agencies, units, sharing agreements, users), so it sits at the top of the domain,
beside ``events``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bluepool.domain.access.roles import Role
from bluepool.domain.aid.requests import AidRules
from bluepool.domain.analytics.utilisation import BoardRules
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Station
from bluepool.domain.dispatch.closing import ClosingRules
from bluepool.domain.dispatch.command import FloorRules
from bluepool.domain.dispatch.timers import TimerLimits
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.people.certifications import Grant
from bluepool.domain.people.gating import CertificationRules
from bluepool.domain.people.personnel import Person, PersonId
from bluepool.domain.resources.catalogue import ResourceType
from bluepool.domain.resources.resources import Resource
from bluepool.domain.shared.ids import AgencyId, UnitId, Username
from bluepool.domain.sharing.agreements import Agreement


@dataclass(frozen=True, slots=True)
class UserSpec:
    """A user as a collective file gives it: a plain password or a ready hash.

    The password is hashed when the user is loaded (``services.setup``), with the
    configured hasher: the domain holds no hashing of its own.
    """

    username: Username
    role: Role
    full_name: str = ""
    agency_id: AgencyId | None = None
    unit_id: UnitId | None = None
    #: A plain password, for demo and development files; hashed on load.
    password: str | None = dataclasses.field(default=None, repr=False)
    #: A hash made by the configured ``PasswordHasher``, stored as given.
    password_hash: str | None = dataclasses.field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class CrewSpec:
    """A person on a unit in a role for the first shift: ``hours`` from the load."""

    unit_id: UnitId
    person_id: PersonId
    role: str
    hours: int = 12


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
    #: The sharing agreements (signed by both parties as the file gives them).
    agreements: tuple[Agreement, ...] = ()
    users: tuple[UserSpec, ...] = ()
    #: How the collective runs its dispatch floor (None: the defaults, not stored).
    floor: FloorRules | None = None
    #: The closing rules (dispositions, what the last unit's clear does); None: the
    #: defaults.
    closing: ClosingRules | None = None
    #: The dispatch floor's timers, per priority (``domain.dispatch.timers``).
    timers: tuple[TimerLimits, ...] = ()
    #: How the board report judges the fleet; None: the defaults.
    board: BoardRules | None = None
    #: The collective's own resource types (beside the built-in ones) and its resources:
    #: each agency's typed units and loanable equipment (``domain.resources``).
    resource_types: tuple[ResourceType, ...] = ()
    resources: tuple[Resource, ...] = ()
    #: The mutual-aid approval steps (``domain.aid.requests``; None: the defaults).
    mutual_aid: AidRules | None = None
    #: Which certifications a capability needs of its crew (None: none, not stored).
    certification_rules: CertificationRules | None = None
    #: The agencies' officers, their certifications, and the crews on shift at the load.
    personnel: tuple[Person, ...] = ()
    certifications: tuple[Grant, ...] = ()
    crews: tuple[CrewSpec, ...] = ()
    #: Things that load fine but look wrong (e.g. a station outside its agency's area).
    warnings: tuple[str, ...] = ()
