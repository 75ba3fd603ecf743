"""The call history in DuckDB (docs/history.md, docs/decisions/0029).

One table, ``calls``. ``import_files`` reads CAD exports with DuckDB's CSV reader (every
column as text, then SQL casts and joins to the mapping's value maps), counts every row it
drops or doubts by reason in SQL, and commits the whole run or nothing. ``summarise``
runs the KPI query generated from the KPI definitions (``adapters.history.kpis``).

A connection is opened for each call and closed after it: DuckDB lets one process write
a file, so nothing holds it open between commands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from pyproj import Transformer

from bluepool.adapters.history import kpis as sql
from bluepool.domain.analytics.figures import DAYS, TOTAL, Box, Figures, JurisdictionMedian
from bluepool.domain.analytics.goals import Goal, Judged, judged
from bluepool.domain.analytics.history import (
    ByArea,
    CallMapping,
    Coded,
    ImportReport,
    LatLon,
    Projected,
    WktPoint,
)
from bluepool.domain.analytics.hotspots import Point
from bluepool.domain.analytics.kpis import (
    BY_NAME,
    KPIS,
    Assistance,
    Call,
    Dimension,
    KpiRow,
    Stage,
)
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.services.ports import HistorySummary

SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id VARCHAR NOT NULL,
    received TIMESTAMPTZ NOT NULL,
    entered TIMESTAMPTZ,
    dispatched TIMESTAMPTZ,
    en_route TIMESTAMPTZ,
    on_scene TIMESTAMPTZ,
    cleared TIMESTAMPTZ,
    priority INTEGER,
    call_type VARCHAR NOT NULL,
    jurisdiction VARCHAR,
    agency VARCHAR,
    unit_kind VARCHAR NOT NULL,
    unit_agency VARCHAR,
    self_initiated BOOLEAN NOT NULL,
    lat DOUBLE,
    lon DOUBLE,
    -- the file a call came from, or 'live'; and its row there (1: the first after the header)
    source VARCHAR NOT NULL,
    source_row BIGINT
)
"""
COLUMNS = (
    "id, received, entered, dispatched, en_route, on_scene, cleared, priority, call_type, "
    "jurisdiction, agency, unit_kind, unit_agency, self_initiated, lat, lon, source, source_row"
)
STAGES = tuple(Stage)
#: The local hours whose UTC offset is looked up, not computed per value (others are).
ZONE_HOURS = ("1990-01-01", "2045-01-01")
#: How many unmapped values of a field the report names.
UNMAPPED_SHOWN = 10
#: The first unit came from another agency than the one that answers (``served_by_other``).
OTHER = "NULLIF(unit_agency, '') <> NULLIF(agency, '')"
_CODED = ("priority", "call_type", "agency", "jurisdiction", "unit_kind")


#: An area name as matched to known names: lower case, no white space (``area_key``).
#: Unicode spaces too (RE2's ``\s`` alone is ASCII only), as ``area_key`` drops them.
_AREA_KEY = "lower(regexp_replace({}, '[\\s\\pZ]', '', 'g'))"


def area_key(name: str) -> str:
    """A name as an area is matched to it: case and white space aside."""
    return "".join(name.split()).lower()


def judge_none(goal: Goal, start: datetime, end: datetime) -> Judged:
    """A goal over a period without a call it covers."""
    return judged(goal, start, end, 0, None, None)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _col(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(column: str) -> str:
    """A column's text, NULL when empty. Not trimmed: trimming every value of a million
    rows costs more than the rest of the import; a value with spaces around it is then
    unmapped, and reported so."""
    return f"NULLIF(r.{_col(column)}, '')"


@dataclass(frozen=True, slots=True)
class _Field:
    """A coded field: its raw text, and its code (NULL when a map lacks the raw text)."""

    raw: str
    code: str
    mapped: bool


#: The jurisdiction and its agency each (lat, lon) lies in, or None (outside every one).
Locate = Callable[[Sequence[tuple[float, float]]], Sequence[tuple[str, str] | None]]


class DuckHistory:
    """The ``CallHistory`` port on a DuckDB file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(self.path), read_only=read_only)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            raise Conflict(
                f"the call history {self.path} is in use by another process; try again",
                code="history_busy",
            ) from exc
        try:
            con.execute("SET TimeZone = 'UTC'")
            if not read_only:
                con.execute(SCHEMA)
            yield con
        finally:
            con.close()

    # -- reading ---------------------------------------------------------------

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self._connect(read_only=True) as con:
            got = con.execute("SELECT count(*) FROM calls").fetchone()
        return int(got[0]) if got else 0

    def summarise(
        self, start: datetime, end: datetime, by: Sequence[Dimension], time_zone: str
    ) -> HistorySummary:
        if not self.path.exists():  # nothing imported yet: no file made by a report
            return HistorySummary(0, 0, (), ())
        params: dict[str, Any] = {"start": start, "end": end}
        if Dimension.HOUR_OF_WEEK in by:
            params["zone"] = time_zone
        period = "WHERE received >= $start AND received < $end"
        with self._connect(read_only=True) as con:
            found = con.execute(sql.query(by), params).fetchall()
            totals = con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE self_initiated) FROM calls {period}",
                {"start": start, "end": end},
            ).fetchone()
            public = f"FROM calls {period} AND NOT self_initiated AND agency IS NOT NULL"
            assisted = con.execute(
                f"SELECT agency, count(*), count(*) FILTER (WHERE {OTHER}) {public} GROUP BY 1",
                {"start": start, "end": end},
            ).fetchall()
            given = con.execute(
                f"SELECT unit_agency, count(*) {public} AND {OTHER} GROUP BY 1",
                {"start": start, "end": end},
            ).fetchall()
        calls, crew = (int(totals[0]), int(totals[1])) if totals else (0, 0)
        rows = self._rows(found, by) if calls else []
        received = {str(a): (int(n), int(r)) for a, n, r in assisted}
        gave = {str(a): int(n) for a, n in given}
        assistance = [
            Assistance(a, received.get(a, (0, 0))[0], received.get(a, (0, 0))[1], gave.get(a, 0))
            for a in sorted(set(received) | set(gave))
        ]
        return HistorySummary(calls, crew, tuple(rows), tuple(assistance))

    def points(self, start: datetime, end: datetime) -> list[Point]:
        if not self.path.exists():
            return []
        with self._connect(read_only=True) as con:
            found = con.execute(
                "SELECT received, lat, lon, call_type, priority, jurisdiction, self_initiated "
                "FROM calls WHERE received >= $start AND received < $end",
                {"start": start, "end": end},
            ).fetchall()
        return [Point(*row) for row in found]

    def figures(self, start: datetime, end: datetime, time_zone: str) -> Figures:
        period = {"start": start, "end": end}
        public = "FROM calls WHERE received >= $start AND received < $end AND NOT self_initiated"
        total = sql.seconds(TOTAL)
        if not self.path.exists():
            return Figures(time_zone, (), tuple((0,) * 24 for _ in DAYS), ())
        with self._connect(read_only=True) as con:
            boxes = con.execute(
                f"SELECT {sql.KEYS[Dimension.PRIORITY]} AS k, count(v), quantile_cont(v, "
                f"[0.1, 0.25, 0.5, 0.75, 0.9]) FROM (SELECT *, {total} AS v {public}) "
                "WHERE v >= 0 GROUP BY 1",
                period,
            ).fetchall()
            local = "timezone($zone, received)"
            hours = con.execute(
                f"SELECT isodow({local}) - 1, hour({local}), count(*) {public} GROUP BY 1, 2",
                {**period, "zone": time_zone},
            ).fetchall()
            medians = con.execute(
                f"SELECT jurisdiction, count(v), quantile_cont(v, 0.5) FROM (SELECT *, "
                f"{total} AS v {public}) WHERE v >= 0 AND jurisdiction <> '' GROUP BY 1",
                period,
            ).fetchall()
        grid = [[0] * 24 for _ in DAYS]
        for day, hour, n in hours:
            grid[int(day)][int(hour)] = int(n)
        return Figures(
            time_zone,
            tuple(Box(str(k), int(n), *(float(x) for x in q)) for k, n, q in sorted(boxes)),
            tuple(tuple(day) for day in grid),
            tuple(JurisdictionMedian(str(j), int(n), float(m)) for j, n, m in sorted(medians)),
        )

    def judge(self, goal: Goal, spans: Sequence[tuple[datetime, datetime]]) -> tuple[Judged, ...]:
        if not self.path.exists() or not spans:
            return tuple(judge_none(goal, a, b) for a, b in spans)
        where = ["NOT self_initiated", "received >= $lo", "received < $hi"]
        params: dict[str, Any] = {
            "lo": min(a for a, _ in spans),
            "hi": max(b for _, b in spans),
            "i": list(range(len(spans))),
            "a": [a for a, _ in spans],
            "b": [b for _, b in spans],
        }
        if goal.jurisdiction is not None:
            where.append("jurisdiction = $jurisdiction")
            params["jurisdiction"] = goal.jurisdiction
        if goal.priority is not None:
            where.append("priority = $priority")
            params["priority"] = goal.priority
        kept = "FILTER (WHERE v >= 0)"
        query = (
            f"SELECT s.i, count(v) {kept}, quantile_cont(v, 0.5) {kept}, "
            f"quantile_cont(v, 0.9) {kept} "
            "FROM (SELECT unnest($i) AS i, unnest($a) AS a, unnest($b) AS b) s "
            f"JOIN (SELECT received, {sql.seconds(BY_NAME[goal.kpi])} AS v FROM calls "
            f"WHERE {' AND '.join(where)}) c ON c.received >= s.a AND c.received < s.b "
            "GROUP BY s.i"
        )
        with self._connect(read_only=True) as con:
            found = {int(r[0]): r[1:] for r in con.execute(query, params).fetchall()}
        out = []
        for n, (a, b) in enumerate(spans):
            if n not in found:
                out.append(judge_none(goal, a, b))
                continue
            count, median, p90 = found[n]
            out.append(
                judged(
                    goal,
                    a,
                    b,
                    int(count),
                    None if median is None else float(median),
                    None if p90 is None else float(p90),
                )
            )
        return tuple(out)

    def located_calls(self, start: datetime, end: datetime) -> list[Call]:
        """The calls received in ``[start, end)`` as the KPIs see them, with their place
        (None when the history has no location), oldest first: what the simulator
        calibrates from and replays (``bluepool calibrate --source history``)."""
        if not self.path.exists():
            return []
        stages = ", ".join(s.value for s in STAGES)
        with self._connect(read_only=True) as con:
            found = con.execute(
                f"SELECT id, priority, call_type, jurisdiction, agency, unit_kind, "
                f"self_initiated, unit_agency, lat, lon, {stages} FROM calls "
                "WHERE received >= $start AND received < $end ORDER BY received, id",
                {"start": start, "end": end},
            ).fetchall()
        return [
            Call(
                str(r[0]),
                None if r[1] is None else int(r[1]),
                str(r[2]),
                r[3],
                r[4],
                str(r[5]),
                bool(r[6]),
                {s: t for s, t in zip(STAGES, r[10:], strict=True) if t is not None},
                r[7],
                None if r[8] is None else float(r[8]),
                None if r[9] is None else float(r[9]),
            )
            for r in found
        ]

    @staticmethod
    def _rows(found: Sequence[tuple[Any, ...]], by: Sequence[Dimension]) -> list[KpiRow]:
        n = len(by)
        width = len(sql.FIGURES)
        rows = []
        for record in sorted(found, key=lambda r: tuple(r[:n])):
            names = {d.value: str(k) for d, k in zip(by, record[:n], strict=True)}
            for i, kpi in enumerate(KPIS):
                count, median, p90, missing, doubtful = record[n + i * width : n + (i + 1) * width]
                rows.append(
                    KpiRow(
                        names,
                        kpi.name,
                        int(count),
                        None if median is None else float(median),
                        None if p90 is None else float(p90),
                        int(missing),
                        int(doubtful),
                    )
                )
        return rows

    # -- live calls ------------------------------------------------------------

    def replace(self, source: str, start: datetime, end: datetime, calls: Sequence[Call]) -> int:
        records = [
            (
                c.id,
                *(c.stages.get(s) for s in STAGES),
                c.priority,
                c.call_type,
                c.jurisdiction,
                c.agency,
                c.unit_kind,
                c.unit_agency,
                c.self_initiated,
                c.lat,
                c.lon,
                source,
            )
            for c in calls
            if Stage.RECEIVED in c.stages
        ]
        stages = ", ".join(f"${i + 2}" for i in range(len(STAGES)))
        rest = ", ".join(f"${i}" for i in range(len(STAGES) + 2, len(STAGES) + 12))
        insert = (
            "INSERT INTO calls (id, received, entered, dispatched, en_route, on_scene, cleared, "
            "priority, call_type, jurisdiction, agency, unit_kind, unit_agency, self_initiated, "
            f"lat, lon, source) VALUES ($1, {stages}, {rest})"
        )
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(
                    "DELETE FROM calls WHERE source = $source AND received >= $start "
                    "AND received < $end",
                    {"source": source, "start": start, "end": end},
                )
                if records:
                    con.executemany(insert, records)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return len(records)

    # -- imports ---------------------------------------------------------------

    def import_files(
        self,
        files: Sequence[Path],
        mapping: CallMapping,
        received_from: datetime | None = None,
        received_until: datetime | None = None,
        progress: Callable[[str], None] = lambda _: None,
        known_areas: Mapping[str, str] | None = None,
        locate: Locate | None = None,
    ) -> ImportReport:
        """Import ``files`` by ``mapping``, all or nothing; raise Invalid naming the file,
        row and column of the first thing that stops it. ``known_areas``: names (the
        collective's jurisdictions' ids and names) an area matches without being listed
        in the mapping, case and spaces aside, each to its jurisdiction. ``locate``: the
        jurisdiction (and the agency answering for it) each point lies in, or None; the
        imported calls with a point and no jurisdiction are placed by it."""
        start = received_from or mapping.received_from
        end = received_until or mapping.received_until
        read: dict[str, int] = {}
        dropped: dict[str, int] = {}
        doubtful: dict[str, int] = {}
        unmapped: dict[str, dict[str, int]] = {}
        imported = 0
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                auto = self._maps(con, mapping, known_areas or {})
                for path in files:
                    n, kept = self._import_one(con, path, mapping, start, end, auto)
                    read[path.name] = read.get(path.name, 0) + n
                    imported += kept
                    self._count(con, "dropped", dropped)
                    self._count_doubts(con, doubtful)
                    self._count_unmapped(con, mapping, unmapped)
                    progress(f"{path}: {n} rows, {kept} imported")
                placed = (0, 0)
                if locate is not None:
                    placed = self._place(con, sorted({p.name for p in files}), locate)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        shown = {
            k: tuple(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))[:UNMAPPED_SHOWN])
            for k, v in unmapped.items()
            if v
        }
        return ImportReport(read, imported, dropped, doubtful, shown, *placed)

    @staticmethod
    def _place(
        con: duckdb.DuckDBPyConnection, sources: Sequence[str], locate: Locate
    ) -> tuple[int, int]:
        """Place the calls of ``sources`` that have a point and no jurisdiction in the
        jurisdiction it lies in (its agency too, when the call has none); how many calls
        were placed, and how many lie outside every jurisdiction."""
        params = {"sources": list(sources)}
        lacking = (
            "c.source IN (SELECT unnest($sources)) AND c.lat IS NOT NULL AND c.lon IS NOT NULL "
            "AND coalesce(c.jurisdiction, '') = ''"
        )
        points = con.execute(f"SELECT DISTINCT lat, lon FROM calls c WHERE {lacking}", params)
        found = points.fetchall()
        if not found:
            return 0, 0
        hits = locate([(float(lat), float(lon)) for lat, lon in found])
        con.execute(
            "CREATE OR REPLACE TEMP TABLE placed "
            "(lat DOUBLE, lon DOUBLE, jurisdiction VARCHAR, agency VARCHAR)"
        )
        rows = [(*point, *hit) for point, hit in zip(found, hits, strict=True) if hit]
        if rows:
            con.executemany("INSERT INTO placed VALUES (?, ?, ?, ?)", rows)
        counted = con.execute(
            "SELECT count(p.lat), count(*) - count(p.lat) FROM calls c LEFT JOIN placed p "
            f"ON c.lat = p.lat AND c.lon = p.lon WHERE {lacking}",
            params,
        ).fetchone()
        con.execute(
            "UPDATE calls c SET jurisdiction = p.jurisdiction, agency = coalesce(nullif("
            "c.agency, ''), p.agency) FROM placed p WHERE c.lat = p.lat AND c.lon = p.lon "
            f"AND {lacking}",
            params,
        )
        assert counted is not None
        return int(counted[0]), int(counted[1])

    @staticmethod
    def _maps(
        con: duckdb.DuckDBPyConnection, mapping: CallMapping, known_areas: Mapping[str, str]
    ) -> bool:
        """The value maps as temporary tables; whether areas match known names too."""
        for name in _CODED:
            coded: Coded = getattr(mapping, name)
            con.execute(f"CREATE OR REPLACE TEMP TABLE map_{name} (raw VARCHAR, code VARCHAR)")
            if coded.values:
                con.executemany(f"INSERT INTO map_{name} VALUES (?, ?)", list(coded.values.items()))
        con.execute(
            "CREATE OR REPLACE TEMP TABLE zone_hours AS SELECT h, epoch_us(h) - "
            f"epoch_us(timezone({_lit(mapping.time_zone)}, h)) AS off FROM (SELECT unnest("
            f"generate_series(TIMESTAMP '{ZONE_HOURS[0]}', TIMESTAMP '{ZONE_HOURS[1]}', "
            "INTERVAL 1 HOUR)) AS h)"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE map_area "
            "(raw VARCHAR, jurisdiction VARCHAR, lat DOUBLE, lon DOUBLE)"
        )
        if isinstance(mapping.location, ByArea) and mapping.location.areas:
            con.executemany(
                "INSERT INTO map_area VALUES (?, ?, ?, ?)",
                [(k, a.jurisdiction, a.lat, a.lon) for k, a in mapping.location.areas.items()],
            )
        con.execute("CREATE OR REPLACE TEMP TABLE map_known (key VARCHAR, jurisdiction VARCHAR)")
        keys: dict[str, str] = {}
        for name, jurisdiction in known_areas.items():
            keys.setdefault(area_key(name), jurisdiction)
        if not isinstance(mapping.location, ByArea) or not keys:
            return False
        con.executemany("INSERT INTO map_known VALUES (?, ?)", list(keys.items()))
        return True

    def _import_one(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        mapping: CallMapping,
        start: datetime | None,
        end: datetime | None,
        auto: bool = False,
    ) -> tuple[int, int]:
        reader = (
            f"read_csv({_lit(str(path))}, all_varchar = true, header = true, "
            f"delim = {_lit(mapping.delimiter)})"
        )
        try:
            header = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()]
            con.execute(
                "CREATE OR REPLACE TEMP TABLE raw AS "
                f"SELECT row_number() OVER () AS source_row, * FROM {reader}"
            )
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise Invalid(
                f"{path}: not a CSV file bluepool can read: {first}", code="not_csv"
            ) from None
        missing = {f: c for f, c in mapping.columns().items() if c not in header}
        if missing:
            field, column = next(iter(missing.items()))
            raise Invalid(
                f"{path}: no column {column!r} (mapping {mapping.name}, field {field}); "
                f"the file has {len(header)}: {', '.join(header[:30])}",
                code="missing_column",
            )
        con.execute(self._parse(path, mapping, start, end, auto))
        self._check_times(con, path, mapping)
        if isinstance(mapping.location, Projected):
            self._reproject(con, mapping.location.epsg)
        total = con.execute("SELECT count(*) FROM parsed").fetchone()
        con.execute(f"INSERT INTO calls SELECT {COLUMNS} FROM parsed WHERE dropped IS NULL")
        kept = con.execute("SELECT count(*) FROM parsed WHERE dropped IS NULL").fetchone()
        return (int(total[0]) if total else 0), (int(kept[0]) if kept else 0)

    @staticmethod
    def _time(mapping: CallMapping, text: str) -> str:
        """The time of a text: read by the format, local (TIMESTAMP) unless it has an offset."""
        return f"try_strptime({text}, {_lit(mapping.time_format)})"

    @staticmethod
    def _local(mapping: CallMapping) -> bool:
        return "%z" not in mapping.time_format and "%Z" not in mapping.time_format

    def _in_zone(self, mapping: CallMapping) -> tuple[str, str]:
        """Local times to UTC: the select replacing each stage, and its joins. The offset of
        each local hour comes from ``zone_hours`` (ICU once per hour, not once per value);
        a time outside its years is converted by ICU itself."""
        if not self._local(mapping):
            return "n.*", ""
        zone = _lit(mapping.time_zone)
        replaced = ", ".join(
            f"COALESCE(make_timestamptz(epoch_us(n.{s.value}) - z_{s.value}.off), "
            f"timezone({zone}, n.{s.value})) AS {s.value}"
            for s in STAGES
        )
        joins = " ".join(
            f"LEFT JOIN zone_hours z_{s.value} ON z_{s.value}.h = date_trunc('hour', n.{s.value})"
            for s in STAGES
        )
        return f"n.* REPLACE ({replaced})", joins

    @staticmethod
    def _check_times(con: duckdb.DuckDBPyConnection, path: Path, mapping: CallMapping) -> None:
        """The first row with a time its format does not read: an error naming it."""
        bad = con.execute(
            "SELECT source_row, bad_time FROM parsed WHERE bad_time IS NOT NULL "
            "ORDER BY source_row LIMIT 1"
        ).fetchone()
        if bad is None:
            return
        row, stage = int(bad[0]), Stage(bad[1])
        column = mapping.stages[stage]
        found = con.execute(
            f"SELECT {_text(column)} FROM raw r WHERE r.source_row = $row", {"row": row}
        ).fetchone()
        value = found[0] if found else None
        raise Invalid(
            f"{path}: row {row}, column {column!r} (stages.{stage.value}): {value!r} is not "
            f"a time in the format {mapping.time_format!r}; nothing was imported",
            code="bad_time",
        )

    @staticmethod
    def _field(name: str, coded: Coded) -> _Field:
        if coded.column is None:
            value = "NULL" if coded.constant is None else _lit(coded.constant)
            return _Field(value, value, False)
        raw = _text(coded.column)
        if not coded.values:
            return _Field(raw, raw, False)
        return _Field(raw, f"m_{name}.code", True)

    def _parse(
        self,
        path: Path,
        mapping: CallMapping,
        start: datetime | None,
        end: datetime | None,
        auto: bool = False,
    ) -> str:
        f = {name: self._field(name, getattr(mapping, name)) for name in _CODED}
        id_text = (
            _text(mapping.id_column)
            if mapping.id_column
            else f"{_lit(path.name + ':')} || CAST(r.source_row AS VARCHAR)"
        )
        selects = [
            "r.source_row",
            f"{id_text} AS id",
            *(
                f"{self._time(mapping, _text(mapping.stages[s]))} AS {s.value}, "
                f"{_text(mapping.stages[s])} AS {s.value}_text"
                if s in mapping.stages
                else f"CAST(NULL AS {'TIMESTAMP' if self._local(mapping) else 'TIMESTAMPTZ'}) "
                f"AS {s.value}, NULL AS {s.value}_text"
                for s in STAGES
            ),
            *(f"{f[n].raw} AS {n}_raw, {f[n].code} AS {n}_code" for n in _CODED),
            self._self_initiated(mapping),
            *self._location(mapping, auto),
        ]
        if isinstance(mapping.location, ByArea):
            area_jurisdiction = "t.area_jurisdiction"
        else:
            area_jurisdiction = "NULL"
        joins = " ".join(
            f"LEFT JOIN map_{n} m_{n} ON m_{n}.raw = {f[n].raw}" for n in _CODED if f[n].mapped
        )
        if isinstance(mapping.location, ByArea):
            area = _text(mapping.location.column)
            joins += f" LEFT JOIN map_area m_area ON m_area.raw = {area}"
            if auto:
                joins += f" LEFT JOIN map_known m_known ON m_known.key = {_AREA_KEY.format(area)}"
        zoned, zone_joins = self._in_zone(mapping)
        bad_time = (
            "CASE "
            + " ".join(
                f"WHEN t.{x.value}_text IS NOT NULL AND t.{x.value} IS NULL THEN {_lit(x.value)}"
                for x in STAGES
            )
            + " END"
        )
        drops = [("no_received_time", "t.received IS NULL")]
        if start is not None:
            drops.append(("before_period", f"t.received < {_lit(start.isoformat())}::TIMESTAMPTZ"))
        if end is not None:
            drops.append(("after_period", f"t.received >= {_lit(end.isoformat())}::TIMESTAMPTZ"))
        for n in _CODED:
            only = getattr(mapping, n).only
            if only:
                values = ", ".join(_lit(v) for v in only)
                drops.append(
                    (f"{n}_not_selected", f"t.{n}_raw IS NULL OR t.{n}_raw NOT IN ({values})")
                )
        if mapping.drop_unmapped_call_types and f["call_type"].mapped:
            drops.append(("call_type_unmapped", "t.call_type_code IS NULL"))
        drops.append(("duplicate_id", "t.source_row IN (SELECT source_row FROM repeated)"))
        drops.append(("already_imported", "t.id IN (SELECT id FROM calls)"))
        dropped = "CASE " + " ".join(f"WHEN {c} THEN {_lit(r)}" for r, c in drops) + " END"
        priority = "TRY_CAST(t.priority_code AS INTEGER)"
        return f"""
        CREATE OR REPLACE TEMP TABLE repeated AS
        SELECT source_row FROM (
            SELECT source_row, row_number() OVER (PARTITION BY {id_text} ORDER BY source_row) AS n
            FROM raw r
        ) WHERE n > 1;
        CREATE OR REPLACE TEMP TABLE parsed AS
        WITH n AS (SELECT {", ".join(selects)} FROM raw r {joins}),
        t AS (SELECT {zoned} FROM n {zone_joins}),
        u AS (
            SELECT t.*,
                CASE WHEN t.lat BETWEEN -90 AND 90 AND t.lon BETWEEN -180 AND 180
                     THEN true ELSE false END AS located,
                COALESCE(t.jurisdiction_code, {area_jurisdiction}) AS jurisdiction_final,
                {dropped} AS dropped,
                {bad_time} AS bad_time
            FROM t
        )
        SELECT u.id, u.received, u.entered, u.dispatched, u.en_route, u.on_scene, u.cleared,
            {priority.replace("t.", "u.")} AS priority,
            COALESCE(u.call_type_code, u.call_type_raw, '') AS call_type,
            u.jurisdiction_final AS jurisdiction,
            COALESCE(u.agency_code, u.agency_raw) AS agency,
            COALESCE(u.unit_kind_code, u.unit_kind_raw, '') AS unit_kind,
            CAST(NULL AS VARCHAR) AS unit_agency,
            u.self_initiated,
            CASE WHEN u.located THEN u.lat END AS lat,
            CASE WHEN u.located THEN u.lon END AS lon,
            {_lit(path.name)} AS source, u.source_row, u.dropped, u.bad_time,
            u.priority_raw IS NOT NULL AND {priority.replace("t.", "u.")} IS NULL
                AS priority_unmapped,
            {self._unmapped_flags(f)},
            u.location_raw IS NULL AS no_location,
            u.location_raw IS NOT NULL AND u.lat IS NULL AND u.x IS NULL
                AND NOT u.area_known AS location_unreadable,
            u.lat IS NOT NULL AND NOT u.located AS location_out_of_range,
            {sql.any_negative()} AS clocks_disagree,
            u.x, u.y, u.priority_raw, u.call_type_raw, u.agency_raw, u.jurisdiction_raw,
            u.unit_kind_raw, u.location_raw
        FROM u
        """

    @staticmethod
    def _unmapped_flags(f: Mapping[str, _Field]) -> str:
        flags = []
        for n in _CODED[1:]:
            cond = f"u.{n}_raw IS NOT NULL AND u.{n}_code IS NULL" if f[n].mapped else "false"
            flags.append(f"{cond} AS {n}_unmapped")
        return ", ".join(flags)

    @staticmethod
    def _self_initiated(mapping: CallMapping) -> str:
        if mapping.self_initiated_column is None:
            return "false AS self_initiated"
        values = ", ".join(_lit(v) for v in mapping.self_initiated_values)
        column = _text(mapping.self_initiated_column)
        return f"COALESCE({column} IN ({values}), false) AS self_initiated"

    @staticmethod
    def _location(mapping: CallMapping, auto: bool = False) -> list[str]:
        """lat, lon, x, y, the location's raw text and whether its area is known."""
        loc = mapping.location
        none = "CAST(NULL AS DOUBLE)"
        lat = lon = x = y = none
        raw, known, more = "CAST(NULL AS VARCHAR)", "false", []
        if isinstance(loc, LatLon):
            lat, lon = (
                f"TRY_CAST({_text(loc.lat)} AS DOUBLE)",
                f"TRY_CAST({_text(loc.lon)} AS DOUBLE)",
            )
            raw = f"COALESCE({_text(loc.lat)}, {_text(loc.lon)})"
        elif isinstance(loc, WktPoint):
            raw = _text(loc.column)
            point = r"'^\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$'"
            lat = f"TRY_CAST(regexp_extract(upper({raw}), {point}, 2) AS DOUBLE)"
            lon = f"TRY_CAST(regexp_extract(upper({raw}), {point}, 1) AS DOUBLE)"
        elif isinstance(loc, Projected):
            x, y = f"TRY_CAST({_text(loc.x)} AS DOUBLE)", f"TRY_CAST({_text(loc.y)} AS DOUBLE)"
            raw = f"COALESCE({_text(loc.x)}, {_text(loc.y)})"
        elif isinstance(loc, ByArea):
            lat, lon, raw = "m_area.lat", "m_area.lon", _text(loc.column)
            if auto:  # a listed area first, else a known name
                known = "(m_area.raw IS NOT NULL OR m_known.key IS NOT NULL)"
                more = [
                    "CASE WHEN m_area.raw IS NOT NULL THEN m_area.jurisdiction "
                    "ELSE m_known.jurisdiction END AS area_jurisdiction"
                ]
            else:
                known = "m_area.raw IS NOT NULL"
                more = ["m_area.jurisdiction AS area_jurisdiction"]
        return [
            f"{lat} AS lat",
            f"{lon} AS lon",
            f"{x} AS x",
            f"{y} AS y",
            f"{raw} AS location_raw",
            f"{known} AS area_known",
            *more,
        ]

    @staticmethod
    def _reproject(con: duckdb.DuckDBPyConnection, epsg: int) -> None:
        """Easting and northing to WGS84 with pyproj, vectorised over the whole file."""
        got = con.execute(
            "SELECT source_row, x, y FROM parsed WHERE x IS NOT NULL AND y IS NOT NULL"
        ).fetchnumpy()
        transformer = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
        lon, lat = transformer.transform(np.asarray(got["x"]), np.asarray(got["y"]))
        con.register("reprojected", {"source_row": got["source_row"], "lat": lat, "lon": lon})
        try:
            con.execute(
                "UPDATE parsed SET lat = p.lat, lon = p.lon FROM reprojected p "
                "WHERE parsed.source_row = p.source_row AND p.lat BETWEEN -90 AND 90 "
                "AND p.lon BETWEEN -180 AND 180 AND isfinite(p.lat) AND isfinite(p.lon)"
            )
            con.execute(
                "UPDATE parsed SET location_unreadable = (x IS NULL OR y IS NULL) "
                "AND location_raw IS NOT NULL, location_out_of_range = x IS NOT NULL "
                "AND y IS NOT NULL AND lat IS NULL"
            )
        finally:
            con.unregister("reprojected")

    # -- counting --------------------------------------------------------------

    @staticmethod
    def _count(con: duckdb.DuckDBPyConnection, column: str, into: dict[str, int]) -> None:
        for reason, n in con.execute(
            f"SELECT {column}, count(*) FROM parsed WHERE {column} IS NOT NULL GROUP BY 1"
        ).fetchall():
            into[str(reason)] = into.get(str(reason), 0) + int(n)

    @staticmethod
    def _count_doubts(con: duckdb.DuckDBPyConnection, into: dict[str, int]) -> None:
        flags = [
            "priority_unmapped",
            *(f"{n}_unmapped" for n in _CODED[1:]),
            "no_location",
            "location_unreadable",
            "location_out_of_range",
            "clocks_disagree",
        ]
        got = con.execute(
            "SELECT "
            + ", ".join(f"count(*) FILTER (WHERE {c})" for c in flags)
            + " FROM parsed WHERE dropped IS NULL"
        ).fetchone()
        for flag, n in zip(flags, got or (), strict=False):
            into[flag] = into.get(flag, 0) + int(n)

    @staticmethod
    def _count_unmapped(
        con: duckdb.DuckDBPyConnection, mapping: CallMapping, into: dict[str, dict[str, int]]
    ) -> None:
        for n in _CODED:
            coded: Coded = getattr(mapping, n)
            if coded.column is None or (not coded.values and n != "priority"):
                continue
            values = into.setdefault(n, {})
            for value, k in con.execute(
                f"SELECT {n}_raw, count(*) FROM parsed WHERE dropped IS NULL "
                f"AND {n}_unmapped GROUP BY 1"
            ).fetchall():
                values[str(value)] = values.get(str(value), 0) + int(k)
        if isinstance(mapping.location, ByArea):
            values = into.setdefault("area", {})
            for value, k in con.execute(
                "SELECT location_raw, count(*) FROM parsed WHERE dropped IS NULL "
                "AND location_unreadable GROUP BY 1"
            ).fetchall():
                values[str(value)] = values.get(str(value), 0) + int(k)
