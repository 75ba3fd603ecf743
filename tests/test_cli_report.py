"""``bluepool report board`` on the demo collective: the page, its data and its figures,
and a clear error for a bad date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bluepool.cli import main
from tests.test_cli import DEMO


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for var in ("BLUEPOOL_DATABASE_URL", "BLUEPOOL_SECRET_KEY", "BLUEPOOL_ROAD_NETWORK"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BLUEPOOL_ENVIRONMENT", "test")
    return CliRunner()


def test_the_board_report_of_the_demo_collective(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    assert runner.invoke(main, ["load", str(DEMO), "--database-url", url]).exit_code == 0
    out = tmp_path / "report"
    period = ["--from", "2026-11-01", "--to", "2026-12-01"]
    result = runner.invoke(
        main, ["report", "board", *period, "--out", str(out), "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["board.html", "board.json", "idle.svg", "lent-borrowed.svg", "utilisation.svg"]
    data = json.loads((out / "board.json").read_text())
    assert data["incidents"] == 0
    assert {r["agency_id"] for r in data["utilisation"]} == {
        "vaduz",
        "schaan-planken",
        "unterland",
        "oberland-sued",
    }
    # Idle K-9 teams and negotiators of several agencies a short drive apart: pooled,
    # each group needs one; each unit fewer saves the demo's yearly cost of its kind.
    groups = {(d["kind"], tuple(d["units"])): d for d in data["duplication"]}
    assert set(groups) == {
        ("k9", ("oberland-k9-1", "vaduz-k9-1")),
        ("k9", ("schaan-k9-1", "schaan-k9-2", "unterland-k9-1")),
        ("negotiator", ("oberland-neg-1", "vaduz-neg-1")),
    }
    assert all(d["needed"] == 1 and d["spread_minutes"] <= 15 for d in groups.values())
    assert data["saving"] == (1 + 2) * 180_000_00 + 120_000_00
    # Nothing was dispatched: every specialised unit of the demo is idle.
    assert data["idle"]
    assert all(i["busy_hours"] == 0 for i in data["idle"])
    page = (out / "board.html").read_text()
    assert "Utilisation by agency and kind" in page
    assert 'src="idle.svg"' in page


def test_a_bad_date_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    result = runner.invoke(main, ["report", "board", "--from", "soon", "--database-url", url])
    assert result.exit_code != 0
    assert "'soon' is not a date" in result.output


def test_the_kpis_of_the_demo_as_csv_and_json(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    assert runner.invoke(main, ["load", str(DEMO), "--database-url", url]).exit_code == 0
    result = runner.invoke(
        main, ["report", "kpis", "--by", "priority", "--format", "csv", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0]
    assert header == "self_initiated,priority,kpi,count,median_s,p90_s,missing,doubtful"
    result = runner.invoke(main, ["report", "kpis", "--format", "json", "--database-url", url])
    assert json.loads(result.output)["calls"] == 0
    result = runner.invoke(main, ["report", "kpis", "--tz", "Mars/Olympus", "--database-url", url])
    assert result.exit_code != 0
    assert "unknown time zone 'Mars/Olympus'" in result.output
