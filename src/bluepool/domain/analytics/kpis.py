"""The collective's KPIs: one set of definitions, computed the same way on live incidents
and on imported history (issue 13; docs/kpis.md).

A call is reduced to its **stages**, each the first time it happened: received, entered
(the call taker finished; CAD exports often have it), dispatched (the first unit
assigned), en route, on scene (the first unit of each), and cleared (the last unit free, or
the call closed). Each KPI is the time between two stages:

| KPI | from | to |
|---|---|---|
| call processing | received | dispatched |
| queue | entered | dispatched |
| turnout | dispatched | en route |
| travel | en route (dispatched when there is no en route) | on scene |
| on scene | on scene | cleared |
| total response | received | on scene |

A KPI is missing for a call that lacks either stage (never a time assumed), and a
negative one is *doubtful* (the clocks disagree): counted apart, never in a median.
Figures are the median and the 90th percentile (linear between the two nearest values,
as ``numpy.percentile`` and DuckDB's ``quantile_cont``) and the count, by any of the
dimensions (priority, call type, jurisdiction, agency, unit kind, hour of week), with
self-initiated calls apart from those the public made.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import AgencyId, JurisdictionId, UnitId


class Stage(StrEnum):
    RECEIVED = "received"
    ENTERED = "entered"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLEARED = "cleared"


@dataclass(frozen=True, slots=True)
class Kpi:
    name: str
    label: str
    #: The first of these stages the call has starts the interval.
    start: tuple[Stage, ...]
    end: Stage


S = Stage
KPIS: tuple[Kpi, ...] = (
    Kpi("call_processing", "call processing", (S.RECEIVED,), S.DISPATCHED),
    Kpi("queue", "queue", (S.ENTERED,), S.DISPATCHED),
    Kpi("turnout", "turnout", (S.DISPATCHED,), S.EN_ROUTE),
    Kpi("travel", "travel", (S.EN_ROUTE, S.DISPATCHED), S.ON_SCENE),
    Kpi("on_scene", "on scene", (S.ON_SCENE,), S.CLEARED),
    Kpi("total_response", "total response", (S.RECEIVED,), S.ON_SCENE),
)
BY_NAME = {k.name: k for k in KPIS}


class Dimension(StrEnum):
    PRIORITY = "priority"
    CALL_TYPE = "call_type"
    JURISDICTION = "jurisdiction"
    AGENCY = "agency"
    UNIT_KIND = "unit_kind"
    HOUR_OF_WEEK = "hour_of_week"
    SELF_INITIATED = "self_initiated"


@dataclass(frozen=True, slots=True)
class Call:
    """A call as the KPIs see it, from a live incident or an imported row."""

    id: str
    priority: int | None
    call_type: str
    jurisdiction: str | None
    #: The agency that answers for the jurisdiction.
    agency: str | None
    #: The kind of the first unit dispatched ("" when none was).
    unit_kind: str
    self_initiated: bool
    stages: Mapping[Stage, datetime] = field(default_factory=dict)
    #: The agency of the first unit dispatched (None when none was, or it is not known).
    unit_agency: str | None = None
    #: Where the call was (None when it is not known).
    lat: float | None = None
    lon: float | None = None

    @property
    def served_by_other(self) -> bool:
        """The first unit came from another agency than the one that answers for it."""
        return bool(self.unit_agency and self.agency and self.unit_agency != self.agency)

    def seconds(self, kpi: Kpi) -> float | None:
        """The KPI of this call in seconds; None when a stage is missing."""
        start = next((self.stages[s] for s in kpi.start if s in self.stages), None)
        end = self.stages.get(kpi.end)
        if start is None or end is None:
            return None
        return (end - start).total_seconds()

    def key(self, dimension: Dimension, zone: ZoneInfo) -> str:
        if dimension is Dimension.PRIORITY:
            return "" if self.priority is None else str(self.priority)
        if dimension is Dimension.CALL_TYPE:
            return self.call_type
        if dimension is Dimension.JURISDICTION:
            return self.jurisdiction or ""
        if dimension is Dimension.AGENCY:
            return self.agency or ""
        if dimension is Dimension.UNIT_KIND:
            return self.unit_kind
        if dimension is Dimension.SELF_INITIATED:
            return "self-initiated" if self.self_initiated else "public"
        local = self.stages[Stage.RECEIVED].astimezone(zone)
        return f"{local.weekday() * 24 + local.hour:03d}"


def call_of(
    incident: Incident,
    owners: Mapping[JurisdictionId, AgencyId],
    units: Mapping[UnitId, tuple[AgencyId, str]],
    self_initiated: bool,
) -> Call:
    """A live incident's stages from its timeline. ``units`` gives each unit's agency and
    kind; ``self_initiated`` whether its call type is one a crew starts."""
    stages: dict[Stage, datetime] = {Stage.RECEIVED: incident.received_at}
    first_unit: UnitId | None = None
    for entry in incident.timeline:
        stage = _TIMELINE.get(entry.kind)
        if stage is not None and stage not in stages:
            stages[stage] = entry.at
        if entry.kind == "dispatched" and first_unit is None:
            first_unit = entry.unit_id
    if incident.closed_at is not None:
        stages.setdefault(Stage.CLEARED, incident.closed_at)
    agency = owners.get(incident.jurisdiction_id) if incident.jurisdiction_id else None
    unit_agency, kind = units.get(first_unit, (None, "")) if first_unit else (None, "")
    return Call(
        incident.id,
        incident.priority,
        incident.call_type,
        incident.jurisdiction_id,
        agency,
        kind,
        self_initiated,
        stages,
        unit_agency,
        incident.location.lat,
        incident.location.lon,
    )


#: The timeline kinds that mark a stage (the first of each counts).
_TIMELINE = {
    "dispatched": Stage.DISPATCHED,
    "en_route": Stage.EN_ROUTE,
    "on_scene": Stage.ON_SCENE,
    "busy": Stage.ON_SCENE,
}


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0 to 1) of sorted values, linear between the nearest two."""
    if not ordered:
        raise Invalid("no values", code="no_values")
    rank = q * (len(ordered) - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One KPI over one group of calls."""

    group: Mapping[str, str]
    kpi: str
    #: Calls with the KPI (both stages, not negative).
    count: int
    median_s: float | None
    p90_s: float | None
    #: Calls lacking a stage of it.
    missing: int
    #: Calls whose end comes before their start.
    doubtful: int


def summarise(
    calls: Iterable[Call],
    by: Sequence[Dimension] = (),
    zone: ZoneInfo | None = None,
    kpis: Sequence[Kpi] = KPIS,
) -> list[KpiRow]:
    """Every KPI for every group of ``by`` (one group of all calls without), by group."""
    tz = zone or ZoneInfo("UTC")
    values: dict[tuple[str, ...], dict[str, list[float]]] = defaultdict(
        lambda: {k.name: [] for k in kpis}
    )
    missing: dict[tuple[tuple[str, ...], str], int] = defaultdict(int)
    doubtful: dict[tuple[tuple[str, ...], str], int] = defaultdict(int)
    for call in calls:
        group = tuple(call.key(d, tz) for d in by)
        bucket = values[group]
        for kpi in kpis:
            s = call.seconds(kpi)
            if s is None:
                missing[(group, kpi.name)] += 1
            elif s < 0:
                doubtful[(group, kpi.name)] += 1
            else:
                bucket[kpi.name].append(s)
    rows = []
    for group in sorted(values):
        names = dict(zip((d.value for d in by), group, strict=True))
        for kpi in kpis:
            got = sorted(values[group][kpi.name])
            rows.append(
                KpiRow(
                    names,
                    kpi.name,
                    len(got),
                    percentile(got, 0.5) if got else None,
                    percentile(got, 0.9) if got else None,
                    missing[(group, kpi.name)],
                    doubtful[(group, kpi.name)],
                )
            )
    return rows


@dataclass(frozen=True, slots=True)
class Assistance:
    """Calls one agency answers for, served first by another agency's unit."""

    agency: str
    calls: int
    #: Its calls the first unit of another agency served.
    received: int
    #: Other agencies' calls its units served first.
    given: int

    @property
    def share_received(self) -> float:
        return self.received / self.calls if self.calls else 0.0


def assistance(calls: Iterable[Call]) -> list[Assistance]:
    """Cross-boundary assistance given and received per agency, by the first unit sent."""
    total: dict[str, int] = defaultdict(int)
    received: dict[str, int] = defaultdict(int)
    given: dict[str, int] = defaultdict(int)
    for c in calls:
        if c.agency is None:
            continue
        total[c.agency] += 1
        if c.served_by_other and c.unit_agency is not None:
            received[c.agency] += 1
            given[c.unit_agency] += 1
    agencies = sorted(set(total) | set(given))
    return [Assistance(a, total[a], received[a], given[a]) for a in agencies]
