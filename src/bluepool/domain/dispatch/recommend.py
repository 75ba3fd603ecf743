"""Recommendation: which units to send to an incident, and why.

``recommend`` filters the fleet (available, capable, crewed with the certifications its
capabilities need (``Collective.withheld``), allowed by its agency's sharing policy,
keeping every lender's home reserve), asks the travel-time model for the ETA of the rest (air
units fly straight, ``travel.Flight``; a trip partly off road is marked approximate), and
ranks them by ETA, then own agency before lent units, then lighter workload, then the more
common unit kind (never the name). It then fills the response plan: for each required
capability, the best-ranked units that have it, taking the reserves of lenders into account
across the whole plan. A specialist (a unit whose kind is not the line's capability: a dog
team on a patrol line) is then swapped for a unit of the line's own kind that arrives within
``Collective.specialist_margin_s`` of it (docs/decisions/0020). Every candidate and every
excluded unit carries its reason in words; every excluded unit also carries the code of the
rule that excluded it (``rules.RuleCode``), for programs to act on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.dispatch.rules import RuleCode
from bluepool.domain.dispatch.travel import GROUNDED, Flight, TravelTimes
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.geo import Location, format_duration
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    UnitId,
)
from bluepool.domain.sharing.policies import SharingPolicy

# The codes as final names of this module: compiled (docs/decisions/0004), each is read from a
# C static, where ``RuleCode.X`` would look up the class in the module's globals and the member
# on the class, once for every unit excluded.
_UNIT_UNAVAILABLE: Final = RuleCode.UNIT_UNAVAILABLE
_NOT_CAPABLE: Final = RuleCode.NOT_CAPABLE
_CERTIFICATION_LAPSED: Final = RuleCode.CERTIFICATION_LAPSED
_NO_POSITION: Final = RuleCode.NO_POSITION
_POLICY_FORBIDS: Final = RuleCode.POLICY_FORBIDS
_RESERVE_KEPT: Final = RuleCode.RESERVE_KEPT
_NO_ROUTE: Final = RuleCode.NO_ROUTE
#: The method of an air unit's ETA.
_BY_AIR: Final = "by air"


#: A ranked unit: (ETA, 1 if lent, workload, minus its kind's count, its number of
#: capabilities, id, unit, the plan's capabilities it may fill here, whether it stands in
#: its own agency's jurisdictions).
_Row = tuple[float, int, int, int, int, str, Unit, frozenset[str], bool]
#: A unit chosen for a line of the plan: (capability, index in the ranking).
_Pick = tuple[str, int]


@dataclass(frozen=True, slots=True)
class IncidentView:
    """What the recommender needs to know of an incident."""

    id: IncidentId
    call_type: CallTypeCode
    priority: int
    location: Location
    jurisdiction_id: JurisdictionId | None


@dataclass(frozen=True, slots=True)
class Collective:
    """The standing facts of the collective the recommender works within."""

    #: Which agency answers for each jurisdiction.
    jurisdiction_agency: Mapping[JurisdictionId, AgencyId]
    policies: Mapping[AgencyId, SharingPolicy]
    agency_names: Mapping[AgencyId, str]
    #: A specialist is not sent to fill another kind's line while a unit of that kind
    #: arrives within this many seconds of it (0: specialists rank like any unit).
    specialist_margin_s: float = 0.0
    #: How many units of each kind the fleet has: equal ranks go to the commoner kind.
    kind_counts: Mapping[str, int] = field(default_factory=dict)
    #: The capabilities each unit's crew cannot staff now, each with the reason in words
    #: (``people.gating.withheld``): a unit offers only the others.
    withheld: Mapping[UnitId, Mapping[str, str]] = field(default_factory=dict)

    def agency_of(self, jurisdiction_id: JurisdictionId | None) -> AgencyId | None:
        """Return the agency answering for a jurisdiction (None: outside all of them)."""
        return None if jurisdiction_id is None else self.jurisdiction_agency.get(jurisdiction_id)

    def name(self, agency_id: AgencyId) -> str:
        return self.agency_names.get(agency_id, agency_id)


# Candidates and exclusions are plain classes with a written-out __init__, not dataclasses:
# a recommendation makes one per unit, the simulator asks for one per call, and compiled
# by mypyc (docs/decisions/0004) such a class is built by a direct C call, where a
# dataclass or NamedTuple goes through its generated Python __init__ or __new__.
class Candidate:
    __slots__ = (
        "agency_id",
        "agency_name",
        "eta_seconds",
        "fills",
        "method",
        "note",
        "offroad_m",
        "own_agency",
        "proposed",
        "unit_id",
        "withheld",
        "workload",
    )

    def __init__(
        self,
        unit_id: UnitId,
        agency_id: AgencyId,
        eta_seconds: float,
        fills: frozenset[str],
        own_agency: bool,
        workload: int,
        method: str,
        agency_name: str,
        proposed: bool = False,
        offroad_m: float = 0.0,
        note: str = "",
        withheld: str = "",
    ) -> None:
        self.unit_id = unit_id
        self.agency_id = agency_id
        self.eta_seconds = eta_seconds
        #: Capabilities of the plan this unit may fill here.
        self.fills = fills
        self.own_agency = own_agency
        self.workload = workload
        #: How the ETA was estimated ("by road", "by straight line", "by air").
        self.method = method
        self.agency_name = agency_name
        #: True when the unit is part of the proposed response (``Recommendation.proposed``).
        self.proposed = proposed
        #: Metres of the trip off road (timed on foot): the ETA is approximate when > 0.
        self.offroad_m = offroad_m
        #: Why the plan passed the unit over or took it instead of another ("" : no note).
        self.note = note
        #: The capabilities of the plan its crew cannot staff now, and why ("": none).
        self.withheld = withheld

    def __repr__(self) -> str:
        return (
            f"Candidate({self.unit_id!r}, {self.agency_id!r}, eta={self.eta_seconds:.1f}, "
            f"fills={sorted(self.fills)}, proposed={self.proposed})"
        )

    @property
    def why(self) -> str:
        """Why the unit may serve: its own agency's, or lent under its agency's policy."""
        return f"{'own agency' if self.own_agency else 'lent by'} {self.agency_name}"

    @property
    def approximate(self) -> bool:
        """True when part of the trip is off road, timed at a walking pace."""
        return self.offroad_m > 0

    @property
    def reasons(self) -> tuple[str, ...]:
        """The ranking's reasons in words, best first."""
        eta = f"eta {self.method}: {format_duration(self.eta_seconds)}"
        if self.offroad_m > 0:
            eta += f", includes {self.offroad_m / 1000:.1f} km off road, approximate"
        elif self.method == _BY_AIR:
            eta += ", straight line at cruise speed, lift-off included"
        reasons: tuple[str, ...] = (
            eta,
            self.why,
            "has " + ", ".join(sorted(self.fills)),
            f"workload {self.workload}",
        )
        if self.withheld:
            reasons = (*reasons, self.withheld)
        return (*reasons, self.note) if self.note else reasons


class Exclusion:
    __slots__ = ("agency_id", "code", "reason", "unit_id")

    def __init__(self, unit_id: UnitId, agency_id: AgencyId, code: RuleCode, reason: str) -> None:
        self.unit_id = unit_id
        self.agency_id = agency_id
        #: The rule that excluded the unit (``rules.RuleCode``): what a program acts on.
        self.code = code
        #: The same in words, for a dispatcher: they name the status, the agency, the method.
        self.reason = reason

    def __repr__(self) -> str:
        return (
            f"Exclusion({self.unit_id!r}, {self.agency_id!r}, {self.code.value!r}, {self.reason!r})"
        )


@dataclass(frozen=True, slots=True)
class Shortfall:
    capability: str
    missing: int


@dataclass(frozen=True, slots=True)
class Recommendation:
    incident_id: IncidentId
    method: str
    candidates: tuple[Candidate, ...]
    excluded: tuple[Exclusion, ...]
    #: The units that together fill the response plan, in plan order.
    proposed: tuple[tuple[str, UnitId], ...]
    shortfalls: tuple[Shortfall, ...]


def recommend(
    incident: IncidentView,
    plan: Sequence[Requirement],
    units: Sequence[Unit],
    collective: Collective,
    travel: TravelTimes,
    on_scene: Sequence[frozenset[str]] = (),
    air: Flight = GROUNDED,
) -> Recommendation:
    """Return the ranked candidates for ``incident`` and the units excluded, with reasons.

    ``on_scene`` lists the capabilities of the units already assigned to the incident: the
    proposed response fills only what they leave of the plan. ``air`` names the unit kinds
    that fly (straight, at cruise speed) instead of using ``travel``. Never raises for a
    valid incident: a unit with no route to it is excluded (``no_route``).
    """
    needed = frozenset(r.capability for r in plan)
    home_agency = collective.agency_of(incident.jurisdiction_id)
    # Counted when a lender's unit at home meets a reserve: no other check can fail.
    at_home: dict[AgencyId, int] | None = None
    excluded: list[Exclusion] = []
    eligible: list[tuple[Unit, frozenset[str], bool]] = []
    lends_cache: dict[tuple[AgencyId, frozenset[str]], frozenset[str]] = {}
    owners = collective.jurisdiction_agency
    withheld = collective.withheld
    #: The plan's capabilities withheld from a unit that stays a candidate, in words.
    not_for: dict[UnitId, str] = {}
    for u in units:
        if u.status is not UnitStatus.AVAILABLE:
            busy = f" on incident {u.incident_id}" if u.incident_id else ""
            excluded.append(
                Exclusion(
                    u.id, u.agency_id, _UNIT_UNAVAILABLE, f"not available: {u.status.value}{busy}"
                )
            )
            continue
        caps = u.capabilities & needed
        if not caps:
            excluded.append(
                Exclusion(u.id, u.agency_id, _NOT_CAPABLE, "lacks " + " or ".join(sorted(needed)))
            )
            continue
        if withheld:
            lapsed = withheld.get(u.id)
            if lapsed:
                staffed = frozenset(c for c in caps if c not in lapsed)
                if not staffed:
                    why = (
                        "; ".join(f"{c}: {lapsed[c]}" for c in sorted(caps))
                        if len(caps) > 1
                        else lapsed[next(iter(caps))]
                    )
                    excluded.append(Exclusion(u.id, u.agency_id, _CERTIFICATION_LAPSED, why))
                    continue
                kept_out = sorted(c for c in caps if c in lapsed)
                if kept_out:
                    not_for[u.id] = "; ".join(f"not for {c}: {lapsed[c]}" for c in kept_out)
                caps = staffed
        if u.location is None:
            excluded.append(Exclusion(u.id, u.agency_id, _NO_POSITION, "position unknown"))
            continue
        home = u.jurisdiction_id is not None and owners.get(u.jurisdiction_id) == u.agency_id
        if u.agency_id == home_agency:
            eligible.append((u, caps, home))
            continue
        policy = collective.policies.get(u.agency_id)
        lent = lends_cache.get((u.agency_id, caps))
        if lent is None:
            lent = (
                policy.lends(
                    incident.jurisdiction_id,
                    incident.call_type,
                    incident.priority,
                    caps,
                )
                if policy
                else frozenset()
            )
            lends_cache[(u.agency_id, caps)] = lent
        if not lent:
            where = (
                f"to {incident.jurisdiction_id}"
                if incident.jurisdiction_id
                else "outside the collective's jurisdictions"
            )
            excluded.append(
                Exclusion(
                    u.id,
                    u.agency_id,
                    _POLICY_FORBIDS,
                    f"agency {collective.name(u.agency_id)} does not lend "
                    f"{'/'.join(sorted(caps))} {where} for {incident.call_type} "
                    f"P{incident.priority}",
                )
            )
            continue
        assert policy is not None
        if home and policy.home_reserve:
            if at_home is None:
                at_home = available_at_home(units, collective)
            if at_home.get(u.agency_id, 0) - 1 < policy.home_reserve:
                excluded.append(
                    Exclusion(u.id, u.agency_id, _RESERVE_KEPT, _reserve_reason(collective, policy))
                )
                continue
        eligible.append((u, lent, home))

    origins: list[Location] = []
    for u, *_ in eligible:
        if u.location is not None and not air.flies(u.kind):
            origins.append(u.location)
    etas, offroad = travel.trips(origins, incident.location) if origins else ([], [])
    counts = collective.kind_counts
    ranked: list[_Row] = []
    offroad_of: dict[UnitId, float] = {}
    flown: set[UnitId] = set()
    g = 0
    for u, caps, home in eligible:
        here = u.location
        assert here is not None
        if air.flies(u.kind):
            eta = air.seconds(u.kind, here, incident.location)
            flown.add(u.id)
        else:
            by_road, off = etas[g], offroad[g]
            g += 1
            if by_road is None:
                excluded.append(
                    Exclusion(
                        u.id,
                        u.agency_id,
                        _NO_ROUTE,
                        f"no route {travel.method} from its position to the incident",
                    )
                )
                continue
            eta = by_road
            if off > 0:
                offroad_of[u.id] = off
        own = 0 if u.agency_id == home_agency else 1
        rarity = -counts.get(u.kind, 0)
        ranked.append((eta, own, u.workload, rarity, len(u.capabilities), u.id, u, caps, home))
    # By ETA, then own agency first, then lighter workload, then the commoner kind, then the
    # less versatile unit, then id (only units alike in all that are left, to be
    # deterministic): ids are unique, so the comparison never reaches the Unit.
    ranked.sort()

    picks, shortfalls = _fill_plan(
        plan, ranked, at_home or {}, collective.policies, home_agency, on_scene
    )
    notes: dict[int, str] = {}
    if collective.specialist_margin_s > 0:
        picks, notes = _spare_specialists(
            picks, plan, ranked, collective.specialist_margin_s, collective.policies, home_agency
        )
    chosen = {i for _, i in picks}
    method = travel.method
    names = collective.agency_names
    candidates = tuple(
        Candidate(
            u.id,
            u.agency_id,
            eta,
            caps,
            own == 0,
            u.workload,
            _BY_AIR if u.id in flown else method,
            names.get(u.agency_id, u.agency_id),
            i in chosen,
            offroad_of.get(u.id, 0.0),
            notes.get(i, ""),
            not_for.get(u.id, ""),
        )
        for i, (eta, own, _, _, _, _, u, caps, _) in enumerate(ranked)
    )
    proposed = tuple((cap, ranked[i][6].id) for cap, i in picks)
    return Recommendation(
        incident.id, travel.method, candidates, tuple(excluded), proposed, shortfalls
    )


def _spare_specialists(
    picks: list[_Pick],
    plan: Sequence[Requirement],
    ranked: Sequence[_Row],
    margin: float,
    policies: Mapping[AgencyId, SharingPolicy],
    home_agency: AgencyId | None,
) -> tuple[list[_Pick], dict[int, str]]:
    """Swap each specialist chosen for another kind's line (a dog team on a patrol line) for
    the best-ranked unit of the line's own kind not chosen yet that arrives within
    ``margin`` seconds of it; return the picks and the notes that say so, by rank index.

    The swap keeps the line filled and every other pick as it was. A lender's unit at home
    whose agency keeps a reserve is not swapped in (the reserve was counted for the picks
    as they were)."""
    chosen = {i for _, i in picks}
    notes: dict[int, str] = {}
    out: list[_Pick] = []
    for cap, i in picks:
        specialist = ranked[i][6]
        if specialist.kind != cap:
            limit = ranked[i][0] + margin
            for j, (eta, *_, v, caps, home) in enumerate(ranked):
                if eta > limit:
                    break
                if j in chosen or v.kind != cap or cap not in caps:
                    continue
                if home and v.agency_id != home_agency and policies[v.agency_id].home_reserve:
                    continue
                chosen.discard(i)
                chosen.add(j)
                notes[i] = (
                    f"passed over for {cap}: {v.id} ({v.kind}) arrives within "
                    f"{_minutes(margin)} of it, keeping the {specialist.kind} free"
                )
                notes[j] = f"sent for {cap} instead of {specialist.kind} unit {specialist.id}"
                i = j
                break
        out.append((cap, i))
    order = {r.capability: n for n, r in enumerate(plan)}
    out.sort(key=lambda p: (order[p[0]], p[1]))
    return out, notes


def available_at_home(units: Sequence[Unit], collective: Collective) -> dict[AgencyId, int]:
    """How many available units each agency has in its own jurisdictions: what its home
    reserve counts."""
    counts: dict[AgencyId, int] = {}
    owners = collective.jurisdiction_agency
    for u in units:
        j = u.jurisdiction_id
        if u.status is UnitStatus.AVAILABLE and j is not None and owners.get(j) == u.agency_id:
            counts[u.agency_id] = counts.get(u.agency_id, 0) + 1
    return counts


def _reserve_reason(collective: Collective, policy: SharingPolicy) -> str:
    n = policy.home_reserve
    return (
        f"agency {collective.name(policy.agency_id)} keeps {n} unit{'s' if n != 1 else ''} at home"
    )


def _minutes(seconds: float) -> str:
    """A margin in words: '2 min', '90 s'."""
    s = round(seconds)
    return f"{s // 60} min" if s % 60 == 0 else format_duration(s)


def _fill_plan(
    plan: Sequence[Requirement],
    ranked: Sequence[_Row],
    at_home: Mapping[AgencyId, int],
    policies: Mapping[AgencyId, SharingPolicy],
    home_agency: AgencyId | None,
    on_scene: Sequence[frozenset[str]],
) -> tuple[list[_Pick], tuple[Shortfall, ...]]:
    """Choose the best-ranked set of units that fills as much of the plan as can be filled.

    The plan's lines become slots (two patrol cars: two slots). Units are taken in rank
    order; a unit joins when it can be matched to a slot, possibly by moving units already
    chosen to other slots they can also fill (an augmenting path, as in bipartite
    matching). Taking units greedily in rank order this way gives the best-ranked set among
    those that fill the most slots (the sets that can be matched form a matroid). A lender's
    home units join only while the agency keeps its reserve across the whole plan. Units
    already on the incident take their slots first.
    """
    if len(plan) == 1 and plan[0].count == 1 and not on_scene:
        return _fill_one(plan[0].capability, ranked, at_home, policies, home_agency)
    slots = [r.capability for r in plan for _ in range(r.count)]
    holder: list[int | None] = [None] * len(slots)
    lent_from_home: dict[AgencyId, int] = {}
    # Rows 0..k-1 are the units already assigned; row k + i is ranked[i].
    caps_of = [*on_scene, *(row[7] for row in ranked)]
    k = len(on_scene)

    filled = sum(1 for row in range(k) if _augment(row, set(), slots, holder, caps_of))
    for row, (*_, u, caps, home) in enumerate(ranked, start=k):
        if filled == len(slots):
            break
        if caps.isdisjoint(slots):
            continue
        lender = home and u.agency_id != home_agency
        if lender:
            lent = lent_from_home.get(u.agency_id, 0)
            reserve = policies[u.agency_id].home_reserve
            if reserve and at_home.get(u.agency_id, 0) - lent - 1 < reserve:
                continue
        if _augment(row, set(), slots, holder, caps_of):
            filled += 1
            if lender:
                lent_from_home[u.agency_id] = lent_from_home.get(u.agency_id, 0) + 1
    chosen: dict[str, list[int]] = {}
    for cap, h in zip(slots, holder, strict=True):
        if h is not None and h >= k:
            chosen.setdefault(cap, []).append(h - k)
    # In plan order, and within a line in rank order.
    proposed = [(r.capability, h) for r in plan for h in sorted(chosen.get(r.capability, []))]
    missing: dict[str, int] = {}
    for cap, h in zip(slots, holder, strict=True):
        if h is None:
            missing[cap] = missing.get(cap, 0) + 1
    shortfalls = [
        Shortfall(r.capability, missing[r.capability]) for r in plan if r.capability in missing
    ]
    return proposed, tuple(shortfalls)


def slots_filled(slots: Sequence[str], units: Sequence[frozenset[str]]) -> int:
    """The most of ``slots`` (capabilities) the units can fill, one slot each."""
    holder: list[int | None] = [None] * len(slots)
    return sum(1 for row in range(len(units)) if _augment(row, set(), slots, holder, units))


def _augment(
    row: int,
    seen: set[int],
    slots: Sequence[str],
    holder: list[int | None],
    caps_of: Sequence[frozenset[str]],
) -> bool:
    """Place unit ``row`` in a slot, moving the holders of the slots it can fill to other
    slots if need be (Kuhn's augmenting path); False when it cannot be placed."""
    caps = caps_of[row]
    for s, cap in enumerate(slots):
        if cap in caps and s not in seen:
            seen.add(s)
            current = holder[s]
            if current is None or _augment(current, seen, slots, holder, caps_of):
                holder[s] = row
                return True
    return False


def _fill_one(
    capability: str,
    ranked: Sequence[_Row],
    at_home: Mapping[AgencyId, int],
    policies: Mapping[AgencyId, SharingPolicy],
    home_agency: AgencyId | None,
) -> tuple[list[_Pick], tuple[Shortfall, ...]]:
    """``_fill_plan`` for the commonest plan, one unit of one capability: the best-ranked
    unit that has it and whose agency may lend it."""
    for i, (*_, u, caps, home) in enumerate(ranked):
        if capability not in caps:
            continue
        if home and u.agency_id != home_agency:
            reserve = policies[u.agency_id].home_reserve
            if reserve and at_home.get(u.agency_id, 0) - 1 < reserve:
                continue
        return [(capability, i)], ()
    return [], (Shortfall(capability, 1),)
