"""The collective file: a whole collective described in one YAML file.

``read_collective(path)`` parses the file, resolves the GeoJSON files it refers to,
checks every field and every cross-reference, and returns a ``CollectiveSpec`` of plain
domain objects for ``services.setup.load_collective``. Any problem raises
``CollectiveFileError``, which lists every problem found, one line each, as
``FILE: FIELD: REASON (line N)``, for example::

    demo.yaml: units[12].station: no station "vaduz-north" in agency "vaduz" (line 140)

The format is documented in docs/collective-file.md. Two checks are errors on purpose,
because in a file written by hand they are nearly always typos: a capability named in a
response plan or agreement clause that no unit has, and a reference to an id that does not
exist. Things that load fine but look wrong (a station outside its agency's
jurisdictions, two jurisdictions that overlap) are ``CollectiveSpec.warnings``.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import shapely
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    ValidationError,
)
from shapely.geometry import shape

from bluepool.domain.access.roles import Role
from bluepool.domain.aid.requests import AidRules, Step
from bluepool.domain.analytics.utilisation import BoardRules
from bluepool.domain.collective.agencies import (
    Agency,
    CallType,
    Jurisdiction,
    Requirement,
    Station,
    emergency_clash,
)
from bluepool.domain.dispatch.closing import ClosingRules, Disposition
from bluepool.domain.dispatch.command import FloorRules
from bluepool.domain.dispatch.timers import TimerLimits
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.people.certifications import MAX_VALID_DAYS, Grant
from bluepool.domain.people.crews import MAX_SHIFT_HOURS
from bluepool.domain.people.gating import CertificationRules, Needs
from bluepool.domain.people.personnel import Person, PersonId
from bluepool.domain.resources.catalogue import ResourceKind, ResourceType, catalogue
from bluepool.domain.resources.resources import MAX_NOTES, Condition, Resource, ResourceId, Window
from bluepool.domain.shared.errors import DomainError, Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    JurisdictionId,
    StationId,
    UnitId,
    Username,
    check_id,
)
from bluepool.domain.shared.money import parse_amount
from bluepool.domain.sharing.agreements import (
    COLLECTIVE,
    Agreement,
    AgreementId,
    Clause,
    Rates,
    Signature,
    Stage,
)
from bluepool.domain.spec import CollectiveSpec, CrewSpec, UserSpec
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.geo.shapes import BadGeometry, polygonal

__all__ = [
    "CollectiveFileError",
    "CollectiveSpec",
    "Problem",
    "UserSpec",
    "read_collective",
]

MAX_PROBLEMS = 50

Loc = tuple[str | int, ...]


# -- errors --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a collective file: where (a field path) and why."""

    field: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        at = f" (line {self.line})" if self.line else ""
        return f"{where}{self.reason}{at}"


class CollectiveFileError(Invalid):
    """The collective file cannot be loaded; nothing was.

    ``field`` and ``reason`` are the first problem's; ``problems`` lists them all.
    """

    code = "bad_collective_file"

    def __init__(
        self,
        path: Path | str,
        field: str,
        reason: str,
        *,
        line: int | None = None,
        more: Sequence[Problem] = (),
    ) -> None:
        self.path = Path(path)
        self.field = field
        self.reason = reason
        self.problems = (Problem(field, reason, line), *more)
        lines = [f"{path}: {p}" for p in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) > MAX_PROBLEMS:
            lines.append(f"{path}: ... and {len(self.problems) - MAX_PROBLEMS} more")
        super().__init__("\n".join(lines))

    @classmethod
    def of(cls, path: Path | str, problems: Sequence[Problem]) -> CollectiveFileError:
        first, *rest = problems
        return cls(path, first.field, first.reason, line=first.line, more=rest)


# -- the file's schema ---------------------------------------------------------


def _checked_id(kind: str) -> AfterValidator:
    """Validate with the one id grammar, as a pydantic error (so the field is named)."""

    def check(value: str) -> str:
        try:
            return check_id(kind, value)
        except Invalid as exc:
            raise ValueError(exc.detail) from None

    return AfterValidator(check)


Slug = Annotated[str, _checked_id("id")]
Slugs = Annotated[list[Slug], Field(min_length=1)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Priority = Annotated[int, Field(strict=True, ge=1, le=5)]
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgencyModel(_Model):
    id: Slug
    name: Name
    #: What agencies lent before agreements: refused, with a pointer to ``agreements``.
    sharing: Any = None


# -- agreements (also the whole of an agreements file, ``adapters.files.agreements``) ------


def _amount(value: Any) -> int:
    if isinstance(value, (bool, float)):
        raise ValueError(f"{value!r} is not exact: write whole units (120) or a string ('120.50')")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is below zero")
        return value * 100
    if isinstance(value, str):
        try:
            minor = parse_amount("amount", value)
        except DomainError:
            raise ValueError(f"{value!r} is not an amount such as 120 or '120.50'") from None
        if minor < 0:
            raise ValueError(f"{value!r} is below zero")
        return minor
    raise ValueError(f"{value!r} is not an amount")


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value.isoformat()} has no time zone offset")
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            if len(value) == len("2027-01-01"):
                return _moment(date.fromisoformat(value))
            return _moment(datetime.fromisoformat(value))
        except ValueError as exc:
            if "time zone" in str(exc):
                raise
            raise ValueError(f"{value!r} is not an ISO date or time") from None
    raise ValueError(f"{value!r} is not a date")


Amount = Annotated[int, BeforeValidator(_amount)]
Moment = Annotated[datetime, BeforeValidator(_moment)]


class RatesModel(_Model):
    per_hour: dict[str, Amount] = Field(default_factory=dict)
    standby_per_hour: dict[str, Amount] = Field(default_factory=dict)
    per_day: dict[str, Amount] = Field(default_factory=dict)
    minimum: Amount = 0


class ClauseModel(_Model):
    lender: Slug
    capabilities: Slugs | None = None
    resource_types: Slugs | None = None
    call_types: Slugs | None = None
    jurisdictions: Slugs | None = None
    max_priority: Priority = 5
    home_reserve: Annotated[int, Field(strict=True, ge=0)] = 0
    max_loan_hours: Annotated[int, Field(strict=True, gt=0)] | None = None
    rates: RatesModel = RatesModel()


class AgreementModel(_Model):
    id: Slug
    title: Name
    parties: Annotated[list[Slug], Field(min_length=2, max_length=2)]
    valid_from: Moment
    valid_until: Moment | None = None
    clauses: Annotated[list[ClauseModel], Field(min_length=1)]
    #: In a collective file: signed (by both parties, in force as written) unless given
    #: as a draft or a proposal. An agreements file's are drafts whatever this says.
    stage: Literal["draft", "proposed", "signed"] = "signed"


def agreement_of(a: AgreementModel, stage: Stage = Stage.DRAFT) -> Agreement:
    """The agreement a checked model describes, at ``stage`` (signed: by both parties, by
    "collective file", on its first day)."""
    parties = (AgencyId(a.parties[0]), AgencyId(a.parties[1]))
    signed = stage is Stage.SIGNED
    return Agreement(
        AgreementId(a.id),
        a.title,
        parties,
        tuple(
            Clause.of(**c.model_dump(exclude={"rates"}), rates=Rates(**c.rates.model_dump()))
            for c in a.clauses
        ),
        a.valid_from,
        a.valid_until,
        stage=stage,
        signatures=tuple(Signature(p, SIGNED_BY_FILE, a.valid_from) for p in parties)
        if signed
        else (),
    )


#: Who signed the agreements a collective file gives as signed.
SIGNED_BY_FILE = "collective file"


class InlineGeometry(_Model):
    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any]


class GeometryFile(_Model):
    #: A GeoJSON file, relative to the collective file and inside its folder.
    file: Annotated[str, Field(min_length=1)]
    #: Properties the one feature to take has; omitted: the file holds one feature.
    where: dict[str, Any] | None = None


def _geometry_kind(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return "reference" if "file" in value else "inline"
    return None


_GEOMETRY_TAGS = frozenset({"inline", "reference"})

Geometry = Annotated[
    Annotated[InlineGeometry, Tag("inline")] | Annotated[GeometryFile, Tag("reference")],
    Discriminator(
        _geometry_kind,
        custom_error_type="bad_geometry",
        custom_error_message="give a GeoJSON geometry (type, coordinates) "
        "or a GeoJSON file (file, where)",
    ),
]


class JurisdictionModel(_Model):
    id: Slug
    name: Name
    agency: Slug
    geometry: Geometry


class StationModel(_Model):
    id: Slug
    agency: Slug
    name: Name
    lat: Latitude
    lon: Longitude


class UnitModel(_Model):
    id: Slug
    agency: Slug
    kind: Slug
    station: Slug
    name: Annotated[str, Field(max_length=200)] = ""
    #: Omitted: the unit's kind is its one capability.
    capabilities: Slugs | None = None


class RequirementModel(_Model):
    capability: Slug
    count: Annotated[int, Field(strict=True, ge=1, le=50)] = 1


class CallTypeModel(_Model):
    code: Slug
    name: Name
    default_priority: Priority = 3
    plan: Annotated[list[RequirementModel], Field(min_length=1)]
    self_initiated: StrictBool = False
    emergency: StrictBool = False


class DispositionModel(_Model):
    code: Slug
    name: Name
    #: Omitted: it closes every call type.
    call_types: Slugs | None = None


class ClosingModel(_Model):
    #: Omitted: the default list (docs/collective-file.md).
    dispositions: Annotated[list[DispositionModel], Field(min_length=1)] | None = None
    last_unit_clear_closes: Annotated[bool, Field(strict=True)] = True


class UserModel(_Model):
    username: Annotated[str, _checked_id("username")]
    role: Role
    full_name: Annotated[str, Field(max_length=200)] = ""
    agency: Slug | None = None
    unit: Slug | None = None
    password: Annotated[str, Field(min_length=1)] | None = None
    password_hash: Annotated[str, Field(min_length=1)] | None = None


class DispatchModel(_Model):
    """How the collective runs its dispatch floor."""

    dispatchers_may_override: Annotated[bool, Field(strict=True)] = False
    specialist_margin_s: Annotated[int, Field(strict=True, ge=0, le=3600)] = 120


Seconds = Annotated[int, Field(strict=True, ge=1)]


class TimersModel(_Model):
    """One priority's timers; an omitted timer does not run for it."""

    priority: Priority
    unassigned_s: Seconds | None = None
    dispatched_not_enroute_s: Seconds | None = None
    welfare_check_s: Seconds | None = None


class BoardModel(_Model):
    """How the board report judges the fleet (``domain.analytics.utilisation.BoardRules``)."""

    idle_below: Annotated[float, Field(gt=0, le=1)] = 0.05
    within_minutes: Annotated[float, Field(gt=0, le=240)] = 15.0
    target_share: Annotated[float, Field(gt=0, le=1)] = 0.3
    #: What keeping one unit of a kind costs a year (CHF: whole francs, or a string).
    yearly_cost: dict[str, Amount] = Field(default_factory=dict)


class ResourceTypeModel(_Model):
    id: Slug
    name: Name
    kind: ResourceKind


class WindowModel(_Model):
    start: Moment
    end: Moment


class ResourceModel(_Model):
    id: Slug
    type: Slug
    name: Name
    owner: Slug
    #: The owner's station it is kept at (omitted: none).
    station: Slug | None = None
    condition: Condition = Condition.SERVICEABLE
    maintenance_notes: Annotated[str, Field(max_length=MAX_NOTES)] = ""
    #: When it may be lent (omitted: at any time).
    windows: list[WindowModel] = []


def _each_once(steps: list[Step]) -> list[Step]:
    if len(set(steps)) != len(steps):
        raise ValueError("a step is named twice")
    return steps


class MutualAidModel(_Model):
    """How the collective approves mutual-aid requests: the steps, in order."""

    approval_steps: Annotated[
        list[Step], Field(min_length=1, max_length=len(Step)), AfterValidator(_each_once)
    ]


class NeedModel(_Model):
    """A certification a capability's crew must hold: the holder of ``role``, or (no role)
    every member."""

    certification: Slug
    role: Slug | None = None


class PersonModel(_Model):
    id: Slug
    agency: Slug
    #: Personal data.
    full_name: Name
    #: The officer's user account (a user of the file, of the same agency).
    username: Slug | None = None


class GrantModel(_Model):
    """A certification granted: never expiring, for ``valid_days``, or until ``expires_on``."""

    id: Slug
    person: Slug
    kind: Slug
    issued_on: date
    issued_by: Slug = "collective-file"
    valid_days: Annotated[int, Field(strict=True, ge=1, le=MAX_VALID_DAYS)] | None = None
    expires_on: date | None = None


class CrewModel(_Model):
    """A person on a unit in a role, for the first shift: ``hours`` from the load."""

    unit: Slug
    person: Slug
    role: Slug
    hours: Annotated[int, Field(strict=True, ge=1, le=MAX_SHIFT_HOURS)] = 12


class CollectiveFile(_Model):
    version: Literal[1] = 1
    dispatch: DispatchModel | None = None
    agencies: Annotated[list[AgencyModel], Field(min_length=1)]
    jurisdictions: list[JurisdictionModel] = []
    stations: list[StationModel] = []
    units: list[UnitModel] = []
    call_types: list[CallTypeModel] = []
    agreements: list[AgreementModel] = []
    users: list[UserModel] = []
    #: Omitted: the default dispositions, and the last unit's clear closes the call.
    closing: ClosingModel | None = None
    timers: list[TimersModel] = []
    board: BoardModel | None = None
    #: The collective's own resource types, beside the built-in ones (docs/resources.md).
    resource_types: list[ResourceTypeModel] = []
    resources: list[ResourceModel] = []
    mutual_aid: MutualAidModel | None = None
    #: Which certifications each capability needs of its crew (docs/people.md).
    certifications: dict[Slug, list[NeedModel]] = {}
    personnel: list[PersonModel] = []
    certification_grants: list[GrantModel] = []
    crews: list[CrewModel] = []


_MODELS: tuple[type[BaseModel], ...] = (
    CollectiveFile,
    DispatchModel,
    BoardModel,
    AgencyModel,
    AgreementModel,
    ClauseModel,
    RatesModel,
    JurisdictionModel,
    InlineGeometry,
    GeometryFile,
    StationModel,
    UnitModel,
    CallTypeModel,
    RequirementModel,
    UserModel,
    ClosingModel,
    DispositionModel,
    TimersModel,
    ResourceTypeModel,
    ResourceModel,
    WindowModel,
    MutualAidModel,
    NeedModel,
    PersonModel,
    GrantModel,
    CrewModel,
)
_KNOWN_KEYS = sorted({name for m in _MODELS for name in m.model_fields})


# -- reading -------------------------------------------------------------------


def read_collective(path: Path) -> CollectiveSpec:
    """Read, resolve and check a collective file; raise CollectiveFileError if bad.

    GeoJSON files it names are read relative to its folder and must lie inside it.
    """
    text = _read_text(path)
    data, lines = _parse_yaml(path, text)
    if not isinstance(data, dict):
        raise CollectiveFileError(
            path,
            "",
            "the file must be a YAML mapping with agencies, jurisdictions, ...",
        )
    try:
        model = CollectiveFile.model_validate(data)
    except ValidationError as exc:
        problems = [_from_pydantic(err, lines) for err in exc.errors()]
        raise CollectiveFileError.of(path, problems) from None
    return _Checker(path, model, lines).spec()


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CollectiveFileError(path, "", "no such file") from None
    except UnicodeDecodeError as exc:
        raise CollectiveFileError(path, "", f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise CollectiveFileError(path, "", f"cannot read: {exc.strerror}") from None


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f'duplicate key "{key}"', key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(path: Path, text: str) -> tuple[Any, dict[Loc, int]]:
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise CollectiveFileError(path, "", "the file is empty")
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        reason = f"not valid YAML: {exc.problem or exc}"
        raise CollectiveFileError(path, "", reason, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise CollectiveFileError(path, "", f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    _index_lines(node, (), lines)
    return data, lines


def _index_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    """Record the line of every key and list item, by its path."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                sub = (*loc, str(key_node.value))
                lines.setdefault(sub, key_node.start_mark.line + 1)
                _index_lines(value_node, sub, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.setdefault((*loc, i), item.start_mark.line + 1)
            _index_lines(item, (*loc, i), lines)


def _field(loc: Loc) -> str:
    """Spell a path the way the file reads: ``units[12].station``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _line(loc: Loc, lines: Mapping[Loc, int]) -> int | None:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _from_pydantic(err: Any, lines: Mapping[Loc, int]) -> Problem:
    raw: Loc = tuple(err["loc"])
    loc: Loc = tuple(
        part
        for i, part in enumerate(raw)
        if not (part in _GEOMETRY_TAGS and i > 0 and raw[i - 1] == "geometry")
    )
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else ""
        close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
        reason = "unknown key" + (f' (did you mean "{close[0]}"?)' if close else "")
    elif kind == "missing":
        reason = "required"
    elif kind == "value_error":
        reason = str(err["msg"]).removeprefix("Value error, ")
    else:
        reason = str(err["msg"])
    return Problem(_field(loc), reason, _line(loc, lines))


# -- checking ------------------------------------------------------------------


class _Checker:
    """Check the cross-references of a parsed file and build the domain objects."""

    def __init__(self, path: Path, model: CollectiveFile, lines: Mapping[Loc, int]) -> None:
        self.path = path
        self.base = path.parent
        self.model = model
        self.lines = lines
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self._geojson: dict[Path, list[dict[str, Any]] | str] = {}

    def fail(self, loc: Loc, reason: str) -> None:
        self.problems.append(Problem(_field(loc), reason, _line(loc, self.lines)))

    def warn(self, loc: Loc, reason: str) -> None:
        self.warnings.append(str(Problem(_field(loc), reason, _line(loc, self.lines))))

    def spec(self) -> CollectiveSpec:
        m = self.model
        agencies = self._unique("agencies", "id", [a.id for a in m.agencies])
        juris = self._unique("jurisdictions", "id", [j.id for j in m.jurisdictions])
        stations = self._unique("stations", "id", [s.id for s in m.stations])
        units = self._unique("units", "id", [u.id for u in m.units])
        codes = self._unique("call_types", "code", [c.code for c in m.call_types])
        self._unique("users", "username", [u.username for u in m.users])
        self._unique("timers", "priority", [str(t.priority) for t in m.timers])
        capabilities = {c for u in m.units for c in (u.capabilities or [u.kind])}

        jurisdictions = self._jurisdictions(agencies)
        for i, s in enumerate(m.stations):
            self._exists(("stations", i, "agency"), s.agency, agencies, "agency")
        self._check_units(agencies, stations)
        self._check_plans(capabilities)
        self._check_agreements(agencies, juris, codes, capabilities)
        self._unique("agreements", "id", [g.id for g in m.agreements])
        self._check_closing(codes)
        users = self._users(agencies, units)
        resources = self._resources(agencies)
        people = self._people(agencies, units, capabilities)

        if self.problems:
            raise CollectiveFileError.of(self.path, self.problems)
        self._look_for_oddities(jurisdictions)
        return dataclasses.replace(
            self._build(jurisdictions, users),
            resource_types=self._resource_types(),
            resources=tuple(resources),
            **people,
        )

    def _check_units(self, agencies: Mapping[str, int], stations: Mapping[str, int]) -> None:
        m = self.model
        for i, u in enumerate(m.units):
            self._exists(("units", i, "agency"), u.agency, agencies, "agency")
            station = stations.get(u.station)
            if station is None:
                own = [s.id for s in m.stations if s.agency == u.agency]
                scoped = u.agency in agencies
                what = f'station in agency "{u.agency}"' if scoped else "station"
                self._missing(("units", i, "station"), u.station, own or stations, what)
            elif m.stations[station].agency != u.agency:
                self.fail(
                    ("units", i, "station"),
                    f'no station "{u.station}" in agency "{u.agency}" '
                    f'(it belongs to "{m.stations[station].agency}")',
                )

    def _check_plans(self, capabilities: set[str]) -> None:
        for i, c in enumerate(self.model.call_types):
            seen: set[str] = set()
            for k, req in enumerate(c.plan):
                loc: Loc = ("call_types", i, "plan", k, "capability")
                self._capability(loc, req.capability, capabilities)
                if req.capability in seen:
                    self.fail(
                        loc,
                        f'"{req.capability}" is already in this plan: give it once, with a count',
                    )
                seen.add(req.capability)

    def _check_agreements(
        self,
        agencies: Mapping[str, int],
        juris: Mapping[str, int],
        codes: Mapping[str, int],
        capabilities: set[str],
    ) -> None:
        for i, a in enumerate(self.model.agencies):
            if a.sharing is not None:
                self.fail(
                    ("agencies", i, "sharing"),
                    "sharing policies were replaced by agreements: give what the agency "
                    f"lends as an agreement between {a.id} and collective under "
                    "`agreements:` (docs/agreements.md)",
                )
        parties = {**agencies, COLLECTIVE: -1}
        for i, g in enumerate(self.model.agreements):
            at: Loc = ("agreements", i)
            for n, party in enumerate(g.parties):
                self._exists((*at, "parties", n), party, parties, "agency")
            for k, c in enumerate(g.clauses):
                cl: Loc = (*at, "clauses", k)
                for n, jid in enumerate(c.jurisdictions or []):
                    self._exists((*cl, "jurisdictions", n), jid, juris, "jurisdiction")
                for n, code in enumerate(c.call_types or []):
                    self._exists((*cl, "call_types", n), code, codes, "call type")
                for n, cap in enumerate(c.capabilities or []):
                    self._capability((*cl, "capabilities", n), cap, capabilities)
            try:
                agreement_of(g)
            except DomainError as exc:
                self.fail(at, exc.detail)

    def _check_closing(self, codes: Mapping[str, int]) -> None:
        closing = self.model.closing
        dispositions = closing.dispositions if closing and closing.dispositions else []
        section = ("closing", "dispositions")
        self._unique(".".join(section), "code", [d.code for d in dispositions])
        for i, d in enumerate(dispositions):
            for n, code in enumerate(d.call_types or []):
                self._exists((*section, i, "call_types", n), code, codes, "call type")

    # -- references

    def _unique(self, section: str, key: str, ids: Sequence[str]) -> dict[str, int]:
        first: dict[str, int] = {}
        for i, value in enumerate(ids):
            if value in first:
                where = _field((section, first[value]))
                self.fail((section, i, key), f'duplicate {key} "{value}" (also {where})')
            else:
                first[value] = i
        return first

    def _exists(self, loc: Loc, value: str, known: Mapping[str, int], what: str) -> None:
        if value not in known:
            self._missing(loc, value, known, what)

    def _missing(self, loc: Loc, value: str, known: Iterable[str], what: str) -> None:
        """Say ``value`` names no ``what`` (which may be "station in agency ...")."""
        close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.7)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        noun, _, scope = what.partition(" in ")
        self.fail(loc, f'no {noun} "{value}"' + (f" in {scope}" if scope else "") + hint)

    def _capability(self, loc: Loc, cap: str, capabilities: set[str]) -> None:
        if cap not in capabilities:
            known = ", ".join(sorted(capabilities)) or "none"
            self.fail(loc, f'no unit has capability "{cap}" (units have: {known})')

    def _users(self, agencies: Mapping[str, int], units: Mapping[str, int]) -> list[UserSpec]:
        out: list[UserSpec] = []
        for i, u in enumerate(self.model.users):
            at: Loc = ("users", i)
            agency = u.agency
            if agency is not None:
                self._exists((*at, "agency"), agency, agencies, "agency")
            if u.role is Role.OFFICER:
                if u.unit is None:
                    self.fail((*at, "unit"), "an officer must crew a unit: name it")
                elif u.unit not in units:
                    self._missing((*at, "unit"), u.unit, units, "unit")
                else:
                    unit_agency = self.model.units[units[u.unit]].agency
                    if agency is not None and agency != unit_agency:
                        self.fail(
                            (*at, "unit"),
                            f'no unit "{u.unit}" in agency "{agency}" '
                            f'(it belongs to "{unit_agency}")',
                        )
                    agency = unit_agency
            elif u.unit is not None:
                self.fail((*at, "unit"), f"only officers crew a unit, not a {u.role.value}")
            if u.role is Role.AGENCY_ADMIN and agency is None:
                self.fail((*at, "agency"), "an agency admin needs the agency they run")
            if u.password is not None and u.password_hash is not None:
                self.fail((*at, "password"), "give password or password_hash, not both")
            elif u.password is None and u.password_hash is None:
                self.fail(at, "give a password (demo, development) or a password_hash")
            out.append(
                UserSpec(
                    username=Username(u.username),
                    role=u.role,
                    full_name=u.full_name,
                    agency_id=AgencyId(agency) if agency else None,
                    unit_id=UnitId(u.unit) if u.unit else None,
                    password=u.password,
                    password_hash=u.password_hash,
                )
            )
        return out

    # -- people

    def _people(
        self, agencies: Mapping[str, int], units: Mapping[str, int], capabilities: set[str]
    ) -> dict[str, Any]:
        """The certification rules, personnel, grants and first crews, checked."""
        m = self.model
        rules = None
        if m.certifications:
            needs = [
                Needs(cap, n.certification, n.role)
                for cap, items in m.certifications.items()
                for n in items
            ]
            for cap in m.certifications:
                self._capability(("certifications", cap), cap, capabilities)
            rules = CertificationRules(tuple(needs))
        people = self._unique("personnel", "id", [p.id for p in m.personnel])
        self._unique("certification_grants", "id", [g.id for g in m.certification_grants])
        accounts = {u.username: u.agency for u in m.users}
        persons: list[Person] = []
        for i, p in enumerate(m.personnel):
            at: Loc = ("personnel", i)
            self._exists((*at, "agency"), p.agency, agencies, "agency")
            if p.username is not None:
                if p.username not in accounts:
                    self._missing((*at, "username"), p.username, accounts, "user")
                elif accounts[p.username] not in (None, p.agency):
                    self.fail((*at, "username"), f'user "{p.username}" is of another agency')
            try:
                persons.append(Person.of(p.id, AgencyId(p.agency), p.full_name, p.username))
            except DomainError as exc:
                self.fail(at, exc.detail)
        grants: list[Grant] = []
        for i, g in enumerate(m.certification_grants):
            at = ("certification_grants", i)
            self._exists((*at, "person"), g.person, people, "person")
            try:
                grants.append(
                    Grant.issue(
                        g.id,
                        PersonId(g.person),
                        g.kind,
                        g.issued_on,
                        Username(g.issued_by),
                        g.valid_days,
                        g.expires_on,
                    )
                )
            except DomainError as exc:
                self.fail(at, exc.detail)
        crews: list[CrewSpec] = []
        agency_of = {p.id: p.agency for p in m.personnel}
        for i, c in enumerate(m.crews):
            at = ("crews", i)
            self._exists((*at, "unit"), c.unit, units, "unit")
            self._exists((*at, "person"), c.person, people, "person")
            if c.unit in units and c.person in agency_of:
                unit_agency = m.units[units[c.unit]].agency
                if unit_agency != agency_of[c.person]:
                    self.fail(
                        (*at, "unit"),
                        f'unit "{c.unit}" is of agency "{unit_agency}": a person crews their '
                        "own agency's units",
                    )
            crews.append(CrewSpec(UnitId(c.unit), PersonId(c.person), c.role, c.hours))
        return {
            "certification_rules": rules,
            "personnel": tuple(persons),
            "certifications": tuple(grants),
            "crews": tuple(crews),
        }

    # -- resources

    def _resource_types(self) -> tuple[ResourceType, ...]:
        return tuple(ResourceType(t.id, t.name, t.kind) for t in self.model.resource_types)

    def _resources(self, agencies: Mapping[str, int]) -> list[Resource]:
        m = self.model
        self._unique("resource_types", "id", [t.id for t in m.resource_types])
        self._unique("resources", "id", [r.id for r in m.resources])
        types = dict.fromkeys(catalogue(self._resource_types()), 0)
        stations = {s.id: s.agency for s in m.stations}
        out: list[Resource] = []
        for i, r in enumerate(m.resources):
            at: Loc = ("resources", i)
            self._exists((*at, "type"), r.type, types, "resource type")
            self._exists((*at, "owner"), r.owner, agencies, "agency")
            if r.station is not None:
                if r.station not in stations:
                    own = [s for s, agency in stations.items() if agency == r.owner]
                    self._missing((*at, "station"), r.station, own or stations, "station")
                elif stations[r.station] != r.owner:
                    self.fail(
                        (*at, "station"),
                        f'no station "{r.station}" in agency "{r.owner}" '
                        f'(it belongs to "{stations[r.station]}")',
                    )
            windows = []
            for n, w in enumerate(r.windows):
                try:
                    windows.append(Window(w.start, w.end))
                except DomainError as exc:
                    self.fail((*at, "windows", n), exc.detail)
            try:
                out.append(
                    Resource(
                        ResourceId(r.id),
                        r.type,
                        r.name,
                        AgencyId(r.owner),
                        StationId(r.station) if r.station else None,
                        r.condition,
                        r.maintenance_notes,
                        tuple(windows),
                    )
                )
            except DomainError as exc:
                self.fail((*at, "windows"), exc.detail)
        return out

    # -- geometry

    def _jurisdictions(self, agencies: Mapping[str, int]) -> list[Jurisdiction | None]:
        out: list[Jurisdiction | None] = []
        for i, j in enumerate(self.model.jurisdictions):
            self._exists(("jurisdictions", i, "agency"), j.agency, agencies, "agency")
            geometry = self._geometry(("jurisdictions", i, "geometry"), j.geometry)
            out.append(
                Jurisdiction(JurisdictionId(j.id), j.name, AgencyId(j.agency), geometry)
                if geometry is not None
                else None
            )
        return out

    def _geometry(self, loc: Loc, given: InlineGeometry | GeometryFile) -> dict[str, Any] | None:
        if isinstance(given, InlineGeometry):
            return self._checked_geometry(loc, given.model_dump(), "")
        found = self._feature(loc, given)
        if found is None:
            return None
        geometry, where = found
        return self._checked_geometry(loc, geometry, f" ({where})")

    def _feature(self, loc: Loc, ref: GeometryFile) -> tuple[Any, str] | None:
        """Return the geometry of the one feature ``ref`` names, and where it was."""
        target = (self.base / ref.file).resolve()
        if not target.is_relative_to(self.base.resolve()):
            self.fail((*loc, "file"), f'"{ref.file}" must be inside the collective\'s folder')
            return None
        features = self._read_geojson(target)
        if isinstance(features, str):
            self.fail((*loc, "file"), f'"{ref.file}": {features}')
            return None
        where = ref.where or {}
        matches = [
            (n, f)
            for n, f in enumerate(features)
            if all(_property(f, k) == v for k, v in where.items())
        ]
        said = ", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in where.items())
        if len(matches) == 1:
            n, feature = matches[0]
            return feature.get("geometry"), f"{ref.file}, feature {n}"
        if not where:
            self.fail(
                (*loc, "where"),
                f'"{ref.file}" holds {len(features)} features: say which, e.g. '
                "where: {name: ...}",
            )
        elif not matches:
            self.fail((*loc, "where"), f'no feature in "{ref.file}" has {said}')
        else:
            self.fail(
                (*loc, "where"),
                f'{len(matches)} features in "{ref.file}" have {said}: name just one',
            )
        return None

    def _read_geojson(self, target: Path) -> list[dict[str, Any]] | str:
        """Return the features of a GeoJSON file, or why it cannot be read (cached)."""
        if target not in self._geojson:
            self._geojson[target] = _features(target)
        return self._geojson[target]

    def _checked_geometry(self, loc: Loc, geometry: Any, where: str) -> dict[str, Any] | None:
        try:
            checked, repairs = polygonal(geometry, _field(loc) + where)
        except BadGeometry as exc:
            self.fail(loc, exc.reason + where)
            return None
        for why in repairs:
            self.warn(loc, why + where)
        return checked

    def _look_for_oddities(self, jurisdictions: Sequence[Jurisdiction | None]) -> None:
        m = self.model
        located = [j for j in jurisdictions if j is not None]
        position = {j.id: i for i, j in enumerate(jurisdictions) if j is not None}
        overlaps = JurisdictionIndex(located).overlaps()
        for o in sorted(overlaps, key=lambda o: (position[o.second], position[o.first])):
            self.warn(
                ("jurisdictions", position[o.second]),
                f'overlaps jurisdiction "{o.first}" by {o.area_m2:,.0f} m2: a call there '
                "goes to the one listed first",
            )
        shapes = [shape(j.geometry) for j in located]
        owners = [j.agency_id for j in located]
        for i, agency in enumerate(m.agencies):
            if agency.id not in owners:
                self.warn(("agencies", i), f'agency "{agency.id}" answers for no jurisdiction')
        for i, s in enumerate(m.stations):
            own = [g for g, owner in zip(shapes, owners, strict=True) if owner == s.agency]
            point = shapely.Point(s.lon, s.lat)
            if own and not any(g.covers(point) for g in own):
                self.warn(
                    ("stations", i),
                    f'station "{s.id}" lies outside the jurisdictions of agency '
                    f'"{s.agency}": its units start away from home',
                )

    # -- building

    def _build(
        self, jurisdictions: Sequence[Jurisdiction | None], users: Sequence[UserSpec]
    ) -> CollectiveSpec:
        m = self.model
        located = {
            s.id: Station(StationId(s.id), AgencyId(s.agency), s.name, Location(s.lat, s.lon))
            for s in m.stations
        }
        call_types: list[CallType] = []
        for i, c in enumerate(m.call_types):
            try:
                plan = tuple(Requirement(r.capability, r.count) for r in c.plan)
                call_types.append(
                    CallType(
                        CallTypeCode(c.code),
                        c.name,
                        c.default_priority,
                        plan,
                        self_initiated=c.self_initiated,
                        emergency=c.emergency,
                    )
                )
            except Invalid as exc:  # the checks above should have caught it already
                raise CollectiveFileError(
                    self.path, _field(("call_types", i)), exc.detail
                ) from None
            clash = emergency_clash(call_types[:-1], call_types[-1])
            if clash is not None:
                loc: Loc = ("call_types", i, "emergency")
                raise CollectiveFileError.of(
                    self.path, [Problem(_field(loc), clash, _line(loc, self.lines))]
                )
        return CollectiveSpec(
            agencies=tuple(Agency(AgencyId(a.id), a.name) for a in m.agencies),
            jurisdictions=tuple(j for j in jurisdictions if j is not None),
            stations=tuple(located.values()),
            units=tuple(
                Unit(
                    id=UnitId(u.id),
                    agency_id=AgencyId(u.agency),
                    kind=u.kind,
                    capabilities=frozenset(u.capabilities or [u.kind]),
                    station_id=StationId(u.station),
                    name=u.name,
                    status=UnitStatus.AVAILABLE,
                    location=located[u.station].location,
                )
                for u in m.units
            ),
            call_types=tuple(call_types),
            agreements=tuple(agreement_of(g, Stage(g.stage)) for g in m.agreements),
            users=tuple(users),
            floor=FloorRules(m.dispatch.dispatchers_may_override, m.dispatch.specialist_margin_s)
            if m.dispatch
            else None,
            closing=_closing(m.closing),
            timers=tuple(
                TimerLimits(
                    t.priority, t.unassigned_s, t.dispatched_not_enroute_s, t.welfare_check_s
                )
                for t in m.timers
            ),
            board=BoardRules(**m.board.model_dump()) if m.board is not None else None,
            mutual_aid=AidRules(tuple(m.mutual_aid.approval_steps)) if m.mutual_aid else None,
            warnings=tuple(self.warnings),
        )


def _closing(c: ClosingModel | None) -> ClosingRules | None:
    if c is None:
        return None
    if c.dispositions is None:
        return ClosingRules(last_unit_clear_closes=c.last_unit_clear_closes)
    dispositions = tuple(
        Disposition(d.code, d.name, frozenset(CallTypeCode(t) for t in d.call_types or []))
        for d in c.dispositions
    )
    return ClosingRules(dispositions, c.last_unit_clear_closes)


def _property(feature: Mapping[str, Any], key: str) -> Any:
    props = feature.get("properties") or {}
    if key in props:
        return props[key]
    return feature.get(key) if key == "id" else None


def _features(target: Path) -> list[dict[str, Any]] | str:
    """Return the features of a GeoJSON file, or why there are none."""
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "no such file"
    except json.JSONDecodeError as exc:
        return f"not valid JSON: {exc.msg} (line {exc.lineno})"
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read: {exc}"
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection" and isinstance(data.get("features"), list):
        return [f for f in data["features"] if isinstance(f, dict)]
    if kind == "Feature":
        return [data]
    if kind in ("Polygon", "MultiPolygon"):
        return [{"type": "Feature", "properties": {}, "geometry": data}]
    return "not a GeoJSON FeatureCollection, Feature, Polygon or MultiPolygon"
