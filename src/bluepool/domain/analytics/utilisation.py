"""The board's questions about the pooled fleet, answered from the dispatch timeline.

- **Utilisation** by agency and resource kind: the unit-hours committed to incidents
  (assigned to cleared, clipped to the period) over the unit-hours the units existed in
  it.
- **Idle specialised resources**: units of a specialised kind (anything but the
  collective's general kinds, ``patrol`` by default) committed less than a share of the
  period.
- **Duplication**: rarely used units of one kind, owned by different agencies, whose home
  stations lie within a drive of each other. Pooled, the group needs only as many units
  as its combined load asks at a target utilisation (at least one); each unit fewer saves
  its yearly cost.
- **Lent and borrowed**: unit-hours of units sent to another agency's incidents (an
  assignment made under an agreement), per agency and month.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Protocol

from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.resources.loans import Loan
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, JurisdictionId

_HOUR = 3600.0
#: The kinds every agency keeps many of: never idle "specialised" resources.
GENERAL_KINDS = frozenset({"patrol"})


@dataclass(frozen=True, slots=True)
class Period:
    """The half-open interval ``[start, end)`` a report covers."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise Invalid("the period must end after it starts", code="bad_period")

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / _HOUR

    def clip(self, start: datetime, end: datetime) -> float:
        """Hours of ``[start, end)`` inside the period."""
        lo, hi = max(start, self.start), min(end, self.end)
        return max(0.0, (hi - lo).total_seconds() / _HOUR)


class Asset(Protocol):
    """What the board counts: a unit, or a piece of equipment of the catalogue."""

    @property
    def id(self) -> str: ...
    @property
    def agency_id(self) -> AgencyId: ...
    @property
    def kind(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Equipment:
    """A piece of equipment as the board counts it: its owner and its resource type."""

    id: str
    agency_id: AgencyId
    kind: str


@dataclass(frozen=True, slots=True)
class Committed:
    """One unit's time on one incident, or one piece of equipment's time out on loan."""

    unit_id: str
    incident: Incident | None
    start: datetime
    end: datetime
    #: The agreement that lent it ("" for an own unit or one sent over a rule).
    agreement: str
    #: A loan's lender and borrower (a unit's come from its agency and the incident).
    lender: AgencyId | None = None
    borrower: AgencyId | None = None


def committed(incidents: Iterable[Incident], until: datetime) -> list[Committed]:
    """Every assignment of these incidents as a time span (one still active ends at
    ``until``)."""
    spans = []
    for incident in incidents:
        for a in incident.assignments:
            end = a.cleared_at or incident.closed_at or until
            if end > a.assigned_at:
                spans.append(Committed(a.unit_id, incident, a.assigned_at, end, a.agreement))
    return spans


def loan_spans(loans: Iterable[Loan], until: datetime) -> list[Committed]:
    """Every equipment loan as a time span (one still out ends at ``until``)."""
    spans = []
    for loan in loans:
        end = loan.returned_at or until
        if end > loan.out_at:
            spans.append(
                Committed(
                    loan.resource,
                    None,
                    loan.out_at,
                    end,
                    loan.agreement or "",
                    loan.lender,
                    loan.borrower,
                )
            )
    return spans


def busy_hours(spans: Iterable[Committed], period: Period) -> dict[str, float]:
    """Hours each unit or piece of equipment was committed (or out) in the period."""
    busy: dict[str, float] = defaultdict(float)
    for s in spans:
        busy[s.unit_id] += period.clip(s.start, s.end)
    return dict(busy)


@dataclass(frozen=True, slots=True)
class UtilisationRow:
    agency_id: AgencyId
    kind: str
    units: int
    busy_hours: float
    #: Busy hours over unit-hours in the period (0 to 1).
    share: float


def utilisation(
    units: Sequence[Asset], busy: Mapping[str, float], period: Period
) -> list[UtilisationRow]:
    """Utilisation by agency and kind (a unit kind, or an equipment type), ordered by
    agency then kind."""
    groups: dict[tuple[AgencyId, str], list[Asset]] = defaultdict(list)
    for u in units:
        groups[(u.agency_id, u.kind)].append(u)
    rows = []
    for (agency, kind), members in sorted(groups.items()):
        hours = sum(busy.get(u.id, 0.0) for u in members)
        rows.append(
            UtilisationRow(agency, kind, len(members), hours, hours / (len(members) * period.hours))
        )
    return rows


@dataclass(frozen=True, slots=True)
class IdleUnit:
    unit_id: str
    agency_id: AgencyId
    kind: str
    busy_hours: float
    share: float


def idle_specialised(
    units: Sequence[Asset],
    busy: Mapping[str, float],
    period: Period,
    below: float,
    general: frozenset[str] = GENERAL_KINDS,
) -> list[IdleUnit]:
    """Specialised units committed less than ``below`` of the period, least used first."""
    found = []
    for u in units:
        if u.kind in general:
            continue
        hours = busy.get(u.id, 0.0)
        share = hours / period.hours
        if share < below:
            found.append(IdleUnit(u.id, u.agency_id, u.kind, hours, share))
    return sorted(found, key=lambda i: (i.share, i.unit_id))


@dataclass(frozen=True, slots=True)
class Duplication:
    """Rarely used units of one kind, of several agencies, within a drive of each other."""

    kind: str
    units: tuple[str, ...]
    agencies: tuple[AgencyId, ...]
    #: The longest drive between two of their home stations, in minutes.
    spread_minutes: float
    busy_hours: float
    #: Units the group would need pooled, at the target utilisation (at least one).
    needed: int
    #: Yearly saving of pooling, in minor units (0 when the kind has no cost set).
    saving: int


def duplication(
    idle: Sequence[IdleUnit],
    home: Mapping[str, Location],
    drive_minutes: Callable[[Location, Location], float | None],
    within_minutes: float,
    period: Period,
    target_share: float,
    yearly_cost: Mapping[str, int],
) -> list[Duplication]:
    """Groups of idle units of one kind and several agencies whose home stations are all
    within ``within_minutes`` of each other (grown greedily from the least used unit).

    ``home`` gives each unit's home (a station's location); ``drive_minutes(a, b)`` the
    drive between two homes, None when no road joins them.
    """
    if within_minutes <= 0:
        raise Invalid("the drive must be more than 0 minutes", code="bad_within")
    if not 0 < target_share <= 1:
        raise Invalid("the target utilisation must be above 0 and at most 1", code="bad_target")
    by_kind: dict[str, list[IdleUnit]] = defaultdict(list)
    for unit in idle:
        if unit.unit_id in home:
            by_kind[unit.kind].append(unit)
    found = []
    for kind, members in sorted(by_kind.items()):
        left = list(members)
        while left:
            seed = left.pop(0)
            group, spread = [seed], 0.0
            for other in list(left):
                drives = [drive_minutes(home[g.unit_id], home[other.unit_id]) for g in group]
                if all(d is not None and d <= within_minutes for d in drives):
                    group.append(other)
                    left.remove(other)
                    spread = max(spread, *(d for d in drives if d is not None))
            agencies = tuple(sorted({g.agency_id for g in group}))
            if len(agencies) < 2:
                continue
            hours = sum(g.busy_hours for g in group)
            needed = max(1, math.ceil(hours / (period.hours * target_share)))
            spare = max(0, len(group) - needed)
            found.append(
                Duplication(
                    kind,
                    tuple(sorted(g.unit_id for g in group)),
                    agencies,
                    spread,
                    hours,
                    needed,
                    spare * yearly_cost.get(kind, 0),
                )
            )
    return found


@dataclass(frozen=True, slots=True)
class LentBorrowed:
    month: str
    agency_id: AgencyId
    lent_hours: float
    borrowed_hours: float


def lent_and_borrowed(
    spans: Iterable[Committed],
    unit_agency: Mapping[str, AgencyId],
    owners: Mapping[JurisdictionId, AgencyId],
    period: Period,
) -> list[LentBorrowed]:
    """Hours each agency lent (its units on another agency's incidents, its equipment out
    to another agency, under an agreement) and borrowed, by month of the start."""
    lent: dict[tuple[str, AgencyId], float] = defaultdict(float)
    borrowed: dict[tuple[str, AgencyId], float] = defaultdict(float)
    for s in spans:
        lender = s.lender or unit_agency.get(s.unit_id)
        borrower = s.borrower
        if borrower is None and s.incident is not None and s.incident.jurisdiction_id:
            borrower = owners.get(s.incident.jurisdiction_id)
        if not s.agreement or lender is None or borrower is None or lender == borrower:
            continue
        hours = period.clip(s.start, s.end)
        if hours <= 0:
            continue
        month = f"{max(s.start, period.start):%Y-%m}"
        lent[(month, lender)] += hours
        borrowed[(month, borrower)] += hours
    keys = sorted(set(lent) | set(borrowed))
    return [LentBorrowed(m, a, lent.get((m, a), 0.0), borrowed.get((m, a), 0.0)) for m, a in keys]


@dataclass(frozen=True, slots=True)
class BoardRules:
    """How the board report judges the fleet (the ``board`` setting; each can be given per
    report instead)."""

    #: A specialised unit committed less than this share of the period is idle.
    idle_below: float = 0.05
    #: Idle units of one kind this close (drive minutes between home stations) duplicate.
    within_minutes: float = 15.0
    #: The utilisation a pooled group may reach: it needs its load over this many units.
    target_share: float = 0.3
    #: The yearly cost of keeping one unit of a kind, in minor units (the saving's price).
    yearly_cost: Mapping[str, int] = dataclass_field(default_factory=dict)

    SETTING = "board"

    def __post_init__(self) -> None:
        if not 0 < self.idle_below <= 1:
            raise Invalid("idle_below must be above 0 and at most 1", code="bad_idle_below")
        if self.within_minutes <= 0:
            raise Invalid("within_minutes must be more than 0", code="bad_within")
        if not 0 < self.target_share <= 1:
            raise Invalid("target_share must be above 0 and at most 1", code="bad_target")
        for kind, cost in self.yearly_cost.items():
            if not isinstance(cost, int) or isinstance(cost, bool) or cost < 0:
                raise Invalid(
                    f"the yearly cost of {kind} must be a whole number of minor units, 0 or more",
                    code="bad_cost",
                )

    def value(self) -> dict[str, object]:
        """The rules as a setting's value (``of`` reads it back)."""
        return {
            "idle_below": self.idle_below,
            "within_minutes": self.within_minutes,
            "target_share": self.target_share,
            "yearly_cost": dict(sorted(self.yearly_cost.items())),
        }

    @classmethod
    def of(cls, value: Mapping[str, object]) -> BoardRules:
        """The rules from a setting's value (missing keys keep their defaults)."""
        known = {"idle_below", "within_minutes", "target_share", "yearly_cost"}
        unknown = sorted(set(value) - known)
        if unknown:
            raise Invalid(f"unknown board settings: {', '.join(unknown)}", code="bad_setting")
        default = cls()
        cost = value.get("yearly_cost", {})
        if not isinstance(cost, Mapping):
            raise Invalid("yearly_cost must map unit kinds to amounts", code="bad_setting")
        try:
            return cls(
                idle_below=_number(value.get("idle_below", default.idle_below)),
                within_minutes=_number(value.get("within_minutes", default.within_minutes)),
                target_share=_number(value.get("target_share", default.target_share)),
                yearly_cost={str(k): v for k, v in cost.items()},
            )
        except (TypeError, ValueError) as exc:
            raise Invalid(f"bad board settings: {exc}", code="bad_setting") from exc


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    return float(value)
