"""The simulator: what pooling gains, measured by replaying calls through the real
dispatch rules.

``runner.run(scenario, seed)`` serves one call stream under each policy a scenario
compares (siloed, pooled, pooled with home reserves, as configured), every dispatch chosen
by the production ``domain.dispatch.recommend``, and returns a ``report.Report``. See
docs/simulation.md.
"""

from bluepool.sim.calibrate import calibrate
from bluepool.sim.report import Report, summary_table, write_report
from bluepool.sim.runner import run
from bluepool.sim.scenario import (
    DataMissing,
    Scenario,
    ScenarioError,
    load_mapping,
    load_scenario,
)

__all__ = [
    "DataMissing",
    "Report",
    "Scenario",
    "ScenarioError",
    "calibrate",
    "load_mapping",
    "load_scenario",
    "run",
    "summary_table",
    "write_report",
]
