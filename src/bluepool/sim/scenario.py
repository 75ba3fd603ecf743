"""Scenarios: what a simulation run is made of, read from a TOML file.

A scenario names a collective file, a call stream (a call log replayed through a column
mapping, or calls generated from a calibration table), the service model, the travel model
and the policies to compare. Paths in the file are relative to the file. The format is
documented in docs/simulation.md; ``load_scenario`` checks every field and raises
``ScenarioError`` naming the field and what is wrong with it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.shared.errors import Invalid

#: Where generated calls start by default: a Monday, local wall-clock time.
DEFAULT_START = datetime(2024, 1, 1)  # noqa: DTZ001

POLICIES = ("siloed", "pooled", "pooled_reserve", "configured")
SERVICE_MODELS = ("lognormal", "exponential", "empirical")


class ScenarioError(Invalid):
    """The scenario file is wrong; ``detail`` names the file, the field and the reason."""

    code = "bad_scenario"


class DataMissing(ScenarioError):
    """A data file the scenario needs is absent (e.g. ../shared on a user's machine)."""

    code = "scenario_data_missing"


@dataclass(frozen=True, slots=True)
class CallLogMapping:
    """Which columns of a call-log CSV mean what.

    A call has a time, and either a location (``lat``/``lon``) or an ``area``. Rows whose
    priority is not in ``priority_map`` (when given), or whose ``exclude`` column holds a
    listed value, are dropped and counted.
    """

    time: str
    #: A ``datetime.strptime`` format; None: ISO 8601.
    time_format: str | None = None
    priority: str | None = None
    #: Log value -> bluepool priority 1..5; None: the log holds 1..5 already.
    priority_map: Mapping[str, int] | None = None
    default_priority: int = 3
    call_type: str | None = None
    lat: str | None = None
    lon: str | None = None
    area: str | None = None
    #: Use the first N characters of the area column (e.g. the division digit of a beat).
    area_chars: int | None = None
    #: Area value -> jurisdiction id; None: the values are jurisdiction ids.
    area_map: Mapping[str, str] | None = None
    #: Optional column with the time the call kept its unit(s) on scene, in minutes.
    on_scene_minutes: str | None = None
    exclude: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.area is None and (self.lat is None or self.lon is None):
            raise Invalid("a call-log mapping needs lat and lon columns, or an area column")


@dataclass(frozen=True, slots=True)
class ReplayCalls:
    path: Path
    mapping: CallLogMapping


@dataclass(frozen=True, slots=True)
class GeneratedCalls:
    #: The rates table that ``bluepool calibrate`` writes.
    calibration: Path
    start: datetime
    days: float
    #: The call-type mix (``<calibration>.call_types.csv``); None: that file if it exists.
    call_types: Path | None = None


@dataclass(frozen=True, slots=True)
class TravelConfig:
    model: str = "straight_line"
    detour_factor: float = 1.4
    speed_kmh: float = 50.0
    #: The fastest any unit drives, for the road model's lower bound on an ETA (used only
    #: when the oracle cannot say; a loaded network's own top speed is used otherwise).
    max_speed_kmh: float = 130.0
    #: The compiled road network (``bluepool import roads``), for model "road".
    network: Path | None = None


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """On-scene times: a lognormal (or exponential) by priority, overridden by call type,
    or empirical samples from a log."""

    model: str = "lognormal"
    #: Mean on-scene minutes by priority (1..5).
    mean_minutes: Mapping[int, float] = field(
        default_factory=lambda: {1: 60.0, 2: 50.0, 3: 40.0, 4: 35.0, 5: 30.0}
    )
    default_mean_minutes: float = 40.0
    #: Coefficient of variation of the lognormal.
    cv: float = 1.0
    #: Mean on-scene minutes by call type, over the priority's.
    call_type_minutes: Mapping[str, float] = field(default_factory=dict)
    #: A CSV with call_type, priority, on_scene_minutes (model "empirical").
    samples: Path | None = None


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    compare: tuple[str, ...] = ("siloed", "pooled", "pooled_reserve")
    #: Units each agency keeps at home under "pooled_reserve".
    home_reserve: int = 1
    reserve_by_agency: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ShiftConfig:
    """Daily unit shifts: each unit works one of ``hours`` every day, assigned round-robin
    by unit index within its agency (see sim/shifts.py)."""

    #: (start, end) hours of the wall-clock day; end before start crosses midnight.
    hours: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    collective: Path
    calls: ReplayCalls | GeneratedCalls
    travel: TravelConfig = TravelConfig()
    service: ServiceConfig = ServiceConfig()
    policies: PolicyConfig = PolicyConfig()
    #: The response plan of a call type the collective does not define.
    default_plan: tuple[Requirement, ...] = (Requirement("patrol"),)
    seed: int = 1
    description: str = ""
    #: Where the scenario was read from (for the report).
    source: Path | None = None
    #: Unit shifts; None (the default): every unit is on duty all the time.
    shifts: ShiftConfig | None = None

    def data_files(self) -> tuple[Path, ...]:
        """The data files the scenario reads, so a caller can say which one is missing."""
        calls = self.calls
        paths = [self.collective]
        if isinstance(calls, ReplayCalls):
            paths.append(calls.path)
        else:
            paths.append(calls.calibration)
        if self.service.samples is not None:
            paths.append(self.service.samples)
        if self.travel.network is not None:
            paths.append(self.travel.network)
        return tuple(paths)

    def missing_data(self) -> tuple[Path, ...]:
        return tuple(p for p in self.data_files() if not p.exists())


# -- reading -------------------------------------------------------------------


def load_scenario(path: Path | str) -> Scenario:
    """Read and check a scenario file; raise ScenarioError naming the first problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    return _Reader(path).scenario(data)


def load_mapping(path: Path | str) -> CallLogMapping:
    """Read a call-log mapping: a scenario's ``[calls.mapping]`` or a file that is one."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    reader = _Reader(path)
    calls = data.get("calls")
    if isinstance(calls, dict) and "mapping" in calls:
        return reader.mapping(calls["mapping"], "calls.mapping")
    return reader.mapping(data, "")


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.parent

    def fail(self, where: str, reason: str) -> ScenarioError:
        return ScenarioError(
            f"{self.path}: {where}: {reason}" if where else f"{self.path}: {reason}"
        )

    def table(self, data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(_join(where, key), "must be a table")
        return value

    def known(self, data: Mapping[str, Any], keys: set[str], where: str) -> None:
        for key in data:
            if key not in keys:
                raise self.fail(
                    _join(where, key), f"unknown key (known: {', '.join(sorted(keys))})"
                )

    def string(
        self, data: Mapping[str, Any], key: str, where: str, default: str | None = None
    ) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value:
            raise self.fail(_join(where, key), "required, a non-empty string")
        return value

    def optional_string(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise self.fail(_join(where, key), "must be a non-empty string")
        return value

    def number(
        self, data: Mapping[str, Any], key: str, where: str, default: float, *, low: float = 0.0
    ) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= low:
            raise self.fail(_join(where, key), f"must be a number above {low:g}")
        return float(value)

    def file(self, data: Mapping[str, Any], key: str, where: str) -> Path:
        return (self.base / self.string(data, key, where)).resolve()

    def scenario(self, data: dict[str, Any]) -> Scenario:
        self.known(
            data,
            {
                "name",
                "description",
                "seed",
                "collective",
                "calls",
                "travel",
                "service",
                "policies",
                "default_plan",
                "shifts",
            },
            "",
        )
        seed = data.get("seed", 1)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise self.fail("seed", "must be a whole number, 0 or more")
        description = data.get("description", "")
        if not isinstance(description, str):
            raise self.fail("description", "must be a string")
        return Scenario(
            name=self.string(data, "name", "", default=self.path.stem),
            description=description,
            collective=self.file(data, "collective", ""),
            calls=self.calls(self.table(data, "calls", "")),
            travel=self.travel(self.table(data, "travel", "")),
            service=self.service(self.table(data, "service", "")),
            policies=self.policies(self.table(data, "policies", "")),
            default_plan=self.plan(data.get("default_plan", [{"capability": "patrol"}])),
            seed=seed,
            source=self.path.resolve(),
            shifts=self.shifts(self.table(data, "shifts", "")) if "shifts" in data else None,
        )

    def calls(self, data: dict[str, Any]) -> ReplayCalls | GeneratedCalls:
        where = "calls"
        source = data.get("source", "replay")
        if source == "replay":
            self.known(data, {"source", "file", "mapping"}, where)
            return ReplayCalls(
                self.file(data, "file", where),
                self.mapping(self.table(data, "mapping", where), "calls.mapping"),
            )
        if source == "generated":
            self.known(data, {"source", "calibration", "call_types", "start", "days"}, where)
            start = data.get("start", DEFAULT_START)
            if isinstance(start, str):
                try:
                    start = datetime.fromisoformat(start)
                except ValueError:
                    raise self.fail("calls.start", "must be a date and time") from None
            if not isinstance(start, datetime):
                raise self.fail("calls.start", "must be a date and time")
            mix = data.get("call_types")
            return GeneratedCalls(
                calibration=self.file(data, "calibration", where),
                start=start.replace(tzinfo=None),
                days=self.number(data, "days", where, 7.0),
                call_types=self.file(data, "call_types", where) if mix is not None else None,
            )
        raise self.fail("calls.source", 'must be "replay" or "generated"')

    def mapping(self, data: dict[str, Any], where: str) -> CallLogMapping:
        keys = set(CallLogMapping.__dataclass_fields__)
        self.known(data, keys, where)
        priority_map = data.get("priority_map")
        if priority_map is not None:
            if not isinstance(priority_map, dict) or not all(
                isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5
                for v in priority_map.values()
            ):
                raise self.fail(_join(where, "priority_map"), "must map log values to 1..5")
            priority_map = {str(k): int(v) for k, v in priority_map.items()}
        area_map = data.get("area_map")
        if area_map is not None:
            if not isinstance(area_map, dict) or not all(
                isinstance(v, str) for v in area_map.values()
            ):
                raise self.fail(
                    _join(where, "area_map"), "must map area values to jurisdiction ids"
                )
            area_map = {str(k): v for k, v in area_map.items()}
        exclude = data.get("exclude", {})
        if not isinstance(exclude, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in exclude.values()
        ):
            raise self.fail(_join(where, "exclude"), "must map columns to lists of values")
        area_chars = data.get("area_chars")
        if area_chars is not None and (
            isinstance(area_chars, bool) or not isinstance(area_chars, int) or area_chars < 1
        ):
            raise self.fail(_join(where, "area_chars"), "must be a whole number, 1 or more")
        default_priority = data.get("default_priority", 3)
        if default_priority not in (1, 2, 3, 4, 5):
            raise self.fail(_join(where, "default_priority"), "must be 1..5")
        try:
            return CallLogMapping(
                time=self.string(data, "time", where),
                time_format=self.optional_string(data, "time_format", where),
                priority=self.optional_string(data, "priority", where),
                priority_map=priority_map,
                default_priority=default_priority,
                call_type=self.optional_string(data, "call_type", where),
                lat=self.optional_string(data, "lat", where),
                lon=self.optional_string(data, "lon", where),
                area=self.optional_string(data, "area", where),
                area_chars=area_chars,
                area_map=area_map,
                on_scene_minutes=self.optional_string(data, "on_scene_minutes", where),
                exclude={k: frozenset(v) for k, v in exclude.items()},
            )
        except Invalid as exc:
            raise self.fail(where, exc.detail) from None

    def travel(self, data: dict[str, Any]) -> TravelConfig:
        self.known(
            data, {"model", "detour_factor", "speed_kmh", "max_speed_kmh", "network"}, "travel"
        )
        model = data.get("model", "straight_line")
        if model not in ("straight_line", "road"):
            raise self.fail("travel.model", 'must be "straight_line" or "road"')
        return TravelConfig(
            model=model,
            detour_factor=self.number(data, "detour_factor", "travel", 1.4),
            speed_kmh=self.number(data, "speed_kmh", "travel", 50.0),
            max_speed_kmh=self.number(data, "max_speed_kmh", "travel", 130.0),
            network=self.file(data, "network", "travel") if "network" in data else None,
        )

    def service(self, data: dict[str, Any]) -> ServiceConfig:
        where = "service"
        self.known(
            data,
            {"model", "mean_minutes", "default_mean_minutes", "cv", "call_types", "samples"},
            where,
        )
        model = data.get("model", "lognormal")
        if model not in SERVICE_MODELS:
            raise self.fail("service.model", f"must be one of {', '.join(SERVICE_MODELS)}")
        means = self.table(data, "mean_minutes", where) or {
            "1": 60.0,
            "2": 50.0,
            "3": 40.0,
            "4": 35.0,
            "5": 30.0,
        }
        by_priority: dict[int, float] = {}
        for key, _value in means.items():
            if key not in {"1", "2", "3", "4", "5"}:
                raise self.fail(f"service.mean_minutes.{key}", "keys are priorities 1..5")
            by_priority[int(key)] = self.number(means, key, "service.mean_minutes", 1.0)
        call_types = self.table(data, "call_types", where)
        by_type = {
            str(k): self.number(call_types, k, "service.call_types", 1.0) for k in call_types
        }
        samples = self.file(data, "samples", where) if "samples" in data else None
        if model == "empirical" and samples is None:
            raise self.fail("service.samples", 'required by model "empirical"')
        return ServiceConfig(
            model=model,
            mean_minutes=by_priority,
            default_mean_minutes=self.number(data, "default_mean_minutes", where, 40.0),
            cv=self.number(data, "cv", where, 1.0),
            call_type_minutes=by_type,
            samples=samples,
        )

    def policies(self, data: dict[str, Any]) -> PolicyConfig:
        where = "policies"
        self.known(data, {"compare", "home_reserve", "reserve_by_agency"}, where)
        compare = data.get("compare", ["siloed", "pooled", "pooled_reserve"])
        if (
            not isinstance(compare, list)
            or not compare
            or any(p not in POLICIES for p in compare)
            or len(set(compare)) != len(compare)
        ):
            raise self.fail("policies.compare", f"must list some of {', '.join(POLICIES)}")
        reserve = data.get("home_reserve", 1)
        if isinstance(reserve, bool) or not isinstance(reserve, int) or reserve < 0:
            raise self.fail("policies.home_reserve", "must be a whole number, 0 or more")
        by_agency = self.table(data, "reserve_by_agency", where)
        for key, value in by_agency.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise self.fail(f"policies.reserve_by_agency.{key}", "must be 0 or more")
        return PolicyConfig(tuple(compare), reserve, dict(by_agency))

    def shifts(self, data: dict[str, Any]) -> ShiftConfig | None:
        where = "shifts"
        self.known(data, {"enabled", "pattern", "start_hour", "hours"}, where)
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            raise self.fail("shifts.enabled", "must be true or false")
        if ("pattern" in data) == ("hours" in data):
            raise self.fail(where, "needs either pattern or hours (not both)")
        if "pattern" in data:
            pattern = data["pattern"]
            parts = pattern.split("x") if isinstance(pattern, str) else []
            if len(parts) != 2 or not all(p.isdigit() for p in parts):
                raise self.fail("shifts.pattern", 'must be "HOURSxSHIFTS", e.g. "8x3"')
            length, count = int(parts[0]), int(parts[1])
            if length < 1 or count < 2 or length * count != 24:
                raise self.fail("shifts.pattern", "two or more shifts making 24 hours")
            first = data.get("start_hour", 0)
            if isinstance(first, bool) or not isinstance(first, int | float) or not 0 <= first < 24:
                raise self.fail("shifts.start_hour", "must be an hour, 0 or more and below 24")
            hours = tuple(
                (float((first + k * length) % 24), float((first + (k + 1) * length) % 24))
                for k in range(count)
            )
        else:
            if "start_hour" in data:
                raise self.fail("shifts.start_hour", "goes with pattern, not hours")
            value = data["hours"]
            if not isinstance(value, list) or not value:
                raise self.fail("shifts.hours", "must be a list of [start, end] hours")
            spans = []
            for i, item in enumerate(value):
                where_i = f"shifts.hours[{i}]"
                if (
                    not isinstance(item, list)
                    or len(item) != 2
                    or any(isinstance(x, bool) or not isinstance(x, int | float) for x in item)
                ):
                    raise self.fail(where_i, "must be [start, end], two hours")
                s, e = float(item[0]), float(item[1])
                if not 0 <= s < 24 or not 0 <= e <= 24:
                    raise self.fail(where_i, "hours must lie in 0..24 (start below 24)")
                if s % 24 == e % 24:
                    raise self.fail(where_i, "a shift needs a length: start and end differ")
                spans.append((s, e % 24))
            hours = tuple(spans)
        return ShiftConfig(hours) if enabled else None

    def plan(self, value: Any) -> tuple[Requirement, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail("default_plan", "must be a list of {capability, count}")
        plan = []
        for i, item in enumerate(value):
            if not isinstance(item, dict) or not isinstance(item.get("capability"), str):
                raise self.fail(f"default_plan[{i}]", "needs a capability")
            count = item.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise self.fail(f"default_plan[{i}].count", "must be 1 or more")
            plan.append(Requirement(item["capability"], count))
        return tuple(plan)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
