"""What the San Francisco validation depends on: the fleet on duty, and the crews' own work.

    .venv/bin/python scenarios/sf/sensitivity.py > docs/results/sf-48h-sensitivity.md

For each variant it writes the collective (make_collective.py) and calibrates from the
history (calibrate --source history, the same selection as the validation). Then it
replays the 48 hours (bluepool validate) and prints the observed and simulated medians
and 90th percentiles, in minutes. The variants are 2, 3, 4 (the scenario) and 6 cars per
district, and 4 cars with the self-initiated calls replayed as extra load. Needs
../shared.
"""

# ruff: noqa: T201 - a script: it prints the table
from __future__ import annotations

import contextlib
import dataclasses
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import make_collective

from bluepool.adapters.files.call_mapping import read_mapping
from bluepool.adapters.files.collective import read_collective
from bluepool.adapters.history.store import DuckHistory
from bluepool.sim import load_scenario
from bluepool.sim.history import calibrate_history, observed, posts_of
from bluepool.sim.scenario import Scenario
from bluepool.sim.validate import Comparison, validate

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
CSV = make_collective.DATA / "dispatched_calls_2026-01-15_17.csv"
MAPPING = ROOT / "src" / "bluepool" / "demo" / "mappings" / "sf-dispatched-calls.yaml"
START, END = datetime(2026, 1, 15, 17, tzinfo=UTC), datetime(2026, 1, 17, 17, tzinfo=UTC)
ZONE = ZoneInfo("America/Los_Angeles")
SHOWN = (
    ("all", "all", "call_processing"),
    ("all", "all", "travel"),
    ("priority", "1", "total_response"),
    ("priority", "2", "total_response"),
    ("priority", "3", "total_response"),
)


def calibrated(base: Scenario, folder: Path) -> Scenario:
    stem = folder / "sf-48h"
    return dataclasses.replace(
        base,
        collective=folder / "collective.yaml",
        travel=dataclasses.replace(base.travel, fit=stem.with_suffix(".model.json")),
        service=dataclasses.replace(
            base.service,
            samples=stem.with_suffix(".on_scene.csv"),
            delays=stem.with_suffix(".delays.csv"),
        ),
    )


def cell(c: Comparison) -> str:
    return (
        f"{c.simulated.median_s / 60:.1f} ({c.simulated.p90_s / 60:.1f})"
        if c.simulated.count
        else "-"
    )


def main() -> None:
    if not CSV.exists():
        sys.exit(f"needs ../shared: {CSV} is absent")
    base = load_scenario(ROOT / "scenarios" / "sf-48h.toml")
    with tempfile.TemporaryDirectory() as tmp:
        store = DuckHistory(Path(tmp) / "h.duckdb")
        store.import_files([CSV], read_mapping(MAPPING))
        rows = store.located_calls(START, END)
        public, _ = observed(rows, ZONE, agencies=("sfpd",))
        everyone, _ = observed(rows, ZONE, agencies=("sfpd",), self_initiated=True)
        variants = [(f"{n} cars per district", n, public) for n in (2, 3, 4, 6)]
        variants.append(("4 cars, self-initiated calls replayed too", 4, everyone))
        lines = [
            "# San Francisco 48 hours: what the validation depends on",
            "",
            "Written by `scenarios/sf/sensitivity.py` (see its docstring). Simulated total "
            "response (and call processing, travel) in minutes, p50 (p90), against the "
            "observed public calls; each variant calibrated anew on its own posts. The last "
            "variant's figures are over all its replayed calls, self-initiated ones included, "
            "so its own observed row comes with it.",
            "",
        ]
        observed_row: list[str] | None = None
        table: list[str] = []
        for label, cars, calls in variants:
            folder = Path(tmp) / f"{cars}-{len(calls)}"
            folder.mkdir()
            make_collective.HERE = folder
            with contextlib.redirect_stdout(sys.stderr):
                make_collective.main(cars)
            spec = read_collective(folder / "collective.yaml")
            calibrate_history(calls, folder / "sf-48h.csv", posts=posts_of(spec))
            result = validate(calibrated(base, folder), spec, calls)
            for policy, comparisons in result.comparisons.items():
                by = {(c.dimension, c.group, c.kpi): c for c in comparisons}
                seen = [
                    f"{by[k].observed.median_s / 60:.1f} ({by[k].observed.p90_s / 60:.1f})"  # type: ignore[operator]
                    for k in SHOWN
                ]
                if observed_row is None:
                    observed_row = seen
                elif seen != observed_row and policy == base.policies.compare[0]:
                    table.append(f"| *observed, {label}* | | " + " | ".join(seen) + " |")
                table.append(
                    f"| {label} | {policy} | " + " | ".join(cell(by[k]) for k in SHOWN) + " |"
                )
        lines += [
            "| variant | policy | call processing | travel | response P1 | response P2 "
            "| response P3 |",
            "|---|---|---|---|---|---|---|",
            "| **observed** (public calls) | | " + " | ".join(observed_row or []) + " |",
            *table,
        ]
        print("\n".join(lines))


if __name__ == "__main__":
    main()
