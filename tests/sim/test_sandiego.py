"""The San Diego week (scenarios/sandiego-week.toml): needs ../shared, skipped without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluepool.sim import DataMissing, load_scenario
from tests.sim.builders import run_scenario

SCENARIO = Path(__file__).parents[2] / "scenarios" / "sandiego-week.toml"

pytestmark = pytest.mark.shared


def test_the_week_replays_and_reserves_beat_silos() -> None:
    scenario = load_scenario(SCENARIO)
    missing = scenario.missing_data()
    if missing:
        pytest.skip(f"the San Diego call log is in ../shared, absent here: {missing[0]}")
    report = run_scenario(scenario, progress=False)
    calls = report.as_dict()["calls"]
    assert calls["count"] > 6500
    assert calls["dropped"]["priority not mapped"] > 0  # priority 9: telephone reports
    assert calls["dropped"]["outside every jurisdiction"] > 0  # bad geocodes, filtered
    assert set(calls["by_jurisdiction"]) == {
        "northern", "northeastern", "eastern", "southeastern", "central",
        "western", "southern", "mid-city", "northwestern",
    }  # fmt: skip
    siloed, reserved = report.result("siloed"), report.result("pooled_reserve")
    bound = report.result("lower_bound")
    assert siloed.served == reserved.served == calls["count"]
    assert reserved.response.mean < siloed.response.mean
    assert reserved.response.p90 < siloed.response.p90
    assert bound.response.mean < reserved.response.mean


def test_without_the_data_the_run_says_what_is_missing(tmp_path: Path) -> None:
    text = SCENARIO.read_text().replace("../../shared/data", str(tmp_path / "nowhere"))
    moved = tmp_path / "sandiego-week.toml"
    moved.write_text(
        text.replace('"sandiego/collective.yaml"', f'"{SCENARIO.parent}/sandiego/collective.yaml"')
    )
    with pytest.raises(DataMissing, match=r"Last2000_Geo\.csv"):
        run_scenario(load_scenario(moved), progress=False)
