"""``bluepool report board`` on the demo collective: the page, its data and its figures,
and a clear error for a bad date."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

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
    result = runner.invoke(main, ["report", "kpis", "--by", "priority", "--database-url", url])
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[1].split()
    names = "self_initiated priority kpi count median_s p90_s missing doubtful"
    assert header == names.split()
    result = runner.invoke(main, ["report", "kpis", "--format", "csv", "--database-url", url])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert ("counts", "calls", "0") in {(r["section"], r["kpi"], r["value"]) for r in rows}
    result = runner.invoke(main, ["report", "kpis", "--format", "json", "--database-url", url])
    data = json.loads(result.output)
    assert data["calls"] == 0
    assert data["source"] == "live"
    out = tmp_path / "report.html"
    result = runner.invoke(
        main, ["report", "kpis", "--format", "html", "--out", str(out), "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.count("<svg") == 3
    assert "<script" not in page
    # The demo's eleven jurisdictions are drawn on the map, each named.
    assert "Balzers" in page or "balzers" in page
    result = runner.invoke(main, ["report", "kpis", "--tz", "Mars/Olympus", "--database-url", url])
    assert result.exit_code != 0
    assert "unknown time zone 'Mars/Olympus'" in result.output


def test_the_weekly_goals_report_as_a_pdf(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert runner.invoke(main, ["load", str(DEMO), "--database-url", url]).exit_code == 0
    out = tmp_path / "goals.pdf"
    week = ["--week", "2026-W48", "--tz", "Europe/Vaduz"]
    result = runner.invoke(
        main, ["report", "goals", *week, "--out", str(out), "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert "Goals, week 2026-W48" in text
    # Monday 23 November 2026, midnight in Vaduz, is 23:00 UTC the day before.
    assert "2026-11-22 23:00 to 2026-11-29 23:00 UTC" in text
    for bad, said in (("2026-W54", "2026 has no ISO week 54"), ("48", "is not an ISO week")):
        result = runner.invoke(
            main, ["report", "goals", "--week", bad, "--out", str(out), "--database-url", url]
        )
        assert result.exit_code == 1, result.output
        assert said in result.output
