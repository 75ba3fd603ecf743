"""Whole runs: a scenario in, a report out; a function of (scenario, seed).

The demo scenario's report is compared with tests/sim/golden/demo-week.json, the way
SimPy checks its examples' output. After an intended change, regenerate it with
``BLUEPOOL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/sim/test_runner.py``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from bluepool.sim import load_scenario, summary_table, write_report
from bluepool.sim.report import Report
from tests.sim.builders import run_scenario

SCENARIOS = Path(__file__).parents[2] / "scenarios"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def demo() -> Report:
    return run_scenario(load_scenario(SCENARIOS / "demo-week.toml"), progress=False)


def test_the_demo_report_is_the_golden_one(demo: Report) -> None:
    got = json.loads(json.dumps(demo.as_dict()))
    path = GOLDEN / "demo-week.json"
    if os.environ.get("BLUEPOOL_UPDATE_GOLDEN"):
        path.write_text(json.dumps(got, indent=2) + "\n")
    assert got == json.loads(path.read_text())


def test_a_run_is_a_function_of_scenario_and_seed(demo: Report) -> None:
    scenario = load_scenario(SCENARIOS / "demo-week.toml")
    again = run_scenario(
        scenario, progress=False, workers=2
    )  # and of nothing else: not the workers
    assert json.dumps(again.as_dict()) == json.dumps(demo.as_dict())
    other = run_scenario(scenario, seed=scenario.seed + 1, progress=False, workers=1)
    assert other.as_dict()["calls"]["count"] != demo.as_dict()["calls"]["count"]


def test_every_policy_serves_the_same_calls_for_the_same_times(demo: Report) -> None:
    assert [r.policy for r in demo.results] == [
        "siloed",
        "pooled",
        "pooled_reserve",
        "configured",
        "lower_bound",
    ]
    for r in demo.results:
        assert r.calls == len(demo.calls)
    # Nobody beats the bound, call by call.
    bound = demo.result("lower_bound").response_minutes
    assert bound is not None
    for r in demo.results[:-1]:
        assert r.response_minutes is not None
        served = ~np.isnan(r.response_minutes)
        assert (r.response_minutes[served] >= bound[served] - 1e-9).all()


def test_siloed_lends_nothing_and_pooled_lends(demo: Report) -> None:
    siloed, pooled = demo.result("siloed"), demo.result("pooled")
    assert siloed.cross_boundary == 0
    assert sum(siloed.lent_hours.values()) == 0
    assert pooled.cross_boundary > 0
    assert sum(pooled.lent_hours.values()) == pytest.approx(sum(pooled.borrowed_hours.values()))


def test_the_report_is_json_and_one_self_contained_html_page(demo: Report, tmp_path: Path) -> None:
    paths = write_report(demo, tmp_path)
    assert paths[0].name == "report.json"
    assert paths[1].name == "report.html"
    data = json.loads(paths[0].read_text())
    assert data["scenario"] == "demo-week"
    assert {p["policy"] for p in data["policies"]} >= {"siloed", "pooled", "lower_bound"}
    html = paths[1].read_text()
    assert html.count("data:image/png;base64,") == 6
    assert not re.search(r'(src|href)="(?!data:)', html)  # nothing fetched from elsewhere
    assert all(p.exists() and p.stat().st_size > 1000 for p in paths[2:])


def test_the_summary_table_has_a_row_per_policy(demo: Report) -> None:
    table = summary_table(demo)
    for label in ("siloed", "pooled with home reserves", "as configured", "lower bound"):
        assert label in table
