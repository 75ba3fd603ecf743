"""Scenarios: what a simulation run is made of, read from a TOML file.

A scenario names a collective file, a call stream (a call log replayed through a column
mapping, or calls generated from a calibration table), the service model, the travel model
and the policies to compare. The format is documented in docs/simulation.md.

The classes below are pydantic dataclasses: a ``Scenario`` is validated however it is
made, by ``load_scenario`` from a file or in code (``dataclasses.replace`` validates too).
Read from a file (``load_scenario``, ``load_mapping``), each table refuses keys it does not
know, paths are relative to the file, and every problem becomes one line of a
``ScenarioError``, ``FILE: FIELD: REASON`` with the field spelt as the file spells it
(``shifts.hours[0]``, ``calls.mapping.time``).

The simulator never reads the collective file itself: whoever runs a scenario reads it
(the CLI with ``read_collective``) and passes the ``CollectiveSpec``.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path, PurePath
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass
from pydantic_core import ErrorDetails, PydanticCustomError

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.shared.errors import Invalid

#: Where generated calls start by default: a Monday, local wall-clock time.
DEFAULT_START = datetime(2024, 1, 1)  # noqa: DTZ001

POLICIES = ("siloed", "pooled", "pooled_reserve", "configured")
SERVICE_MODELS = ("lognormal", "exponential", "empirical")
TRAVEL_MODELS = ("straight_line", "road", "fitted")
#: How a call-processing or turnout delay is drawn (docs/simulation.md, "Delays").
DELAY_MODELS = ("none", "empirical", "lognormal")
#: What a replayed call without an on-scene time gets (docs/simulation.md).
MISSING_ON_SCENE = ("drop", "impute", "assume")


class ScenarioError(Invalid):
    """The scenario file is wrong; ``detail`` names the file, the field and the reason."""

    code = "bad_scenario"


class DataMissing(ScenarioError):
    """A data file the scenario needs is absent (e.g. ../shared on a user's machine)."""

    code = "scenario_data_missing"


# -- field types: each check says what is wrong in the words of the file -------------


def _at(*loc: str | int, reason: str) -> PydanticCustomError:
    """A problem with the key ``loc`` below the table being checked."""
    return PydanticCustomError("at_key", reason, {"at": loc})


def _text(reason: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(reason)
        return value

    return check


def _number_above(low: float) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= low:
            raise ValueError(f"must be a number above {low:g}")
        return float(value)

    return check


def _whole(low: int, reason: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < low
        ):
            raise ValueError(reason)
        return value

    return check


def _one_of(choices: tuple[object, ...], reason: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in choices:
            raise ValueError(reason)
        return value

    return check


def _string(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _file(reason: str) -> Callable[[Any, ValidationInfo], Any]:
    """A path: relative to the scenario file when read from one, as given in code."""
    text = _text(reason)

    def check(value: Any, info: ValidationInfo) -> Any:
        if value is None or isinstance(value, PurePath):
            return value
        text(value)
        path = _reading(info)
        return (path.parent / value).resolve() if path is not None else Path(value)

    return check


def _reading(info: ValidationInfo) -> Path | None:
    """The file being read, or None when the value is made in code."""
    context = info.context
    return context.get("path") if isinstance(context, Mapping) else None


_REQUIRED = "required, a non-empty string"
_OPTIONAL = "must be a non-empty string"
Text = Annotated[str, BeforeValidator(_text(_REQUIRED))]
OptionalText = Annotated[str | None, BeforeValidator(_text(_OPTIONAL))]
File = Annotated[Path, BeforeValidator(_file(_REQUIRED))]
OptionalFile = Annotated[Path | None, BeforeValidator(_file(_OPTIONAL))]
Positive = Annotated[float, BeforeValidator(_number_above(0.0))]
Reserve = Annotated[int, BeforeValidator(_whole(0, "must be a whole number, 0 or more"))]


def _priority_key(value: Any) -> int:
    if str(value) not in {"1", "2", "3", "4", "5"} or isinstance(value, bool):
        raise ValueError("keys are priorities 1..5")
    return int(value)


PriorityKey = Annotated[int, BeforeValidator(_priority_key)]


class _Table:
    """A table of the scenario file: read from the file, it refuses keys it does not know
    (``_keys``) and ``_read`` turns what the file says into the dataclass's fields."""

    #: File keys that are no field of the dataclass, and fields the file cannot set.
    _extra_keys: ClassVar[frozenset[str]] = frozenset()
    _not_keys: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _from_file(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        known = cls._keys()
        for key in data:
            if key not in known:
                raise PydanticCustomError(
                    "unknown_key",
                    "unknown key (known: {known})",
                    {"at": (key,), "known": ", ".join(sorted(known))},
                )
        return cls._read(dict(data), info)

    @classmethod
    def _keys(cls) -> frozenset[str]:
        fields: dict[str, Any] = getattr(cls, "__pydantic_fields__", {})
        spelt = {
            info.validation_alias if isinstance(info.validation_alias, str) else name
            for name, info in fields.items()
        }
        return frozenset(spelt - cls._not_keys | cls._extra_keys)

    @classmethod
    def _read(cls, data: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        return data


# -- the scenario ------------------------------------------------------------------


def _priority_map(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5 for v in value.values()
    ):
        raise ValueError("must map log values to 1..5")
    return {str(k): int(v) for k, v in value.items()}


def _area_map(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError("must map area values to jurisdiction ids")
    return {str(k): v for k, v in value.items()}


def _exclude(value: Any) -> Any:
    if not isinstance(value, Mapping) or not all(
        isinstance(v, list | tuple | frozenset | set) and all(isinstance(x, str) for x in v)
        for v in value.values()
    ):
        raise ValueError("must map columns to lists of values")
    return {str(k): frozenset(v) for k, v in value.items()}


@dataclass(frozen=True)
class CallLogMapping(_Table):
    """Which columns of a call-log CSV mean what.

    A call has a time, and either a location (``lat``/``lon``) or an ``area``. Rows whose
    priority is not in ``priority_map`` (when given), or whose ``exclude`` column holds a
    listed value, are dropped and counted.
    """

    time: Text
    #: A ``datetime.strptime`` format; None: ISO 8601.
    time_format: OptionalText = None
    priority: OptionalText = None
    #: Log value -> bluepool priority 1..5; None: the log holds 1..5 already.
    priority_map: Annotated[Mapping[str, int] | None, BeforeValidator(_priority_map)] = None
    default_priority: Annotated[int, BeforeValidator(_one_of((1, 2, 3, 4, 5), "must be 1..5"))] = 3
    call_type: OptionalText = None
    lat: OptionalText = None
    lon: OptionalText = None
    area: OptionalText = None
    #: Use the first N characters of the area column (e.g. the division digit of a beat).
    area_chars: Annotated[
        int | None, BeforeValidator(_whole(1, "must be a whole number, 1 or more"))
    ] = None
    #: Area value -> jurisdiction id; None: the values are jurisdiction ids.
    area_map: Annotated[Mapping[str, str] | None, BeforeValidator(_area_map)] = None
    #: Optional column with the time the call kept its unit(s) on scene, in minutes.
    on_scene_minutes: OptionalText = None
    exclude: Annotated[Mapping[str, frozenset[str]], BeforeValidator(_exclude)] = dataclasses.field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _located(self) -> CallLogMapping:
        if self.area is None and (self.lat is None or self.lon is None):
            raise ValueError("a call-log mapping needs lat and lon columns, or an area column")
        return self


class _CallSource(_Table):
    """Calls of one source: the file's ``source`` key picked the class (see ``Calls``)."""

    _extra_keys = frozenset({"source"})

    @classmethod
    def _read(cls, data: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        data.pop("source", None)
        return data


@dataclass(frozen=True, config=ConfigDict(validate_by_name=True))
class ReplayCalls(_CallSource):
    #: The call log (the file's ``file``).
    path: Annotated[File, Field(validation_alias="file")]
    mapping: CallLogMapping


def _wall_clock(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a date and time") from None
    if not isinstance(value, datetime):
        raise ValueError("must be a date and time")
    return value.replace(tzinfo=None)


@dataclass(frozen=True)
class GeneratedCalls(_CallSource):
    #: The rates table that ``bluepool calibrate`` writes.
    calibration: File
    start: Annotated[datetime, BeforeValidator(_wall_clock)] = DEFAULT_START
    days: Positive = 7.0
    #: The call-type mix (``<calibration>.call_types.csv``); None: that file if it exists.
    call_types: OptionalFile = None


def _calls_source(value: Any) -> str | None:
    if isinstance(value, dict):
        return {"replay": "replay", "generated": "generated"}.get(value.get("source", "replay"))
    return "generated" if isinstance(value, GeneratedCalls) else "replay"


#: ``[calls]``: its ``source`` key (default "replay") says which kind.
Calls = Annotated[
    Annotated[ReplayCalls, Tag("replay")] | Annotated[GeneratedCalls, Tag("generated")],
    Discriminator(
        _calls_source,
        custom_error_type="at_key",
        custom_error_message='must be "replay" or "generated"',
        custom_error_context={"at": ("source",)},
    ),
]
_CALLS_TAGS = frozenset({"replay", "generated"})


@dataclass(frozen=True)
class TravelConfig(_Table):
    model: Annotated[
        str,
        BeforeValidator(_one_of(TRAVEL_MODELS, 'must be "straight_line", "road" or "fitted"')),
    ] = "straight_line"
    detour_factor: Positive = 1.4
    speed_kmh: Positive = 50.0
    #: The fastest any unit drives, for the road model's lower bound on an ETA (used only
    #: when the oracle cannot say; a loaded network's own top speed is used otherwise).
    max_speed_kmh: Positive = 130.0
    #: The compiled road network (``bluepool import roads``), for model "road".
    network: OptionalFile = None
    #: The calibration's ``<stem>.model.json`` (``bluepool calibrate --source history``),
    #: whose travel fit model "fitted" drives by.
    fit: OptionalFile = None

    @model_validator(mode="after")
    def _fit_given(self) -> TravelConfig:
        if self.model == "fitted" and self.fit is None:
            raise _at("fit", reason='required by model "fitted"')
        return self


def _default_means() -> dict[int, float]:
    return {1: 60.0, 2: 50.0, 3: 40.0, 4: 35.0, 5: 30.0}


def _or_default_means(value: Any) -> Any:
    return _default_means() if value == {} else value


@dataclass(frozen=True, config=ConfigDict(validate_by_name=True))
class ServiceConfig(_Table):
    """On-scene times: a lognormal (or exponential) by priority, overridden by call type,
    or empirical samples from a log."""

    model: Annotated[
        str,
        BeforeValidator(_one_of(SERVICE_MODELS, f"must be one of {', '.join(SERVICE_MODELS)}")),
    ] = "lognormal"
    #: Mean on-scene minutes by priority (1..5); an empty table: these defaults.
    mean_minutes: Annotated[Mapping[PriorityKey, Positive], BeforeValidator(_or_default_means)] = (
        dataclasses.field(default_factory=_default_means)
    )
    default_mean_minutes: Positive = 40.0
    #: Coefficient of variation of the lognormal.
    cv: Positive = 1.0
    #: Mean on-scene minutes by call type, over the priority's (the file's ``call_types``).
    call_type_minutes: Mapping[str, Positive] = Field(
        default_factory=dict, validation_alias="call_types"
    )
    #: A CSV with call_type, priority, on_scene_minutes (model "empirical", and the
    #: ``missing_on_scene = "impute"`` rule).
    samples: OptionalFile = None
    #: Received -> dispatchable and dispatched -> en route: "none" (no delay), or drawn
    #: from the samples of ``delays`` ("empirical") or a lognormal fitted to them.
    call_processing: Annotated[
        str, BeforeValidator(_one_of(DELAY_MODELS, f"must be one of {', '.join(DELAY_MODELS)}"))
    ] = "none"
    turnout: Annotated[
        str, BeforeValidator(_one_of(DELAY_MODELS, f"must be one of {', '.join(DELAY_MODELS)}"))
    ] = "none"
    #: A CSV with delay, priority, call_type, seconds (``<stem>.delays.csv`` of calibrate).
    delays: OptionalFile = None
    #: A replayed call without an on-scene time: left out ("drop"), drawn from the samples
    #: of its call type ("impute"), or drawn from the model above ("assume").
    missing_on_scene: Annotated[
        str,
        BeforeValidator(_one_of(MISSING_ON_SCENE, f"must be one of {', '.join(MISSING_ON_SCENE)}")),
    ] = "assume"

    @model_validator(mode="after")
    def _samples_given(self) -> ServiceConfig:
        if self.model == "empirical" and self.samples is None:
            raise _at("samples", reason='required by model "empirical"')
        if self.missing_on_scene == "impute" and self.samples is None:
            raise _at("samples", reason='required by missing_on_scene "impute"')
        for name in ("call_processing", "turnout"):
            if getattr(self, name) != "none" and self.delays is None:
                raise _at("delays", reason=f'required by {name} "{getattr(self, name)}"')
        return self


def _policies(value: Any) -> Any:
    if (
        not isinstance(value, list | tuple)
        or not value
        or any(p not in POLICIES for p in value)
        or len(set(value)) != len(value)
    ):
        raise ValueError(f"must list some of {', '.join(POLICIES)}")
    return tuple(value)


@dataclass(frozen=True)
class PolicyConfig(_Table):
    compare: Annotated[tuple[str, ...], BeforeValidator(_policies)] = (
        "siloed",
        "pooled",
        "pooled_reserve",
    )
    #: Units each agency keeps at home under "pooled_reserve".
    home_reserve: Reserve = 1
    reserve_by_agency: Mapping[
        str, Annotated[int, BeforeValidator(_whole(0, "must be 0 or more"))]
    ] = dataclasses.field(default_factory=dict)


def _shift(item: Any) -> tuple[float, float]:
    if (
        not isinstance(item, list | tuple)
        or len(item) != 2
        or any(isinstance(x, bool) or not isinstance(x, int | float) for x in item)
    ):
        raise ValueError("must be [start, end], two hours")
    s, e = float(item[0]), float(item[1])
    if not 0 <= s < 24 or not 0 <= e <= 24:
        raise ValueError("hours must lie in 0..24 (start below 24)")
    if s % 24 == e % 24:
        raise ValueError("a shift needs a length: start and end differ")
    return (s, e % 24)


def _shifts(value: Any) -> Any:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("must be a list of [start, end] hours")
    return value


@dataclass(frozen=True)
class ShiftConfig(_Table):
    """Daily unit shifts: each unit works one of ``hours`` every day, assigned round-robin
    by unit index within its agency (see sim/shifts.py).

    The file gives ``hours``, or a ``pattern`` ("8x3": three shifts of eight hours) from a
    ``start_hour``; ``enabled = false`` keeps the table but runs without shifts.
    """

    #: (start, end) hours of the wall-clock day; end before start crosses midnight.
    hours: Annotated[
        tuple[Annotated[tuple[float, float], PlainValidator(_shift)], ...],
        BeforeValidator(_shifts),
    ]

    _extra_keys = frozenset({"enabled", "pattern", "start_hour"})

    @classmethod
    def _read(cls, data: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if not isinstance(data.pop("enabled", True), bool):
            raise _at("enabled", reason="must be true or false")
        if ("pattern" in data) == ("hours" in data):
            raise ValueError("needs either pattern or hours (not both)")
        if "pattern" not in data:
            if "start_hour" in data:
                raise _at("start_hour", reason="goes with pattern, not hours")
            return data
        pattern = data["pattern"]
        parts = pattern.split("x") if isinstance(pattern, str) else []
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise _at("pattern", reason='must be "HOURSxSHIFTS", e.g. "8x3"')
        length, count = int(parts[0]), int(parts[1])
        if length < 1 or count < 2 or length * count != 24:
            raise _at("pattern", reason="two or more shifts making 24 hours")
        first = data.get("start_hour", 0)
        if isinstance(first, bool) or not isinstance(first, int | float) or not 0 <= first < 24:
            raise _at("start_hour", reason="must be an hour, 0 or more and below 24")
        return {
            "hours": tuple(
                (float((first + k * length) % 24), float((first + (k + 1) * length) % 24))
                for k in range(count)
            )
        }


def _plan(value: Any) -> Any:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("must be a list of {capability, count}")
    return value


def _requirement(item: Any) -> Requirement:
    if isinstance(item, Requirement):
        return item
    if not isinstance(item, Mapping) or not isinstance(item.get("capability"), str):
        raise ValueError("needs a capability")
    count = item.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise _at("count", reason="must be 1 or more")
    return Requirement(item["capability"], count)


@dataclass(frozen=True)
class Scenario(_Table):
    name: Text
    collective: File
    calls: Calls
    travel: TravelConfig = TravelConfig()
    service: ServiceConfig = ServiceConfig()
    policies: PolicyConfig = PolicyConfig()
    #: The response plan of a call type the collective does not define.
    default_plan: Annotated[
        tuple[Annotated[Requirement, PlainValidator(_requirement)], ...],
        BeforeValidator(_plan),
    ] = (Requirement("patrol"),)
    seed: Reserve = 1
    description: Annotated[str, BeforeValidator(_string)] = ""
    #: Where the scenario was read from (for the report).
    source: Path | None = None
    #: Unit shifts; None (the default): every unit is on duty all the time.
    shifts: ShiftConfig | None = None

    _not_keys = frozenset({"source"})

    @classmethod
    def _read(cls, data: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        path = _reading(info)
        if path is not None:
            data.setdefault("name", path.stem)
            data["source"] = path.resolve()
        return data

    @field_validator("shifts", mode="wrap")
    @classmethod
    def _enabled(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """A ``[shifts]`` table with ``enabled = false`` is checked, then means none."""
        shifts = handler(value)
        return None if isinstance(value, dict) and value.get("enabled") is False else shifts

    def data_files(self) -> tuple[Path, ...]:
        """The data files the scenario reads, so a caller can say which one is missing."""
        calls = self.calls
        paths = [self.collective]
        if isinstance(calls, ReplayCalls):
            paths.append(calls.path)
        else:
            paths.append(calls.calibration)
        for path in (self.service.samples, self.service.delays, self.travel.network):
            if path is not None:
                paths.append(path)
        if self.travel.fit is not None:
            paths.append(self.travel.fit)
        return tuple(paths)

    def missing_data(self) -> tuple[Path, ...]:
        return tuple(p for p in self.data_files() if not p.exists())

    def require_data(self, *, collective: bool = True) -> None:
        """Raise ``DataMissing`` naming every data file that is absent; ``collective``
        False when the caller has the collective from elsewhere (e.g. the database)."""
        missing = [p for p in self.missing_data() if collective or p != self.collective]
        if missing:
            raise DataMissing(f"scenario {self.name}: missing " + ", ".join(map(str, missing)))


# -- reading -------------------------------------------------------------------

T = TypeVar("T")


def load_scenario(path: Path | str) -> Scenario:
    """Read and check a scenario file; raise ScenarioError naming every problem."""
    path = Path(path)
    return _validated(Scenario, _toml(path), path, ())


def load_mapping(path: Path | str) -> CallLogMapping:
    """Read a call-log mapping: a scenario's ``[calls.mapping]`` or a file that is one."""
    path = Path(path)
    data = _toml(path)
    calls = data.get("calls")
    if isinstance(calls, dict) and "mapping" in calls:
        return _validated(CallLogMapping, calls["mapping"], path, ("calls", "mapping"))
    return _validated(CallLogMapping, data, path, ())


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None


def _validated(kind: type[T], data: Any, path: Path, where: tuple[str, ...]) -> T:
    try:
        return TypeAdapter(kind).validate_python(data, context={"path": path})
    except ValidationError as exc:
        lines = [f"{path}: {_problem(err, where)}" for err in exc.errors()]
        raise ScenarioError("\n".join(lines)) from None


#: Reasons for pydantic's own error types, in the words of the file.
_REASONS = {
    "missing": "required",
    "dataclass_type": "must be a table",
    "dict_type": "must be a table",
}


def _problem(err: ErrorDetails, where: tuple[str, ...]) -> str:
    """One pydantic error as ``FIELD: REASON``, the field spelt as the file spells it."""
    raw = tuple(err["loc"])
    loc: list[str | int] = [*where]
    for i, part in enumerate(raw):
        if part == "[key]" or (i == 1 and raw[0] == "calls" and part in _CALLS_TAGS):
            continue  # a dict key's own check; the class [calls] picked by its source
        loc.append(part)
    loc += (err.get("ctx") or {}).get("at", ())
    reason = _REASONS.get(err["type"]) or str(err["msg"]).removeprefix("Value error, ")
    field = ""
    for part in loc:
        field += f"[{part}]" if isinstance(part, int) else f".{part}" if field else str(part)
    return f"{field}: {reason}" if field else reason
