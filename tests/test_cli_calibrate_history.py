"""``bluepool calibrate --source history`` and ``bluepool validate``: the CLI reads the
call history and hands it to the simulator; San Francisco's 48 hours end to end (needs
../shared, skipped without it), clear errors, and the warnings ``bluepool simulate``
prints."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bluepool.cli import main
from tests.test_cli_history import runner  # noqa: F401 - the fixture

ROOT = Path(__file__).parents[1]
SF = ROOT.parent / "shared" / "data" / "sf-dispatched-calls-2026-01"
SF_CSV = SF / "dispatched_calls_2026-01-15_17.csv"
SF_MAPPING = ROOT / "src" / "bluepool" / "demo" / "mappings" / "sf-dispatched-calls.yaml"
SCENARIO = ROOT / "scenarios" / "sf-48h.toml"
WINDOW = ["--from", "2026-01-15T17:00:00", "--to", "2026-01-17T17:00:00"]
SELECT = [*WINDOW, "--tz", "America/Los_Angeles", "--agency", "sfpd"]


def test_calibrate_from_an_empty_history_is_a_clear_error(
    runner: CliRunner,  # noqa: F811
    tmp_path: Path,
) -> None:
    out = ["--out", str(tmp_path / "cal.csv")]
    result = runner.invoke(main, ["calibrate", "--source", "history", *out])
    assert result.exit_code != 0
    assert "no call history at" in result.output
    assert not (tmp_path / "cal.csv").exists()
    log = runner.invoke(main, ["calibrate", "--source", "log", *out])
    assert log.exit_code != 0
    assert "--source log needs CALLLOG and --mapping" in log.output


def sf_public_calls() -> int:
    """The oracle: SFPD public calls with a district received in the window, counted from
    the CSV itself (its times are Pacific local time, PST in January: UTC-8)."""
    first = datetime(2026, 1, 15, 17, tzinfo=UTC)
    n = 0
    with SF_CSV.open(newline="") as f:
        for row in csv.DictReader(f):
            local = datetime.strptime(row["received_datetime"], "%Y/%m/%d %I:%M:%S %p")  # noqa: DTZ007
            at = local.replace(tzinfo=UTC) + timedelta(hours=8)
            if not first <= at < first + timedelta(days=2):
                continue
            if row["agency"] == "Police" and row["onview_flag"] == "N" and row["police_district"]:
                n += 1
    return n


@pytest.mark.shared
def test_san_francisco_calibrates_and_validates(
    runner: CliRunner,  # noqa: F811
    tmp_path: Path,
) -> None:
    if not SF_CSV.exists():
        pytest.skip(f"the San Francisco export is in ../shared, absent here: {SF_CSV}")
    history = ["--history", str(tmp_path / "h.duckdb")]
    made = runner.invoke(
        main, ["import", "calls", str(SF_CSV), "--mapping", str(SF_MAPPING), *history]
    )
    assert made.exit_code == 0, made.output
    out = tmp_path / "cal" / "sf-48h.csv"
    collective = ["--collective", str(ROOT / "scenarios" / "sf" / "collective.yaml")]
    result = runner.invoke(
        main,
        ["calibrate", "--source", "history", *history, *SELECT, *collective, "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert f"{sf_public_calls()} calls calibrated (product)" in result.output
    assert "warning: turnout (dispatched -> en route) is 0 for every call" in result.output
    assert "calls left out: self-initiated" in result.output
    # The shipped calibration is what these commands write (docs/results/sf-48h-validation.md).
    shipped = ROOT / "scenarios" / "sf" / "calibration"
    for suffix in (".csv", ".delays.csv", ".on_scene.csv", ".call_mix.csv", ".model.json"):
        name = f"sf-48h{suffix}"
        assert (out.parent / name).read_bytes() == (shipped / name).read_bytes(), name

    report = tmp_path / "val"
    checked = runner.invoke(
        main, ["validate", str(SCENARIO), *history, *SELECT, "--out", str(report)]
    )
    assert checked.exit_code == 0, checked.output
    assert "policy siloed" in checked.output
    assert "policy pooled" in checked.output
    assert (report / "validation.png").read_bytes()[:4] == b"\x89PNG"
    data = json.loads((report / "validation.json").read_text())
    assert data["calls"] == sf_public_calls()
    rows = data["policies"]["siloed"]["rows"]
    groups = {r["group"] for r in rows if r["dimension"] == "area"}
    assert len(groups) == 10
    overall = next(r for r in rows if r["dimension"] == "all" and r["kpi"] == "travel")
    assert overall["error_p50"] == pytest.approx(
        (overall["simulated_p50_min"] - overall["observed_p50_min"]) / overall["observed_p50_min"],
        abs=0.01,
    )
    with (report / "validation.csv").open() as f:
        assert len(list(csv.DictReader(f))) == sum(
            len(p["rows"]) for p in data["policies"].values()
        )


MAPPING = """\
time_format: "%Y-%m-%d %H:%M:%S"
time_zone: Europe/Vaduz
id: nr
stages: {received: t0, entered: t1, dispatched: t2, on_scene: t3}
priority: {column: prio, values: {hoch: 1, tief: 3}}
agency: {value: vaduz}
JURISDICTION
location: {lat: lat, lon: lon}
"""
CALLS = """\
nr,t0,t1,t2,t3,prio,lat,lon
1,2026-01-05 10:00:00,2026-01-05 10:00:40,2026-01-05 10:01:00,2026-01-05 10:09:00,hoch,47.14,9.52
2,2026-01-06 10:00:00,2026-01-06 10:01:00,2026-01-06 10:03:00,,tief,,
3,2026-01-06 11:00:00,2026-01-06 11:02:00,2026-01-06 11:01:00,2026-01-06 11:05:00,mittel,47.14,9.52
"""


@pytest.mark.parametrize("jurisdiction", [True, False])
def test_a_thin_history_calibrates_with_warnings_or_says_why_not(
    runner: CliRunner,  # noqa: F811
    tmp_path: Path,
    jurisdiction: bool,
) -> None:
    (tmp_path / "calls.csv").write_text(CALLS)
    (tmp_path / "m.yaml").write_text(
        MAPPING.replace("JURISDICTION", "jurisdiction: {value: vaduz}" if jurisdiction else "")
    )
    history = ["--history", str(tmp_path / "h.duckdb")]
    made = runner.invoke(
        main,
        [
            "import",
            "calls",
            str(tmp_path / "calls.csv"),
            "--mapping",
            str(tmp_path / "m.yaml"),
            *history,
        ],
    )
    assert made.exit_code == 0, made.output
    out = tmp_path / "cal.csv"
    result = runner.invoke(
        main,
        ["calibrate", "--source", "history", *history, "--out", str(out), "--tz", "Europe/Vaduz"],
    )
    if not jurisdiction:
        assert result.exit_code != 0
        assert "no usable call" in result.output
        assert "no area (jurisdiction) 2" in result.output
        assert not out.exists()
        return
    assert result.exit_code == 0, result.output
    assert "2 calls calibrated" in result.output
    assert "warning: 1 calls left out: no priority 1..5" in result.output
    assert "warning: 1 calls have no location" in result.output
    assert "travel: not fitted" in result.output
    assert "warning: no travel fit" in result.output
    model = json.loads(out.with_suffix(".model.json").read_text())
    assert model["delays"]["call_processing"]["samples"] == 2  # received -> entered
    assert model["on_scene"]["missing"] == 2  # no cleared time in this export


def test_simulate_prints_what_the_missing_on_scene_rule_did_and_calls_left_out(
    runner: CliRunner,  # noqa: F811
    tmp_path: Path,
) -> None:
    (tmp_path / "log.csv").write_text(
        "when,lat,lon,minutes\n"
        "2026-01-05 10:00:00,47.141,9.521,20\n"
        "2026-01-05 10:30:00,47.141,9.521,\n"  # no on-scene time: the rule fills it
        "2026-01-05 11:00:00,10.0,10.0,15\n"  # outside every jurisdiction: left out
    )
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f"""
name = "s"
collective = "{ROOT / "src" / "bluepool" / "demo" / "collective.yaml"}"
[calls]
file = "log.csv"
[calls.mapping]
time = "when"
lat = "lat"
lon = "lon"
on_scene_minutes = "minutes"
[policies]
compare = ["siloed"]
"""
    )
    result = runner.invoke(
        main, ["simulate", str(scenario), "--out", str(tmp_path / "r"), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "unserved" in result.stdout
    assert "warning: 1 calls left out: outside every jurisdiction" in result.stderr
    assert (
        "warning: 1 calls had no on-scene time: drawn from the service model "
        "(missing_on_scene = assume)" in result.stderr
    )
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["service_delays"]["on_scene_filled"] == 1
