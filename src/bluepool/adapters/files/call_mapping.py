"""The mapping file of a CAD export: which column holds each stage and dimension, and
how its values map to the collective's codes (docs/history.md).

``read_mapping(path)`` returns a ``CallMapping``; any problem raises
``MappingFileError``, one line per problem as ``FILE: FIELD: REASON (line N)``, e.g.::

    sf.yaml: location.epsg: unknown EPSG code 99999 (line 31)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pyproj import CRS
from pyproj.exceptions import CRSError

from bluepool.adapters.files.collective import (
    CollectiveFileError,
    Problem,
    _from_pydantic,
    _parse_yaml,
    _read_text,
)
from bluepool.domain.analytics.history import (
    ByArea,
    CallMapping,
    Coded,
    LatLon,
    Location,
    NamedArea,
    Projected,
    WktPoint,
)
from bluepool.domain.analytics.kpis import Stage

__all__ = ["MappingFileError", "read_mapping"]


class MappingFileError(CollectiveFileError):
    """The mapping file cannot be used; nothing was imported."""

    code = "bad_mapping_file"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Stages(_Model):
    received: str
    entered: str | None = None
    dispatched: str | None = None
    en_route: str | None = None
    on_scene: str | None = None
    cleared: str | None = None


class _Coded(_Model):
    column: str | None = None
    #: A value for every call when there is no column.
    value: str | None = None
    values: dict[str, str | int] = Field(default_factory=dict)
    only: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one(self) -> _Coded:
        if self.column is None and self.value is None:
            raise ValueError("give a column or a value")
        if self.column is not None and self.value is not None:
            raise ValueError("give a column or a value, not both")
        return self

    def coded(self) -> Coded:
        return Coded(
            self.column, {k: str(v) for k, v in self.values.items()}, self.value, tuple(self.only)
        )


class _CallType(_Coded):
    unmapped: str = Field(default="keep", pattern="^(keep|drop)$")


class _SelfInitiated(_Model):
    column: str
    values: list[str] = Field(min_length=1)


class _Area(_Model):
    jurisdiction: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _some(self) -> _Area:
        if self.jurisdiction is None and (self.lat is None or self.lon is None):
            raise ValueError("give a jurisdiction, a centroid (lat and lon), or both")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("a centroid needs both lat and lon")
        return self


class _Location(_Model):
    lat: str | None = None
    lon: str | None = None
    wkt: str | None = None
    x: str | None = None
    y: str | None = None
    epsg: int | None = None
    area: str | None = None
    areas: dict[str, _Area] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _kind(self) -> _Location:
        kinds = [
            k
            for k, given in (
                ("lat/lon", self.lat or self.lon),
                ("wkt", self.wkt),
                ("x/y", self.x or self.y or self.epsg),
                ("area", self.area),
            )
            if given
        ]
        if len(kinds) != 1:
            raise ValueError("give one of lat and lon, wkt, x and y with epsg, or area")
        if kinds[0] == "lat/lon" and not (self.lat and self.lon):
            raise ValueError("lat needs lon and lon needs lat")
        if kinds[0] == "x/y" and not (self.x and self.y and self.epsg):
            raise ValueError("x and y need each other and an epsg code")
        return self

    def location(self) -> Location:
        if self.lat and self.lon:
            return LatLon(self.lat, self.lon)
        if self.wkt:
            return WktPoint(self.wkt)
        if self.x and self.y and self.epsg:
            return Projected(self.x, self.y, self.epsg)
        areas = {k: NamedArea(a.jurisdiction, a.lat, a.lon) for k, a in self.areas.items()}
        return ByArea(self.area or "", areas)


class _Dates(_Model):
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None


class _Mapping(_Model):
    time_format: str = Field(min_length=2)
    time_zone: str
    stages: _Stages
    id: str | None = None
    priority: _Coded | None = None
    call_type: _CallType | None = None
    agency: _Coded | None = None
    jurisdiction: _Coded | None = None
    unit_kind: _Coded | None = None
    self_initiated: _SelfInitiated | None = None
    location: _Location | None = None
    dates: _Dates | None = None
    delimiter: str = Field(default=",", min_length=1, max_length=1)


def _moment(day: date | None) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)


def read_mapping(path: Path) -> CallMapping:
    """Read and check a mapping file; raise MappingFileError if it is bad."""
    try:
        data, lines = _parse_yaml(path, _read_text(path))
    except CollectiveFileError as exc:
        raise MappingFileError(path, exc.field, exc.reason, line=exc.problems[0].line) from None
    if not isinstance(data, dict):
        raise MappingFileError(path, "", "the file must be a YAML mapping with stages, ...")
    try:
        m = _Mapping.model_validate(data)
    except ValidationError as exc:
        found = [_from_pydantic(e, lines) for e in exc.errors()]
        raise MappingFileError(
            path, found[0].field, found[0].reason, line=found[0].line, more=found[1:]
        ) from None
    problems: list[Problem] = []
    try:
        ZoneInfo(m.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem(
                "time_zone",
                f"unknown time zone {m.time_zone!r} (an IANA name such as America/Los_Angeles)",
                lines.get(("time_zone",)),
            )
        )
    if m.location is not None and m.location.epsg is not None:
        try:
            CRS.from_epsg(m.location.epsg)
        except CRSError:
            problems.append(
                Problem(
                    "location.epsg",
                    f"unknown EPSG code {m.location.epsg}",
                    lines.get(("location", "epsg")),
                )
            )
    if m.priority is not None:
        problems.extend(
            Problem(f"priority.values.{k}", f"a priority is a whole number, not {v!r}", None)
            for k, v in m.priority.values.items()
            if not str(v).lstrip("-").isdigit()
        )
    if problems:
        first = problems[0]
        raise MappingFileError(path, first.field, first.reason, line=first.line, more=problems[1:])
    stages = {Stage(k): v for k, v in m.stages.model_dump().items() if v}
    dates = m.dates or _Dates()
    none = Coded()
    return CallMapping(
        name=path.name,
        time_format=m.time_format,
        time_zone=m.time_zone,
        stages=stages,
        id_column=m.id,
        priority=m.priority.coded() if m.priority else none,
        call_type=m.call_type.coded() if m.call_type else none,
        drop_unmapped_call_types=bool(m.call_type and m.call_type.unmapped == "drop"),
        agency=m.agency.coded() if m.agency else none,
        jurisdiction=m.jurisdiction.coded() if m.jurisdiction else none,
        unit_kind=m.unit_kind.coded() if m.unit_kind else none,
        self_initiated_column=m.self_initiated.column if m.self_initiated else None,
        self_initiated_values=tuple(m.self_initiated.values) if m.self_initiated else (),
        location=m.location.location() if m.location else None,
        received_from=_moment(dates.from_),
        received_until=_moment(dates.to),
        delimiter=m.delimiter,
    )
