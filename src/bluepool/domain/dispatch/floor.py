"""What the supervisor watches on the floor: each agency's available units against its
home reserve, and each dispatcher's workload this shift.

Plain functions over the incidents and units, like the timers (``timers.running``): the
supervisor panel and the tests ask the same ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.dispatch.incidents import Incident, IncidentStatus
from bluepool.domain.dispatch.recommend import Collective, available_at_home
from bluepool.domain.dispatch.records import IncidentRecord
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.ids import AgencyId


@dataclass(frozen=True, slots=True)
class AgencyReserve:
    agency: AgencyId
    name: str
    #: Units of the agency, and those available (anywhere).
    units: int
    available: int
    #: Available in the agency's own jurisdictions: what its home reserve counts.
    available_at_home: int
    home_reserve: int
    #: At or below the reserve: the agency lends no more units from home.
    at_reserve: bool


@dataclass(frozen=True, slots=True)
class DispatcherLoad:
    actor: str
    #: Incidents the dispatcher took (received) and units they assigned, since the shift began.
    created: int
    assigned: int


def reserves(units: Sequence[Unit], collective: Collective) -> list[AgencyReserve]:
    """Every agency's available units against its home reserve, by agency id."""
    at_home = available_at_home(units, collective)
    out = []
    for agency in sorted(collective.agency_names):
        own = [u for u in units if u.agency_id == agency]
        policy = collective.policies.get(agency)
        reserve = policy.home_reserve if policy else 0
        home = at_home.get(agency, 0)
        out.append(
            AgencyReserve(
                agency,
                collective.name(agency),
                len(own),
                sum(u.status is UnitStatus.AVAILABLE for u in own),
                home,
                reserve,
                reserve > 0 and home <= reserve,
            )
        )
    return out


def workload(incidents: Iterable[Incident], since: datetime) -> list[DispatcherLoad]:
    """Incidents created and units assigned per dispatcher since ``since``, from the
    incidents' timelines; the busiest first."""
    created: dict[str, int] = {}
    assigned: dict[str, int] = {}
    for incident in incidents:
        for e in incident.timeline:
            if e.at < since:
                continue
            if e.kind == "received":
                created[e.actor] = created.get(e.actor, 0) + 1
            elif e.kind == "dispatched":
                assigned[e.actor] = assigned.get(e.actor, 0) + 1
    actors = set(created) | set(assigned)
    loads = [DispatcherLoad(a, created.get(a, 0), assigned.get(a, 0)) for a in actors]
    return sorted(loads, key=lambda d: (-(d.created + d.assigned), d.actor))


@dataclass(frozen=True, slots=True)
class FloorView:
    """The supervisor panel's figures (``GET /floor``); the pending list and the timers
    come from ``GET /pending`` and ``GET /timers``."""

    now: datetime
    #: The shift the workload counts from.
    since: datetime
    reserves: tuple[AgencyReserve, ...]
    workload: tuple[DispatcherLoad, ...]


@dataclass(frozen=True, slots=True)
class PendingCalls:
    """The calls waiting for a unit, most urgent first (priority, then the longest
    waiting): for one unit, only those it may take now."""

    items: tuple[IncidentRecord, ...]


def waiting_order(incidents: Iterable[Incident]) -> list[Incident]:
    """The open calls no unit is on, most urgent first."""
    waiting = [i for i in incidents if i.status is IncidentStatus.RECEIVED]
    return sorted(waiting, key=lambda i: (i.priority, i.received_at, i.id))
