"""The call history in DuckDB: the KPIs of the same calls are the same from the store's
SQL as from ``kpis.summarise`` (a property); an import keeps, drops and doubts rows by
reason; bad input (a missing column, an unparseable time, a file that is not CSV) names
file, row and column and leaves the store as it was, across several files; EPSG:2056
reprojects; the two real exports import with their shipped mappings."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bluepool.adapters.files.call_mapping import read_mapping
from bluepool.adapters.history.store import DuckHistory
from bluepool.domain.analytics import goals, kpis
from bluepool.domain.analytics.figures import figures_of
from bluepool.domain.analytics.goals import Goal, Statistic
from bluepool.domain.analytics.history import (
    ByArea,
    CallMapping,
    Coded,
    LatLon,
    NamedArea,
    Projected,
    WktPoint,
)
from bluepool.domain.analytics.kpis import Call, Dimension, KpiRow, Stage
from bluepool.domain.shared.errors import Conflict, Invalid
from tests.strategies import START, kpi_calls

EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
SHARED = Path(__file__).parents[3].parent / "shared" / "data"
MAPPINGS = Path(__file__).parents[3] / "src" / "bluepool" / "demo" / "mappings"
ZONES = ["UTC", "America/Los_Angeles", "Europe/Vaduz"]


@pytest.fixture
def store(tmp_path: Path) -> DuckHistory:
    return DuckHistory(tmp_path / "history.duckdb")


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared/data ({path} is absent)")
    return path


def same(got: list[KpiRow], want: list[KpiRow]) -> None:
    assert [(r.group, r.kpi, r.count, r.missing, r.doubtful) for r in got] == [
        (r.group, r.kpi, r.count, r.missing, r.doubtful) for r in want
    ]
    for g, w in zip(got, want, strict=True):
        for a, b in ((g.median_s, w.median_s), (g.p90_s, w.p90_s)):
            assert (a is None) == (b is None), (g, w)
            if a is not None and b is not None:
                assert a == pytest.approx(b, rel=1e-9, abs=1e-6), (g, w)


@pytest.fixture(scope="module")
def scratch() -> Iterator[DuckHistory]:
    with tempfile.TemporaryDirectory() as folder:
        yield DuckHistory(Path(folder) / "history.duckdb")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 30).flatmap(lambda n: st.tuples(*(kpi_calls(i) for i in range(n)))),
    st.lists(st.sampled_from(list(Dimension)), max_size=3, unique=True),
    st.sampled_from(ZONES),
)
def test_the_same_calls_give_the_same_kpis_live_and_from_the_history(
    scratch: DuckHistory, calls: tuple[Call, ...], by: list[Dimension], zone: str
) -> None:
    scratch.replace("live", *EVER, calls)
    made = scratch.summarise(*EVER, by, zone)
    same(list(made.rows), kpis.summarise(calls, by, ZoneInfo(zone)))
    assert list(made.assistance) == kpis.assistance(c for c in calls if not c.self_initiated)
    assert (made.calls, made.self_initiated) == (len(calls), sum(c.self_initiated for c in calls))


def test_a_history_another_process_writes_is_busy_not_broken(store: DuckHistory) -> None:
    store.replace("live", *EVER, [])
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(Conflict) as caught:
            store.summarise(*EVER, [], "UTC")
        assert caught.value.code == "history_busy"
    finally:
        holder.communicate("")
    assert store.summarise(*EVER, [], "UTC").calls == 0


HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


def test_only_the_period_counts_and_replacing_live_calls_keeps_the_others(
    store: DuckHistory, tmp_path: Path
) -> None:
    early = Call("a", 1, "theft", None, "east", "patrol", False, {Stage.RECEIVED: START})
    late = Call("b", 1, "theft", None, "east", "patrol", False, {Stage.RECEIVED: EVER[1]})
    store.replace("live", START, EVER[1], [early])
    store.replace("other", *EVER, [late])
    assert store.summarise(START, EVER[1], [], "UTC").calls == 1
    store.replace("live", START, EVER[1], [])
    assert store.count() == 1


D = "2026/01/15 "
ROWS = [
    ("cad", "received", "dispatched", "onscene", "priority", "type", "agency", "onview", "point"),
    (
        "1",
        D + "07:18:10 AM",
        D + "07:20:10 AM",
        D + "07:30:10 AM",
        "A",
        "BURGLARY",
        "Police",
        "N",
        "POINT (-122.4157 37.7826)",
    ),
    (
        "2",
        D + "08:00:00 AM",
        D + "08:01:00 AM",
        D + "07:59:00 AM",
        "Z",
        "PASSING CALL",
        "Police",
        "Y",
        "POINT (-122.4 99.5)",
    ),
    ("2", D + "09:00:00 AM", "", "", "B", "BURGLARY", "Police", "N", ""),
    ("3", "", "", "", "A", "BURGLARY", "Police", "N", ""),
    ("4", D + "10:00:00 AM", "", "", "C", "BURGLARY", "Sheriff", "N", "garbage"),
    ("5", "2025/12/30 10:00:00 PM", "", "", "C", "BURGLARY", "Police", "N", ""),
]
SF_LIKE = "".join(",".join(row) + "\n" for row in ROWS)


def sf_like(**changes: object) -> CallMapping:
    base: dict[str, object] = {
        "name": "test.yaml",
        "time_format": "%Y/%m/%d %I:%M:%S %p",
        "time_zone": "America/Los_Angeles",
        "stages": {
            Stage.RECEIVED: "received",
            Stage.DISPATCHED: "dispatched",
            Stage.ON_SCENE: "onscene",
        },
        "id_column": "cad",
        "priority": Coded("priority", {"A": "1", "B": "2", "C": "3"}),
        "call_type": Coded("type", {"BURGLARY": "burglary"}),
        "agency": Coded("agency", {"Police": "sfpd"}, only=("Police",)),
        "self_initiated_column": "onview",
        "self_initiated_values": ("Y",),
        "location": WktPoint("point"),
        "received_from": datetime(2026, 1, 1, tzinfo=UTC),
    }
    return CallMapping(**(base | changes))  # type: ignore[arg-type]


def write(tmp_path: Path, text: str, name: str = "calls.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_an_import_keeps_drops_and_doubts_each_row_by_reason(
    store: DuckHistory, tmp_path: Path
) -> None:
    lines: list[str] = []
    made = store.import_files([write(tmp_path, SF_LIKE)], sf_like(), progress=lines.append)
    assert made.read == {"calls.csv": 6}
    assert made.imported == 2
    assert dict(made.dropped) == {
        "duplicate_id": 1,
        "no_received_time": 1,
        "agency_not_selected": 1,
        "before_period": 1,
    }
    doubts = {k: v for k, v in made.doubtful.items() if v}
    assert doubts == {
        "priority_unmapped": 1,
        "call_type_unmapped": 1,
        "location_out_of_range": 1,
        "clocks_disagree": 1,
    }
    assert made.unmapped == {"priority": (("Z", 1),), "call_type": (("PASSING CALL", 1),)}
    assert lines == [f"{tmp_path / 'calls.csv'}: 6 rows, 2 imported"]
    assert "  dropped: duplicate_id: 1" in made.lines()
    rows = {r.kpi: r for r in store.summarise(*EVER, [Dimension.PRIORITY], "UTC").rows}
    assert rows["call_processing"].median_s == 120  # 07:18:10 to 07:20:10 Pacific
    # The same file again: every row is there already.
    again = store.import_files([write(tmp_path, SF_LIKE)], sf_like())
    assert (again.imported, again.dropped["already_imported"]) == (0, 2)
    assert store.count() == 2


def test_times_are_read_in_the_mappings_zone(store: DuckHistory, tmp_path: Path) -> None:
    store.import_files([write(tmp_path, SF_LIKE)], sf_like())
    monday = store.summarise(
        datetime(2026, 1, 15, 15, 18, 10, tzinfo=UTC),
        datetime(2026, 1, 15, 15, 18, 11, tzinfo=UTC),
        [],
        "UTC",
    )
    assert monday.calls == 1  # 07:18:10 PST is 15:18:10 UTC


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Europe/Vaduz", "Asia/Kolkata"])
def test_local_times_become_utc_as_zoneinfo_says_around_dst_and_outside_the_hour_table(
    store: DuckHistory, tmp_path: Path, zone: str
) -> None:
    local = [
        "2026-03-08 01:59:59",
        "2026-03-08 03:00:00",
        "2026-03-29 03:30:00",
        "2026-11-01 00:59:59",
        "2026-11-01 03:00:01",
        "2026-10-25 04:00:00",
        "1985-07-01 12:00:00",  # before the hour table: converted per value
        "2050-01-01 00:30:00",  # after it
    ]
    text = "id,t\n" + "".join(f"{i},{t}\n" for i, t in enumerate(local))
    mapping = sf_like(
        time_format="%Y-%m-%d %H:%M:%S",
        time_zone=zone,
        stages={Stage.RECEIVED: "t"},
        id_column="id",
        priority=Coded(),
        call_type=Coded(),
        agency=Coded(),
        self_initiated_column=None,
        location=None,
        received_from=None,
    )
    store.import_files([write(tmp_path, text)], mapping)
    import duckdb

    with duckdb.connect(str(store.path), read_only=True) as con:
        got = dict(con.execute("SELECT CAST(id AS INTEGER), epoch(received) FROM calls").fetchall())
    tz = ZoneInfo(zone)
    want = {
        i: datetime.fromisoformat(t).replace(tzinfo=tz).timestamp() for i, t in enumerate(local)
    }
    assert got == want


def bad(store: DuckHistory, files: list[Path], mapping: CallMapping) -> str:
    before = store.count()
    with pytest.raises(Invalid) as caught:
        store.import_files(files, mapping)
    assert store.count() == before
    return caught.value.detail


def test_bad_input_names_file_row_and_column_and_imports_nothing(
    store: DuckHistory, tmp_path: Path
) -> None:
    good = write(tmp_path, SF_LIKE, "good.csv")
    late = write(tmp_path, SF_LIKE.replace("2026/01/15 09:00:00 AM", "15 Jan 9am"), "late.csv")
    message = bad(store, [good, late], sf_like())
    assert message.startswith(f"{late}: row 3, column 'received' (stages.received): '15 Jan 9am'")
    assert "nothing was imported" in message
    assert store.count() == 0  # good.csv came first: not kept either

    message = bad(store, [good], sf_like(id_column="incident"))
    assert message.startswith(f"{good}: no column 'incident' (mapping test.yaml, field id)")

    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    assert bad(store, [binary], sf_like()).startswith(f"{binary}: ")

    ragged = write(tmp_path, 'a,b\n1,2\n3,"4\n', "ragged.csv")
    assert bad(store, [ragged], sf_like()).startswith(f"{ragged}: ")


def test_projected_points_are_reprojected_with_pyproj(store: DuckHistory, tmp_path: Path) -> None:
    # The old observatory of Bern, the origin of the Swiss grid: E 2600000, N 1200000.
    text = "id,t,e,n\n1,2026-01-15 10:00:00,2600000,1200000\n2,2026-01-15 10:00:00,oops,\n"
    mapping = sf_like(
        time_format="%Y-%m-%d %H:%M:%S",
        time_zone="Europe/Zurich",
        stages={Stage.RECEIVED: "t"},
        id_column="id",
        priority=Coded(),
        call_type=Coded(constant="theft"),
        agency=Coded(),
        self_initiated_column=None,
        location=Projected("e", "n", 2056),
        received_from=None,
    )
    made = store.import_files([write(tmp_path, text)], mapping)
    assert made.imported == 2
    assert made.doubtful["location_unreadable"] == 1
    import duckdb

    with duckdb.connect(str(store.path), read_only=True) as con:
        lat, lon = con.execute("SELECT lat, lon FROM calls WHERE id = '1'").fetchone() or (0, 0)
    assert lat == pytest.approx(46.95108, abs=1e-4)
    assert lon == pytest.approx(7.43864, abs=1e-4)


def test_areas_by_name_give_a_jurisdiction_and_a_centroid(
    store: DuckHistory, tmp_path: Path
) -> None:
    text = "id,t,beat,lat,lon\n1,2023-01-01 00:00:05,523,,\n2,2023-01-01 00:00:06,-1,,\n"
    mapping = sf_like(
        time_format="%Y-%m-%d %H:%M:%S",
        stages={Stage.RECEIVED: "t"},
        id_column="id",
        priority=Coded(),
        call_type=Coded(),
        agency=Coded(constant="sdpd"),
        self_initiated_column=None,
        location=ByArea("beat", {"523": NamedArea("sd-central", 32.71, -117.16)}),
        received_from=None,
    )
    made = store.import_files([write(tmp_path, text)], mapping)
    assert made.unmapped == {"area": (("-1", 1),)}
    by = store.summarise(*EVER, [Dimension.JURISDICTION, Dimension.AGENCY], "UTC").rows
    assert {(r.group["jurisdiction"], r.group["agency"]) for r in by} == {
        ("sd-central", "sdpd"),
        ("", "sdpd"),
    }
    latlon = sf_like(location=LatLon("lat", "lon"))
    assert latlon.columns()["location.lat"] == "lat"


def test_an_area_named_as_a_jurisdiction_matches_it_unlisted(
    store: DuckHistory, tmp_path: Path
) -> None:
    """A jurisdiction's id or name, case and spaces aside, matches without the mapping
    listing it; a listed area (with its centroid) still comes first; the rest are
    counted and named."""
    text = (
        "id,t,area\n"
        "1,2023-01-01 00:00:05,VADUZ\n"
        "2,2023-01-01 00:00:06,schaan - planken\n"
        "3,2023-01-01 00:00:07,  Oberland Süd \n"
        "4,2023-01-01 00:00:08,523\n"
        "5,2023-01-01 00:00:09,Atlantis\n"
        "6,2023-01-01 00:00:10,Atlantis\n"
    )
    mapping = sf_like(
        time_format="%Y-%m-%d %H:%M:%S",
        stages={Stage.RECEIVED: "t"},
        id_column="id",
        priority=Coded(),
        call_type=Coded(),
        agency=Coded(constant="x"),
        self_initiated_column=None,
        location=ByArea("area", {"523": NamedArea("vaduz", 47.14, 9.52)}),
        received_from=None,
    )
    known = {
        "vaduz": "vaduz",
        "Polizei Vaduz": "vaduz",
        "schaan-planken": "schaan-planken",
        "Oberland Süd": "oberland-sued",
    }
    made = store.import_files([write(tmp_path, text)], mapping, known_areas=known)
    assert made.imported == 6
    assert made.unmapped == {"area": (("Atlantis", 2),)}
    assert made.doubtful["location_unreadable"] == 2
    rows = store.summarise(*EVER, [Dimension.JURISDICTION], "UTC").rows
    placed = {r.group["jurisdiction"]: r.missing for r in rows if r.kpi == "call_processing"}
    assert placed == {"vaduz": 2, "schaan-planken": 1, "oberland-sued": 1, "": 2}
    # Without known names only the listed area matches, as before.
    again = DuckHistory(tmp_path / "other.duckdb")
    made = again.import_files([write(tmp_path, text)], mapping)
    assert made.doubtful["location_unreadable"] == 5


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 30).flatmap(lambda n: st.tuples(*(kpi_calls(i) for i in range(n)))),
    st.sampled_from(ZONES),
    st.sampled_from(list(kpis.BY_NAME)),
    st.sampled_from(list(Statistic)),
    st.none() | st.sampled_from(["east-town", "west-town"]),
    st.none() | st.integers(1, 3),
)
def test_the_figures_and_goals_are_the_same_live_and_from_the_history(
    scratch: DuckHistory,
    calls: tuple[Call, ...],
    zone: str,
    kpi: str,
    statistic: Statistic,
    jurisdiction: str | None,
    priority: int | None,
) -> None:
    scratch.replace("live", *EVER, calls)
    got, want = scratch.figures(*EVER, zone), figures_of(calls, ZoneInfo(zone))
    assert got.time_of_week == want.time_of_week
    assert [(b.priority, b.count) for b in got.by_priority] == [
        (b.priority, b.count) for b in want.by_priority
    ]
    for g, w in zip(got.by_priority, want.by_priority, strict=True):
        for name in ("p10_s", "q1_s", "median_s", "q3_s", "p90_s"):
            assert getattr(g, name) == pytest.approx(getattr(w, name), abs=1e-6)
    assert [(m.jurisdiction, m.count) for m in got.by_jurisdiction] == [
        (m.jurisdiction, m.count) for m in want.by_jurisdiction
    ]
    for g, w in zip(got.by_jurisdiction, want.by_jurisdiction, strict=True):
        assert g.median_s == pytest.approx(w.median_s, abs=1e-6)
    goal = Goal(kpi, statistic, 600, jurisdiction, priority)
    spans = [(START + timedelta(days=7 * n), START + timedelta(days=7 * (n + 1))) for n in range(3)]
    from_history = scratch.judge(goal, spans)
    live = goals.judge_weeks(goal, calls, spans)
    assert [(j.start, j.end, j.count, j.status) for j in from_history] == [
        (j.start, j.end, j.count, j.status) for j in live
    ]
    for h, w in zip(from_history, live, strict=True):
        assert (h.value_s is None) == (w.value_s is None)
        if h.value_s is not None and w.value_s is not None:
            assert h.value_s == pytest.approx(w.value_s, abs=1e-6)


def test_an_empty_history_has_no_figures_and_no_data(store: DuckHistory) -> None:
    assert sum(map(sum, store.figures(*EVER, "UTC").time_of_week)) == 0
    goal = Goal("total_response", Statistic.MEDIAN, 360)
    (judged,) = store.judge(goal, [EVER])
    assert (judged.count, judged.status) == (0, goals.Status.NO_DATA)


def test_the_san_francisco_export_imports_with_its_mapping(store: DuckHistory) -> None:
    csv = shared("sf-dispatched-calls-2026-01", "dispatched_calls_2026-01-15_17.csv")
    made = store.import_files([csv], read_mapping(MAPPINGS / "sf-dispatched-calls.yaml"))
    assert made.imported == 3370
    assert made.doubtful["no_location"] == 969  # sensitive calls and 18 others: no point
    assert not made.dropped
    # SOURCE.md: Police public calls, priority A, received to dispatch median 2.4 minutes.
    by = [Dimension.SELF_INITIATED, Dimension.AGENCY, Dimension.PRIORITY]
    rows = store.summarise(*EVER, by, "UTC").rows
    (a,) = [
        r
        for r in rows
        if r.group == {"self_initiated": "public", "agency": "sfpd", "priority": "1"}
        and r.kpi == "call_processing"
    ]
    assert a.count == 381
    assert a.median_s is not None
    assert a.median_s / 60 == pytest.approx(2.4, abs=0.05)


def test_the_san_diego_export_imports_with_its_mapping(store: DuckHistory) -> None:
    csv = shared("sandiego-sdpd-cfs-2023-01", "pd_calls_for_service_2023_datasd.csv")
    made = store.import_files([csv], read_mapping(MAPPINGS / "sandiego-sdpd-cfs.yaml"))
    assert made.imported == 26_595
    assert made.unmapped["area"] == (("-1", made.doubtful["location_unreadable"]),)
    report = store.summarise(*EVER, [Dimension.SELF_INITIATED], "UTC")
    assert report.calls == 26_595
    # Only the time a call was created: every KPI is missing for every call, none assumed.
    assert all(r.count == 0 and r.missing > 0 for r in report.rows)


def test_the_hot_spots_read_each_calls_place_live_and_imported(store: DuckHistory) -> None:
    here = Call(
        "a", 1, "theft", "east", "east", "patrol", False, {Stage.RECEIVED: START}, lat=47.1, lon=9.5
    )
    nowhere = Call("b", 2, "theft", None, "east", "patrol", True, {Stage.RECEIVED: START})
    store.replace("live", *EVER, [here, nowhere])
    got = sorted(store.points(*EVER), key=lambda p: p.priority or 0)
    assert [(p.lat, p.lon, p.self_initiated, p.jurisdiction) for p in got] == [
        (47.1, 9.5, False, "east"),
        (None, None, True, None),
    ]
    assert got[0].received == START
    assert store.points(EVER[1], EVER[1].replace(year=2101)) == []


def test_hot_spots_of_the_san_francisco_export(store: DuckHistory) -> None:
    from bluepool.adapters.spatial.hotspots import H3HotSpots
    from bluepool.domain.analytics import hotspots

    csv = shared("sf-dispatched-calls-2026-01", "dispatched_calls_2026-01-15_17.csv")
    store.import_files([csv], read_mapping(MAPPINGS / "sf-dispatched-calls.yaml"))
    chosen = hotspots.select(store.points(*EVER))
    assert chosen.without_location > 0
    assert chosen.self_initiated_left_out > 0  # on-view calls
    start = min(p.received for p in chosen.counted)
    end = max(p.received for p in chosen.counted) + timedelta(seconds=1)
    made = H3HotSpots().analyse(chosen.located, [], hotspots.Options(), start, end)
    assert sum(c.count for c in made.cells) == len(chosen.located)
    hot = [c for c in made.cells if c.spot.value.startswith("hot")]
    # Calls cluster downtown (Tenderloin, Market Street): hot cells there, none at sea.
    assert hot
    assert all(37.70 < c.lat < 37.82 and -122.52 < c.lon < -122.35 for c in hot)
