"""``python -m bluepool.sim SCENARIO [OUT_DIR] [--seed N] [--workers N]``: run a scenario,
print the summary table, write the report (until ``bluepool simulate`` wraps the same)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bluepool.sim import DataMissing, ScenarioError, load_scenario, run, summary_table, write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bluepool.sim", description=__doc__)
    parser.add_argument("scenario", type=Path)
    parser.add_argument("out_dir", type=Path, nargs="?")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        report = run(load_scenario(args.scenario), args.seed, workers=args.workers)
    except DataMissing as exc:
        sys.stderr.write(f"skipped: {exc.detail}\n")
        return 2
    except ScenarioError as exc:
        sys.stderr.write(exc.detail + "\n")
        return 1
    sys.stdout.write(summary_table(report) + "\n")
    if args.out_dir is not None:
        for path in write_report(report, args.out_dir):
            sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
