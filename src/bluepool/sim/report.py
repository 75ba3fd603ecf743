"""The report of a run: JSON for machines, one self-contained HTML page for people, and a
table for the console."""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bluepool.sim.calls import CallStream
from bluepool.sim.fleet import Fleet
from bluepool.sim.metrics import PolicyResult
from bluepool.sim.scenario import ServiceConfig, ShiftConfig


@dataclass(frozen=True, slots=True, eq=False)
class Report:
    scenario: str
    description: str
    seed: int
    fleet: Fleet
    calls: CallStream
    #: The travel model in words ("by straight line").
    travel: str
    service: ServiceConfig
    #: One per policy, the lower bound last.
    results: list[PolicyResult]
    #: Unit shifts; None: every unit on duty all the time.
    shifts: ShiftConfig | None = None
    #: What a user should know before trusting the figures (printed by ``simulate``).
    warnings: tuple[str, ...] = ()

    def result(self, policy: str) -> PolicyResult:
        for r in self.results:
            if r.policy == policy:
                return r
        raise KeyError(policy)

    def as_dict(self) -> dict[str, Any]:
        calls = self.calls
        names = [j.id for j in self.fleet.jurisdictions]
        units: dict[str, int] = {}
        for u in self.fleet.units:
            units[u.agency_id] = units.get(u.agency_id, 0) + 1
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "description": self.description,
            "seed": self.seed,
            "travel": self.travel,
            "service": {
                "model": self.service.model,
                "mean_minutes_by_priority": {
                    str(k): v for k, v in sorted(self.service.mean_minutes.items())
                },
                "cv": self.service.cv,
                "call_type_minutes": dict(self.service.call_type_minutes),
            },
            "fleet": {
                "units": len(self.fleet.units),
                "posts": len(self.fleet.posts),
                "units_by_agency": units,
            },
            "calls": {
                "count": len(calls),
                "start": calls.start.isoformat(),
                "hours": round(calls.horizon / 3600.0, 3),
                "dropped": dict(calls.dropped),
                "by_priority": {
                    str(int(p)): int((calls.priority == p).sum()) for p in np.unique(calls.priority)
                },
                "by_jurisdiction": {
                    n: int((calls.jurisdiction == j).sum()) for j, n in enumerate(names)
                },
                "mean_on_scene_minutes": round(float(calls.on_scene.mean()) / 60.0, 3)
                if len(calls)
                else None,
            },
            "policies": [r.as_dict() for r in self.results],
        }
        if self.shifts is not None:
            # After "policies" so that a report without shifts keeps its keys and order.
            out["shifts"] = {"hours": [list(h) for h in self.shifts.hours]}
        if self.warnings:
            out["warnings"] = list(self.warnings)
        service = self.service
        if (service.call_processing, service.turnout, self.calls.on_scene_filled) != (
            "none",
            "none",
            0,
        ):
            out["service_delays"] = {
                "call_processing": service.call_processing,
                "turnout": service.turnout,
                "missing_on_scene": service.missing_on_scene,
                "on_scene_filled": self.calls.on_scene_filled,
            }
        return out


def summary_table(report: Report) -> str:
    """The headline figures, one row per policy, for a terminal."""
    head = (
        f"{'policy':<26} {'served':>7} {'unserved':>8} {'resp mean':>9} {'p50':>6} {'p90':>6} "
        f"{'queued':>7} {'wait':>6} {'cross':>7} {'util':>6}"
    )
    lines = [
        f"{report.scenario}: {len(report.calls)} calls, {len(report.fleet.units)} units, "
        f"seed {report.seed}, travel {report.travel}; minutes",
        head,
        "-" * len(head),
    ]
    for r in report.results:
        bound = r.policy == "lower_bound"
        lines.append(
            f"{r.label:<26} {r.served:>7} {'' if bound else r.unserved:>8} "
            f"{_m(r.response.mean):>9} {_m(r.response.p50):>6} "
            f"{_m(r.response.p90):>6} "
            f"{'' if bound else f'{100 * r.queued_share:.1f}%':>7} "
            f"{'' if bound else _m(r.queue_delay.mean):>6} "
            f"{'' if bound else f'{100 * r.cross_boundary / max(1, r.dispatches):.1f}%':>7} "
            f"{'' if bound else f'{100 * r.utilisation:.0f}%':>6}"
        )
    priorities = sorted({p for r in report.results for p in r.response_by_priority})
    lines += ["", "median response by priority, minutes (p90 in brackets)"]
    lines.append(f"{'policy':<26} " + " ".join(f"{'P' + str(p):>13}" for p in priorities))
    for r in report.results:
        cells = []
        for p in priorities:
            s = r.response_by_priority.get(p)
            cells.append(f"{_m(s.p50)} ({_m(s.p90)})" if s and s.n else "-")
        lines.append(f"{r.label:<26} " + " ".join(f"{c:>13}" for c in cells))
    return "\n".join(lines)


def write_report(report: Report, out_dir: Path | str) -> list[Path]:
    """Write report.json, report.html (plots inlined) and each plot as a PNG file."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    from bluepool.sim.plots import figures, png

    data = report.as_dict()
    json_path = out / "report.json"
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    images: dict[str, bytes] = {name: png(fig) for name, fig in figures(report).items()}
    paths = [json_path]
    for name, blob in images.items():
        p = out / f"{name}.png"
        p.write_bytes(blob)
        paths.append(p)
    html_path = out / "report.html"
    html_path.write_text(_html(report, images), encoding="utf-8")
    paths.insert(1, html_path)
    return paths


def _m(x: float) -> str:
    return "-" if x != x else f"{x:.1f}"


def _html(report: Report, images: dict[str, bytes]) -> str:
    esc = html.escape
    table = esc(summary_table(report))
    dropped = ", ".join(f"{k}: {v}" for k, v in report.calls.dropped.items()) or "none"
    warnings = (
        "<ul>" + "".join(f"<li>warning: {esc(w)}</li>" for w in report.warnings) + "</ul>\n"
        if report.warnings
        else ""
    )
    figs = "\n".join(
        f'<figure><img alt="{esc(name)}" src="data:image/png;base64,'
        f'{base64.b64encode(blob).decode("ascii")}"></figure>'
        for name, blob in images.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>bluepool simulation: {esc(report.scenario)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; color: #222; }}
pre {{ background: #f4f6f7; padding: 1em; overflow-x: auto; font-size: 13px; }}
figure {{ margin: 1.5em 0; }} img {{ max-width: 100%; }}
</style></head><body>
<h1>Simulation: {esc(report.scenario)}</h1>
<p>{esc(report.description)}</p>
<p>Seed {report.seed}; {len(report.calls)} calls over {report.calls.horizon / 3600:.1f} hours
from {esc(report.calls.start.isoformat())}; {len(report.fleet.units)} units at
{len(report.fleet.posts)} posts; travel {esc(report.travel)}; on-scene times
{esc(report.service.model)}. Calls left out: {esc(dropped)}.</p>
{warnings}<pre>{table}</pre>
{figs}
<p>Response time: from the call's arrival to the first unit on scene. Queue delay: from
arrival to the first dispatch. Lower bound: the nearest capable unit of any agency, as if none
were ever busy.</p>
</body></html>
"""
