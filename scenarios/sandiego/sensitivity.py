"""What the San Diego result depends on: the same week under other assumptions.

    .venv/bin/python scenarios/sandiego/sensitivity.py > docs/results/sandiego-sensitivity.md

Varies one assumption at a time around the scenario (61 cars, on-scene means 60/50/40/35/30
minutes by priority, 40 km/h x 1.3, reserve 1) and prints, for each variant, the mean and
90th-percentile response in minutes of each policy. Needs ../shared.
"""

# ruff: noqa: T201 - a script: it prints the table
from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

import make_collective

from bluepool.cli.simulate import scenario_collective
from bluepool.sim import load_scenario, run
from bluepool.sim.scenario import PolicyConfig, Scenario, TravelConfig

HERE = Path(__file__).parent


def variants(base: Scenario, tmp: Path) -> list[tuple[str, Scenario]]:
    out = [("as in the scenario (61 cars)", base)]
    for cars in (50, 80):
        folder = tmp / f"cars-{cars}"
        folder.mkdir()
        make_collective.HERE = folder
        make_collective.main(cars)
        out.append(
            (
                f"{cars} cars instead of 61",
                dataclasses.replace(base, collective=folder / "collective.yaml"),
            )
        )
    for factor in (0.75, 1.25):
        service = dataclasses.replace(
            base.service, mean_minutes={p: m * factor for p, m in base.service.mean_minutes.items()}
        )
        out.append((f"on-scene times x{factor}", dataclasses.replace(base, service=service)))
    out.append(
        (
            "25 km/h instead of 40",
            dataclasses.replace(base, travel=TravelConfig("straight_line", 1.3, 25.0)),
        )
    )
    out.append(
        (
            "reserve 2 instead of 1",
            dataclasses.replace(base, policies=PolicyConfig(base.policies.compare, 2)),
        )
    )
    return out


def main() -> None:
    base = load_scenario(HERE.parent / "sandiego-week.toml")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        stdout, sys.stdout = sys.stdout, sys.stderr  # make_collective prints its table
        try:
            cases = variants(base, Path(tmp))
        finally:
            sys.stdout = stdout
        for name, scenario in cases:
            report = run(scenario, scenario_collective(scenario), progress=False)
            cells = [f"{r.response.mean:.1f} / {r.response.p90:.1f}" for r in report.results]
            rows.append((name, cells))
        collective = scenario_collective(base)
        seeds = [run(base, collective, seed=s, progress=False) for s in range(2, 6)]
    labels = [r.label for r in run(base, collective, progress=False).results]
    print("# San Diego week: mean / p90 response, minutes, one assumption changed at a time\n")
    print("| variant | " + " | ".join(labels) + " |")
    print("|---" * (len(labels) + 1) + "|")
    for name, cells in rows:
        print(f"| {name} | " + " | ".join(cells) + " |")
    for s, report in zip(range(2, 6), seeds, strict=True):
        cells = [f"{r.response.mean:.1f} / {r.response.p90:.1f}" for r in report.results]
        print(f"| seed {s} (other on-scene draws) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
