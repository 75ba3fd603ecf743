"""How a CAD export's columns become the calls the KPIs see (docs/history.md).

A ``CallMapping`` is read from a mapping file (``adapters.files.call_mapping``) and
applied by the history store (``adapters.history``) in SQL; it is plain data here so both
may use it. An ``ImportReport`` says what an import kept, what it dropped and what it
doubted, each by reason: nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bluepool.domain.analytics.kpis import Stage
from bluepool.domain.collective.agencies import Jurisdiction


@dataclass(frozen=True, slots=True)
class Coded:
    """A column whose text values map to the collective's codes.

    ``column`` None: every call gets ``constant``. ``values`` empty: the text is kept as
    it is. ``only``: the raw values kept; a row with another is dropped (a filter, e.g.
    one agency of a shared CAD)."""

    column: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    constant: str | None = None
    only: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NamedArea:
    """An area a call is placed in by name: a jurisdiction, a centroid, or both."""

    jurisdiction: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class LatLon:
    lat: str
    lon: str


@dataclass(frozen=True, slots=True)
class WktPoint:
    """A ``POINT (lon lat)`` column, WGS84."""

    column: str


@dataclass(frozen=True, slots=True)
class Projected:
    """Easting and northing columns in a projected system (an EPSG code)."""

    x: str
    y: str
    epsg: int


@dataclass(frozen=True, slots=True)
class ByArea:
    """An area name column (a district, a beat) matched to ``areas``."""

    column: str
    areas: Mapping[str, NamedArea]


Location = LatLon | WktPoint | Projected | ByArea


@dataclass(frozen=True, slots=True)
class CallMapping:
    #: The mapping file's name, for messages.
    name: str
    #: strftime-style, as DuckDB's ``strptime`` reads it; with ``%z`` the offset is read.
    time_format: str
    #: The IANA zone of times without an offset.
    time_zone: str
    #: The column of each stage; ``received`` is required.
    stages: Mapping[Stage, str]
    #: The column of the CAD's call number; None: the file's name and row.
    id_column: str | None = None
    priority: Coded = field(default_factory=Coded)
    call_type: Coded = field(default_factory=Coded)
    #: Unmapped call types: kept as their text (counted) or the row dropped.
    drop_unmapped_call_types: bool = False
    agency: Coded = field(default_factory=Coded)
    jurisdiction: Coded = field(default_factory=Coded)
    unit_kind: Coded = field(default_factory=Coded)
    self_initiated_column: str | None = None
    #: The values of ``self_initiated_column`` that mean a crew started the call.
    self_initiated_values: tuple[str, ...] = ()
    location: Location | None = None
    #: Calls received in ``[received_from, received_until)`` only.
    received_from: datetime | None = None
    received_until: datetime | None = None
    delimiter: str = ","

    def columns(self) -> dict[str, str]:
        """Every column the mapping reads, with the mapping field that names it."""
        named: dict[str, str] = {f"stages.{s.value}": c for s, c in self.stages.items()}
        if self.id_column:
            named["id"] = self.id_column
        for label, coded in (
            ("priority", self.priority),
            ("call_type", self.call_type),
            ("agency", self.agency),
            ("jurisdiction", self.jurisdiction),
            ("unit_kind", self.unit_kind),
        ):
            if coded.column:
                named[f"{label}.column"] = coded.column
        if self.self_initiated_column:
            named["self_initiated.column"] = self.self_initiated_column
        loc = self.location
        if isinstance(loc, LatLon):
            named |= {"location.lat": loc.lat, "location.lon": loc.lon}
        elif isinstance(loc, WktPoint):
            named["location.wkt"] = loc.column
        elif isinstance(loc, Projected):
            named |= {"location.x": loc.x, "location.y": loc.y}
        elif isinstance(loc, ByArea):
            named["location.area"] = loc.column
        return named


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What one import run did, by file and by reason."""

    #: Rows read from each file.
    read: Mapping[str, int]
    imported: int
    #: Rows not imported, by reason.
    dropped: Mapping[str, int]
    #: Rows imported with something doubtful (a field left empty, clocks that disagree).
    doubtful: Mapping[str, int]
    #: Values no map had, by field: the most frequent with their counts.
    unmapped: Mapping[str, tuple[tuple[str, int], ...]]
    #: Calls with a point and no jurisdiction, placed in the one their point lies in.
    placed: int = 0
    #: Calls with a point and no jurisdiction whose point lies outside every one.
    outside: int = 0

    def lines(self) -> list[str]:
        out = [f"{sum(self.read.values())} rows read from {len(self.read)} files"]
        out.append(f"{self.imported} calls imported")
        if self.placed or self.outside:
            out.append(f"  placed in a jurisdiction by their point: {self.placed}")
        if self.outside:
            out.append(f"  doubtful: point outside every jurisdiction: {self.outside}")
        for title, counts in (("dropped", self.dropped), ("doubtful", self.doubtful)):
            for reason, n in sorted(counts.items()):
                if n:
                    out.append(f"  {title}: {reason}: {n}")
        for name, values in sorted(self.unmapped.items()):
            shown = ", ".join(f"{v!r} ({n})" for v, n in values)
            out.append(f"  unmapped {name}: {shown}")
        return out


def area_names(jurisdictions: Sequence[Jurisdiction]) -> dict[str, str]:
    """The names an imported call's area matches without the mapping listing it: each
    jurisdiction's id and name, to the jurisdiction (the collective keeps no beats)."""
    names = {str(j.id): str(j.id) for j in jurisdictions}
    for j in jurisdictions:
        names.setdefault(j.name, str(j.id))
    return names
