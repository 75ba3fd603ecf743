"""``bluepool import calls`` (globs, several files, a mapping; dropped and doubtful rows
and unmapped values reported; a bad file imports nothing and exits with its name, row and
column), ``bluepool report kpis --source history`` and ``bluepool history add-live``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bluepool.cli import main
from tests.test_cli import DEMO

MAPPING = """\
time_format: "%Y-%m-%d %H:%M:%S"
time_zone: Europe/Vaduz
id: nr
stages: {received: t0, dispatched: t1, on_scene: t2}
priority: {column: prio, values: {hoch: 1, tief: 3}}
call_type: {column: art, values: {Einbruch: burglary}}
agency: {value: vaduz}
location: {lat: lat, lon: lon}
"""
JANUARY = """\
nr,t0,t1,t2,prio,art,lat,lon
1,2026-01-05 10:00:00,2026-01-05 10:01:00,2026-01-05 10:09:00,hoch,Einbruch,47.14,9.52
2,2026-01-06 10:00:00,2026-01-06 10:03:00,,mittel,Lärm,47.14,9.52
"""
FEBRUARY = """\
nr,t0,t1,t2,prio,art,lat,lon
3,2026-02-05 10:00:00,2026-02-05 10:02:00,2026-02-05 10:12:00,tief,Einbruch,,
1,2026-02-06 10:00:00,,,tief,Einbruch,47.14,9.52
"""


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    for var in ("BLUEPOOL_DATABASE_URL", "BLUEPOOL_SECRET_KEY", "BLUEPOOL_HISTORY_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BLUEPOOL_ENVIRONMENT", "test")
    monkeypatch.setenv("BLUEPOOL_DATABASE_URL", f"sqlite:///{tmp_path / 'b.db'}")
    return CliRunner()


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "cad"
    folder.mkdir()
    (folder / "2026-01.csv").write_text(JANUARY)
    (folder / "2026-02.csv").write_text(FEBRUARY)
    (tmp_path / "m.yaml").write_text(MAPPING)
    return folder


def test_import_calls_then_report_on_the_history(
    runner: CliRunner, tmp_path: Path, exports: Path
) -> None:
    mapping = ["--mapping", str(tmp_path / "m.yaml")]
    result = runner.invoke(main, ["import", "calls", str(exports / "*.csv"), *mapping])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == [
        f"{exports / '2026-01.csv'}: 2 rows, 2 imported",
        f"{exports / '2026-02.csv'}: 2 rows, 1 imported",
    ]
    assert "4 rows read from 2 files" in lines
    assert "3 calls imported" in lines
    assert "  dropped: already_imported: 1" in lines
    assert "  unmapped priority: 'mittel' (1)" in lines
    assert "  unmapped call_type: 'Lärm' (1)" in lines
    assert lines[-1] == f"history: {tmp_path / 'history.duckdb'} (3 calls)"

    period = ["--from", "2026-01-01", "--to", "2026-03-01"]
    result = runner.invoke(
        main, ["report", "kpis", *period, "--source", "history", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    figure = {(r["section"], r["group"], r["kpi"], r["figure"]): r["value"] for r in rows}

    def by_priority(priority: str, kpi: str) -> list[str]:
        group = f"self_initiated=public;priority={priority}"
        names = ("count", "median_s", "p90_s", "missing", "doubtful")
        return [figure[("by_priority", group, kpi, n)] for n in names]

    assert by_priority("1", "call_processing") == ["1", "60.0", "60.0", "0", "0"]
    assert by_priority("3", "total_response") == ["1", "720.0", "720.0", "0", "0"]
    assert by_priority("", "total_response") == ["0", "", "", "1", "0"]
    assert figure[("period", "", "", "source")] == "history"
    table = runner.invoke(
        main, ["report", "kpis", *period, "--source", "history", "--by", "priority"]
    )
    assert "3 history calls (0 self-initiated)" in table.output
    live = runner.invoke(main, ["report", "kpis", *period, "--format", "json"])
    assert json.loads(live.output)["calls"] == 0  # live stays the default

    again = runner.invoke(
        main, ["import", "calls", str(exports / "2026-0[12].csv"), *mapping, "--from", "2026-02-01"]
    )
    assert "  dropped: before_period: 2" in again.output
    assert "  dropped: already_imported: 2" in again.output


def test_a_bad_file_imports_nothing_and_says_where(
    runner: CliRunner, tmp_path: Path, exports: Path
) -> None:
    (exports / "2026-03.csv").write_text(FEBRUARY.replace("2026-02-05 10:02:00", "gestern"))
    mapping = ["--mapping", str(tmp_path / "m.yaml")]
    result = runner.invoke(main, ["import", "calls", str(exports / "*.csv"), *mapping])
    assert result.exit_code == 1
    assert f"{exports / '2026-03.csv'}: row 1, column 't1' (stages.dispatched)" in result.output
    history = tmp_path / "history.duckdb"
    report = runner.invoke(
        main,
        ["report", "kpis", "--source", "history", "--history", str(history), "--format", "json"],
    )
    assert json.loads(report.output)["calls"] == 0
    result = runner.invoke(main, ["import", "calls", str(tmp_path / "none-*.csv"), *mapping])
    assert result.exit_code == 2
    assert "no file matches" in result.output


def test_history_add_live_copies_the_closed_incidents(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["load", str(DEMO)]).exit_code == 0
    history = tmp_path / "elsewhere.duckdb"
    result = runner.invoke(
        main, ["history", "add-live", "--from", "2026-01-01", "--history", str(history)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 closed incidents received 2026-01-01 00:00 to")
    assert history.is_file()


def test_report_hotspots_of_the_history_as_table_json_and_geojson(
    runner: CliRunner, tmp_path: Path, exports: Path
) -> None:
    mapping = ["--mapping", str(tmp_path / "m.yaml")]
    assert runner.invoke(main, ["import", "calls", str(exports / "*.csv"), *mapping]).exit_code == 0
    period = ["--from", "2026-01-01", "--to", "2026-03-01", "--source", "history"]
    result = runner.invoke(main, ["report", "hotspots", *period])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("3 history calls counted")
    assert (
        "Citizen-initiated calls only: self-initiated activity is left out: 0 left out"
        in (lines[0])
    )
    assert "1 without location (not on the map)" in lines[0]
    assert "calls by jurisdiction:" in lines

    result = runner.invoke(main, ["report", "hotspots", *period, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["counted"], report["without_location"]) == (3, 1)
    assert sum(c["count"] for c in report["cells"]) == 2

    out = tmp_path / "hot.geojson"
    result = runner.invoke(
        main,
        [
            "report",
            "hotspots",
            *period,
            "--format",
            "geojson",
            "--resolution",
            "9",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    collection = json.loads(out.read_text())
    assert collection["type"] == "FeatureCollection"
    assert sum(f["properties"]["count"] for f in collection["features"]) == 2

    bad = runner.invoke(main, ["report", "hotspots", *period, "--resolution", "12"])
    assert bad.exit_code == 2
    assert "--resolution" in bad.output
    long = runner.invoke(main, ["report", "hotspots", "--from", "1900-01-01", "--to", "2026-01-01"])
    assert long.exit_code != 0
    assert "hot spots cover at most" in long.output


def test_area_names_match_the_collectives_jurisdictions(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["load", str(DEMO)]).exit_code == 0
    (tmp_path / "areas.yaml").write_text(
        MAPPING.replace("location: {lat: lat, lon: lon}", "location: {area: gemeinde}")
    )
    (tmp_path / "areas.csv").write_text(
        "nr,t0,t1,t2,prio,art,gemeinde\n"
        "1,2026-01-05 10:00:00,2026-01-05 10:01:00,2026-01-05 10:09:00,hoch,Einbruch,"
        "BAL\u00a0ZERS\n"  # a no-break space
        "2,2026-01-06 10:00:00,2026-01-06 10:02:00,2026-01-06 10:07:00,hoch,Einbruch, eschen\n"
        "3,2026-01-07 10:00:00,2026-01-07 10:02:00,2026-01-07 10:07:00,hoch,Einbruch,Mordor\n"
    )
    output = import_january(runner, tmp_path / "areas")
    assert "  doubtful: location_unreadable: 1" in output
    assert "  unmapped area: 'Mordor' (1)" in output
    assert medians_of_january(runner) == {"balzers": (1, 540.0), "eschen": (1, 420.0)}


def import_january(runner: CliRunner, stem: Path) -> str:
    """Import ``stem``.csv by ``stem``.yaml; the command's output."""
    csv_file, mapping = stem.with_suffix(".csv"), stem.with_suffix(".yaml")
    result = runner.invoke(main, ["import", "calls", str(csv_file), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    return result.output


def medians_of_january(runner: CliRunner) -> dict[str, tuple[int, float]]:
    """The history's calls and median total response by jurisdiction, January 2026."""
    period = ["--from", "2026-01-01", "--to", "2026-02-01", "--source", "history"]
    report = runner.invoke(main, ["report", "kpis", *period, "--format", "json"])
    assert report.exit_code == 0, report.output
    return {
        m["jurisdiction"]: (m["count"], m["median_s"])
        for m in json.loads(report.output)["figures"]["by_jurisdiction"]
    }


def test_calls_with_a_point_are_placed_in_the_jurisdiction_it_lies_in(
    runner: CliRunner, tmp_path: Path
) -> None:
    assert runner.invoke(main, ["load", str(DEMO)]).exit_code == 0
    (tmp_path / "points.yaml").write_text(MAPPING.replace("agency: {value: vaduz}\n", ""))
    row = "{},2026-01-0{} 10:00:00,2026-01-0{} 10:01:00,2026-01-0{} 10:0{}:00,hoch,Einbruch,{}\n"
    (tmp_path / "points.csv").write_text(
        "nr,t0,t1,t2,prio,art,lat,lon\n"
        + row.format(1, 5, 5, 5, 9, "47.0667,9.5025")
        + row.format(2, 6, 6, 6, 7, "47.21,9.52")
        + row.format(3, 7, 7, 7, 6, "47.21,9.52")
        + row.format(4, 8, 8, 8, 7, "47.5,8.5")
    )
    output = import_january(runner, tmp_path / "points")
    assert "  placed in a jurisdiction by their point: 3" in output
    assert "  doubtful: point outside every jurisdiction: 1" in output
    assert medians_of_january(runner) == {"balzers": (1, 540.0), "eschen": (2, 390.0)}
    period = ["--from", "2026-01-01", "--to", "2026-02-01", "--source", "history"]
    by_agency = runner.invoke(main, ["report", "kpis", *period, "--by", "agency"]).output
    assert "oberland-sued" in by_agency
    assert "unterland" in by_agency
