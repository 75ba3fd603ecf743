"""Call streams: the calls a simulation serves, as arrays sorted by time.

Times are the log's local wall-clock times, kept naive on purpose: the hour of the week a
call arrives in is a local-time notion, and a run never compares them with the clock.
A log whose times carry a UTC offset is read as given (each call at its own wall-clock
time); a log that mixes times with and without an offset is refused (``ScenarioError``),
since the two cannot be put on one clock.

Two sources. ``replay`` reads a call-log CSV through a ``CallLogMapping``; ``generate``
draws Poisson arrivals by area x hour of week x priority from the rates table that
``calibrate`` writes. Either way every call lies in a jurisdiction of the collective: calls
outside all of them (or in an area no jurisdiction matches) are dropped and counted, since
no agency answers for them.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import CallTypeCode, JurisdictionId
from bluepool.sim.fleet import Fleet, FloatArray, IntArray
from bluepool.sim.scenario import CallLogMapping, DataMissing, GeneratedCalls, ScenarioError

GENERIC_CALL_TYPE = CallTypeCode("call")
#: A cell of the call-type mix by area and hour with fewer calls falls back (``AreaMix``).
MIX_MIN_CALLS = 10
#: Where a stream without a start of its own counts from (a Monday).
DEFAULT_START = datetime(2024, 1, 1)  # noqa: DTZ001 - local wall-clock time


@dataclass(frozen=True, slots=True, eq=False)
class CallStream:
    """Calls sorted by arrival; ``t`` is seconds since ``start``."""

    start: datetime
    t: FloatArray
    priority: IntArray
    call_type: tuple[CallTypeCode, ...]
    lat: FloatArray
    lon: FloatArray
    #: Index into ``Fleet.jurisdictions``.
    jurisdiction: IntArray
    #: On-scene seconds from the log; NaN where the service model draws it.
    on_scene: FloatArray
    #: Rows left out, by reason.
    dropped: Mapping[str, int] = field(default_factory=dict)
    #: Per call, seconds: received -> dispatchable, and dispatched -> en route (None: no
    #: delay; see ``service.draw_delays``).
    processing: FloatArray | None = None
    turnout: FloatArray | None = None
    #: Replayed calls the log gave no on-scene time, which ``service.missing_on_scene``
    #: filled (``runner.served_as``).
    on_scene_filled: int = 0

    def __len__(self) -> int:
        return len(self.t)

    @property
    def horizon(self) -> float:
        """Seconds from the start to the last arrival."""
        return float(self.t[-1]) if len(self.t) else 0.0

    def keep(self, mask: NDArray[np.bool_], reason: str) -> CallStream:
        """The calls where ``mask`` holds; the others counted as dropped for ``reason``."""
        dropped = dict(self.dropped)
        if (~mask).any():
            dropped[reason] = dropped.get(reason, 0) + int((~mask).sum())
        return CallStream(
            self.start,
            self.t[mask],
            self.priority[mask],
            tuple(c for c, k in zip(self.call_type, mask.tolist(), strict=True) if k),
            self.lat[mask],
            self.lon[mask],
            self.jurisdiction[mask],
            self.on_scene[mask],
            dropped,
            self.processing[mask] if self.processing is not None else None,
            self.turnout[mask] if self.turnout is not None else None,
            self.on_scene_filled,
        )

    def with_on_scene(self, seconds: FloatArray) -> CallStream:
        """The same calls with on-scene times filled where the log gave none."""
        return dataclasses.replace(
            self, on_scene=np.where(np.isnan(self.on_scene), seconds, self.on_scene)
        )

    def with_delays(self, processing: FloatArray, turnout: FloatArray) -> CallStream:
        """The same calls with call-processing and turnout delays (None where all 0)."""
        return dataclasses.replace(
            self,
            processing=processing if processing.any() else None,
            turnout=turnout if turnout.any() else None,
        )


def from_arrays(
    fleet: Fleet,
    t: Sequence[float] | FloatArray,
    lat: Sequence[float] | FloatArray,
    lon: Sequence[float] | FloatArray,
    *,
    priority: Sequence[int] | IntArray | None = None,
    call_type: Sequence[str] | None = None,
    on_scene: Sequence[float] | FloatArray | None = None,
    start: datetime = DEFAULT_START,
) -> CallStream:
    """Build a stream from plain sequences (tests, benchmarks); calls outside every
    jurisdiction are dropped."""
    n = len(t)
    times = np.asarray(t, dtype=np.float64)
    order = np.argsort(times, kind="stable")
    la = np.asarray(lat, dtype=np.float64)[order]
    lo = np.asarray(lon, dtype=np.float64)[order]
    j_index = fleet.jurisdiction_index()
    found = fleet.locator.locate_many([Location(a, b) for a, b in zip(la, lo, strict=True)])
    jur = np.array([j_index[j] if j is not None else -1 for j in found], dtype=np.int64)
    keep = order[jur >= 0]
    inside = jur >= 0
    types = (
        tuple(CallTypeCode(call_type[i]) for i in keep.tolist())
        if call_type is not None
        else (GENERIC_CALL_TYPE,) * len(keep)
    )
    dropped = n - len(keep)
    return CallStream(
        start=start,
        t=times[keep],
        priority=(
            np.asarray(priority, dtype=np.int64)[keep]
            if priority is not None
            else np.full(len(keep), 3, dtype=np.int64)
        ),
        call_type=types,
        lat=la[inside],
        lon=lo[inside],
        jurisdiction=jur[inside],
        on_scene=(
            np.asarray(on_scene, dtype=np.float64)[keep]
            if on_scene is not None
            else np.full(len(keep), math.nan)
        ),
        dropped={"outside every jurisdiction": dropped} if dropped else {},
    )


# -- replay --------------------------------------------------------------------


@dataclass(slots=True)
class LogRow:
    at: datetime
    priority: int
    call_type: CallTypeCode
    lat: float
    lon: float
    area: str | None
    on_scene: float


def replay(
    path: Path, mapping: CallLogMapping, fleet: Fleet, rng: np.random.Generator
) -> CallStream:
    """Read a call log; calls given by area get a random point of their jurisdiction."""
    rows, dropped = read_log(path, mapping)
    return _assemble(fleet, rows, dropped, rng=rng, area_map=mapping.area_map)


def read_log(path: Path, mapping: CallLogMapping) -> tuple[list[LogRow], Counter[str]]:
    """The log's calls as rows, and the count of rows dropped by reason."""
    if not path.exists():
        raise DataMissing(f"call log {path} is absent")
    dropped: Counter[str] = Counter()
    rows: list[LogRow] = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = set(reader.fieldnames or ())
        wanted = [
            c
            for c in (
                mapping.time,
                mapping.priority,
                mapping.call_type,
                mapping.lat,
                mapping.lon,
                mapping.area,
                mapping.on_scene_minutes,
                *mapping.exclude,
            )
            if c is not None
        ]
        missing = [c for c in wanted if c not in columns]
        if missing:
            raise ScenarioError(
                f"{path}: no column {', '.join(missing)} (columns: {', '.join(sorted(columns))})"
            )
        #: The first row with a UTC offset and the first without: (line, time text).
        first: dict[bool, tuple[int, str]] = {}
        for line, raw in enumerate(reader, start=2):
            if any(raw.get(c) is None for c in wanted):
                dropped["short row (missing cells)"] += 1
                continue
            row = _row(raw, mapping, dropped)
            if row is None:
                continue
            aware = row.at.utcoffset() is not None
            first.setdefault(aware, (line, raw[mapping.time].strip()))
            if len(first) == 2:
                (n_aware, t_aware), (n_naive, t_naive) = first[True], first[False]
                raise ScenarioError(
                    f"{path}: column {mapping.time}: line {n_aware} has a time with a UTC "
                    f"offset ({t_aware!r}) but line {n_naive} one without ({t_naive!r}); "
                    "give every time with an offset or none"
                )
            rows.append(row)
    return rows, dropped


def _row(raw: Mapping[str, str], m: CallLogMapping, dropped: Counter[str]) -> LogRow | None:
    """One log row as a call, or None (counted in ``dropped``); every cell it reads is there
    (``read_log`` drops short rows first)."""
    for column, values in m.exclude.items():
        if raw[column].strip() in values:
            dropped[f"{column} excluded"] += 1
            return None
    try:
        text = raw[m.time].strip()
        at = (
            datetime.strptime(text, m.time_format)  # noqa: DTZ007 - local wall clock
            if m.time_format
            else datetime.fromisoformat(text)
        )
    except ValueError:
        dropped["bad time"] += 1
        return None
    priority = m.default_priority
    if m.priority is not None:
        value = raw[m.priority].strip()
        if m.priority_map is not None:
            if value not in m.priority_map:
                dropped["priority not mapped"] += 1
                return None
            priority = m.priority_map[value]
        elif value in {"1", "2", "3", "4", "5"}:
            priority = int(value)
        else:
            dropped["bad priority"] += 1
            return None
    call_type = (
        CallTypeCode(raw[m.call_type].strip() or GENERIC_CALL_TYPE)
        if m.call_type
        else GENERIC_CALL_TYPE
    )
    on_scene = math.nan
    if m.on_scene_minutes is not None:
        try:
            on_scene = float(raw[m.on_scene_minutes]) * 60.0
        except ValueError:
            on_scene = math.nan
        if not on_scene >= 0:
            on_scene = math.nan
    lat = lon = math.nan
    area = None
    if m.lat is not None and m.lon is not None:
        try:
            lat, lon = float(raw[m.lat]), float(raw[m.lon])
        except ValueError:
            lat = lon = math.nan
    if m.area is not None:
        area = raw[m.area].strip()
        if m.area_chars is not None:
            area = area[: m.area_chars]
    if math.isnan(lat) and area is None:
        dropped["no location"] += 1
        return None
    return LogRow(at, priority, call_type, lat, lon, area, on_scene)


def _assemble(
    fleet: Fleet,
    rows: list[LogRow],
    dropped: Counter[str],
    *,
    rng: np.random.Generator,
    area_map: Mapping[str, str] | None = None,
    start: datetime | None = None,
) -> CallStream:
    rows.sort(key=lambda r: r.at)
    j_index = fleet.jurisdiction_index()
    located: list[Location | None] = []
    for r in rows:
        try:
            located.append(None if math.isnan(r.lat) else Location(r.lat, r.lon))
        except Invalid:
            located.append(None)
    found = fleet.locator.locate_many([loc for loc in located if loc is not None])
    it = iter(found)
    jur: list[int] = []
    for r, loc in zip(rows, located, strict=True):
        j: JurisdictionId | None = next(it) if loc is not None else None
        if j is None and r.area is not None:
            j = JurisdictionId(area_map.get(r.area, "") if area_map is not None else r.area)
            if loc is not None:
                r.lat = r.lon = math.nan  # the point lies outside its area: place it inside
        if j is None or j not in j_index:
            jur.append(-1)
        else:
            jur.append(j_index[j])
    keep = [i for i, j in enumerate(jur) if j >= 0]
    dropped["outside every jurisdiction"] += len(rows) - len(keep)
    rows = [rows[i] for i in keep]
    jurisdiction = np.array([jur[i] for i in keep], dtype=np.int64)
    lat = np.array([r.lat for r in rows], dtype=np.float64)
    lon = np.array([r.lon for r in rows], dtype=np.float64)
    unplaced = np.isnan(lat)
    if unplaced.any():
        for j in np.unique(jurisdiction[unplaced]):
            sel = np.flatnonzero(unplaced & (jurisdiction == j))
            la, lo = points_in(fleet, int(j), len(sel), rng)
            lat[sel], lon[sel] = la, lo
    origin = start if start is not None else (rows[0].at if rows else DEFAULT_START)
    return CallStream(
        start=origin,
        t=np.array([(r.at - origin).total_seconds() for r in rows], dtype=np.float64),
        priority=np.array([r.priority for r in rows], dtype=np.int64),
        call_type=tuple(r.call_type for r in rows),
        lat=lat,
        lon=lon,
        jurisdiction=jurisdiction,
        on_scene=np.array([r.on_scene for r in rows], dtype=np.float64),
        dropped={k: v for k, v in dropped.items() if v},
    )


def points_in(
    fleet: Fleet, jurisdiction: int, n: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """``n`` points drawn uniformly (in degrees) inside a jurisdiction's polygon."""
    geom = shape(fleet.jurisdictions[jurisdiction].geometry)
    minx, miny, maxx, maxy = geom.bounds
    lat_out: list[FloatArray] = []
    lon_out: list[FloatArray] = []
    got = 0
    while got < n:
        m = max(16, 2 * (n - got))
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        inside = shapely.contains_xy(geom, x, y)
        lon_out.append(x[inside])
        lat_out.append(y[inside])
        got += int(inside.sum())
    return np.concatenate(lat_out)[:n], np.concatenate(lon_out)[:n]


# -- generated calls -----------------------------------------------------------


def generate(config: GeneratedCalls, fleet: Fleet, rng: np.random.Generator) -> CallStream:
    """Poisson arrivals, hour by hour, at the rates of the calibration table."""
    rates = read_rates(config.calibration, fleet)
    mix_path = config.call_types or config.calibration.with_suffix(".call_types.csv")
    mix = read_mix(mix_path) if mix_path.exists() else {}
    hours = math.ceil(config.days * 24)
    start = config.start
    how = np.array(
        [_hour_of_week(start + timedelta(hours=h)) for h in range(hours)], dtype=np.int64
    )
    counts = rng.poisson(rates[:, how, :])  # area x hour x priority
    area, hour, prio = np.nonzero(counts)
    reps = counts[area, hour, prio]
    area = np.repeat(area, reps)
    hour = np.repeat(hour, reps)
    prio = np.repeat(prio, reps) + 1
    t = (hour + rng.random(len(hour))) * 3600.0
    hod = np.array([(start + timedelta(hours=h)).hour for h in range(hours)], dtype=np.int64)[hour]
    horizon = config.days * 86400.0
    keep = t < horizon
    t, area, prio, hod = t[keep], area[keep], prio[keep], hod[keep]
    order = np.argsort(t, kind="stable")
    t, area, prio, hod = t[order], area[order], prio[order], hod[order]
    lat = np.empty(len(t))
    lon = np.empty(len(t))
    for j in np.unique(area):
        sel = np.flatnonzero(area == j)
        lat[sel], lon[sel] = points_in(fleet, int(j), len(sel), rng)
    call_type = np.full(len(t), GENERIC_CALL_TYPE, dtype=object)
    for p, (codes, shares) in mix.items():
        sel = np.flatnonzero(prio == p)
        if len(sel):
            call_type[sel] = rng.choice(np.array(codes, dtype=object), size=len(sel), p=shares)
    area_mix = config.calibration.with_suffix(".call_mix.csv")
    if area_mix.exists():
        AreaMix.read(area_mix, fleet).assign(call_type, area, hod, prio, rng)
    return CallStream(
        start=start,
        t=t,
        priority=prio.astype(np.int64),
        call_type=tuple(CallTypeCode(str(c)) for c in call_type),
        lat=lat,
        lon=lon,
        jurisdiction=area.astype(np.int64),
        on_scene=np.full(len(t), math.nan),
    )


def _hour_of_week(at: datetime) -> int:
    """0 is Monday 00:00-01:00, 167 is Sunday 23:00-24:00."""
    return at.weekday() * 24 + at.hour


def read_rates(path: Path, fleet: Fleet) -> FloatArray:
    """The calibration table as rates per hour: jurisdiction x hour of week x priority.

    An hour of week of ``*`` stands for all 168 (a flat rate, for hand-written tables).
    Priorities run 1..5, hours of week 0..167, rates are 0 or more; anything else is a
    ``ScenarioError`` naming the line and the column."""
    if not path.exists():
        raise DataMissing(f"calibration table {path} is absent")
    j_index = fleet.jurisdiction_index()
    rates = np.zeros((len(fleet.jurisdictions), 168, 5))
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        _require_columns(path, reader, ("area", "hour_of_week", "priority", "rate_per_hour"))
        for n, row in enumerate(reader, start=2):
            where = f"{path}: line {n}"
            area = row["area"]
            if area is None or JurisdictionId(area) not in j_index:
                raise ScenarioError(f"{where}: area: no {area!r} in the collective")
            j = j_index[JurisdictionId(area)]
            p = _whole(row["priority"], f"{where}: priority", 1, 5)
            how = row["hour_of_week"]
            hours = slice(None) if how == "*" else _whole(how, f"{where}: hour_of_week", 0, 167)
            value = _number(row["rate_per_hour"], f"{where}: rate_per_hour")
            rates[j, hours, p - 1] += value
    return rates


def _require_columns(path: Path, reader: csv.DictReader[str], columns: Sequence[str]) -> None:
    have = set(reader.fieldnames or ())
    missing = [c for c in columns if c not in have]
    if missing:
        raise ScenarioError(f"{path}: no column {', '.join(missing)}")


def _whole(text: str | None, where: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``, else a ScenarioError naming ``where``."""
    try:
        value = int((text or "").strip())
    except ValueError:
        raise ScenarioError(f"{where}: {text!r} is not a whole number") from None
    if not low <= value <= high:
        raise ScenarioError(f"{where}: {value} is not from {low} to {high}")
    return value


def _number(text: str | None, where: str) -> float:
    """A finite number, 0 or more, else a ScenarioError naming ``where``."""
    try:
        value = float((text or "").strip())
    except ValueError:
        raise ScenarioError(f"{where}: {text!r} is not a number") from None
    if not (math.isfinite(value) and value >= 0):
        raise ScenarioError(f"{where}: {value} must be a finite number, 0 or more")
    return value


def read_mix(path: Path) -> dict[int, tuple[list[str], FloatArray]]:
    """Call-type shares by priority (the ``.call_types.csv`` that calibrate writes).

    Priorities are whole numbers 1..5 and shares 0 or more, else ``ScenarioError``."""
    by_priority: dict[int, dict[str, float]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        _require_columns(path, reader, ("priority", "call_type", "share"))
        for n, row in enumerate(reader, start=2):
            where = f"{path}: line {n}"
            p = _whole(row["priority"], f"{where}: priority", 1, 5)
            code = row["call_type"]
            if not code:
                raise ScenarioError(f"{where}: call_type: empty")
            by_priority.setdefault(p, {})[code] = _number(row["share"], f"{where}: share")
    out: dict[int, tuple[list[str], FloatArray]] = {}
    for p, shares in by_priority.items():
        codes = sorted(shares)
        w = np.array([shares[c] for c in codes])
        if w.sum() > 0:
            out[p] = (codes, w / w.sum())
    return out


@dataclass(frozen=True, slots=True)
class AreaMix:
    """Call types by area, hour of day and priority (``<stem>.call_mix.csv`` of
    ``calibrate --source history``). A generated call takes the mix of its cell (area,
    hour of day, priority) when that cell saw ``min_calls`` calls or more, else its area's
    for the priority (all hours) when that did, else keeps the priority-wide draw."""

    #: (jurisdiction index, hour, priority) and (jurisdiction index, -1, priority): counts.
    cells: Mapping[tuple[int, int, int], Mapping[str, int]]
    min_calls: int = MIX_MIN_CALLS

    @classmethod
    def read(cls, path: Path, fleet: Fleet, min_calls: int = MIX_MIN_CALLS) -> AreaMix:
        j_index = fleet.jurisdiction_index()
        cells: dict[tuple[int, int, int], Counter[str]] = {}
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            _require_columns(path, reader, ("area", "hour", "priority", "call_type", "calls"))
            for n, row in enumerate(reader, start=2):
                where = f"{path}: line {n}"
                j = j_index.get(JurisdictionId(row["area"] or ""))
                if j is None:
                    continue  # an area the collective does not have: its calls never come
                hour = _whole(row["hour"], f"{where}: hour", 0, 23)
                p = _whole(row["priority"], f"{where}: priority", 1, 5)
                count = _whole(row["calls"], f"{where}: calls", 0, 10**9)
                for key in ((j, hour, p), (j, -1, p)):
                    cells.setdefault(key, Counter())[row["call_type"] or GENERIC_CALL_TYPE] += count
        return cls(cells, min_calls)

    def mix(self, area: int, hour: int, priority: int) -> Mapping[str, int] | None:
        for key in ((area, hour, priority), (area, -1, priority)):
            got = self.cells.get(key)
            if got is not None and sum(got.values()) >= self.min_calls:
                return got
        return None

    def assign(
        self,
        call_type: NDArray[np.object_],
        area: IntArray,
        hour: IntArray,
        priority: IntArray,
        rng: np.random.Generator,
    ) -> None:
        """Draw each call's type from its cell's mix, in place (calls without one keep
        theirs)."""
        keys = np.stack((area, hour, priority), axis=1)
        for a, h, p in sorted({tuple(k) for k in keys.tolist()}):
            got = self.mix(a, h, p)
            if got is None:
                continue
            sel = np.flatnonzero((area == a) & (hour == h) & (priority == p))
            codes = sorted(got)
            w = np.array([got[c] for c in codes], dtype=np.float64)
            call_type[sel] = rng.choice(np.array(codes, dtype=object), size=len(sel), p=w / w.sum())
