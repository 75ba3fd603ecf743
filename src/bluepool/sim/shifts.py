"""Unit shifts (optional): when each unit is on duty, as events for the engine's loop.

A scenario's ``[shifts]`` section lists daily shifts as hours of the wall-clock day
(``[start, end)``, ``end`` before ``start`` crossing midnight). Each unit works one of them
every day: the k-th unit of an agency (in the collective's order) works shift k mod n.
A unit off shift is not offered to ``recommend``; a unit whose shift ends while it serves
a call finishes the call (and drives back) first, then goes off duty.

The schedule is known before the run, so the engine merges its shift starts and ends into
its event loop by time, as it merges the calls: no per-call loop over the units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from bluepool.sim.fleet import Fleet, FloatArray
from bluepool.sim.scenario import ShiftConfig

DAY = 86_400.0
#: Event kinds, in the order the engine handles events at the same time.
END, START = 0, 1
#: Shift events are generated this long past the last call, so queued calls can still be
#: served by a shift that starts after it.
_TAIL = 2 * DAY


@dataclass(frozen=True, slots=True, eq=False)
class Schedule:
    """The shift events of a run, and who is on duty at its start."""

    #: (seconds since the stream's start, END or START, unit), sorted.
    events: list[tuple[float, int, int]]
    #: Per unit: on duty at time 0.
    on_at_start: list[bool]
    #: Per unit: the shift it works (an index into ``ShiftConfig.hours``).
    shift_of: list[int]
    #: Per unit: seconds on shift in [0, horizon].
    on_seconds: FloatArray

    def on_duty(self, u: int, t: float) -> bool:
        """Is unit ``u`` on shift at ``t`` (from its events; a scan, for tests)?"""
        on = self.on_at_start[u]
        for te, kind, v in self.events:
            if te > t:
                break
            if v == u:
                on = kind == START
        return on


def assign(fleet: Fleet, shifts: int) -> list[int]:
    """Round-robin by unit index within its agency."""
    seen = [0] * len(fleet.agencies)
    out = []
    for a in fleet.unit_agency:
        out.append(seen[a] % shifts)
        seen[a] += 1
    return out


def schedule(config: ShiftConfig, fleet: Fleet, start: datetime, horizon: float) -> Schedule:
    """The shift events from ``start`` (the stream's start, wall clock) to past ``horizon``."""
    offset = start.hour * 3600.0 + start.minute * 60.0 + start.second + start.microsecond / 1e6
    shift_of = assign(fleet, len(config.hours))
    # Per shift: its on-duty intervals in stream seconds, clipped at 0 from below.
    last_day = math.ceil((horizon + _TAIL + offset) / DAY)
    periods: list[list[tuple[float, float]]] = []
    for s, e in config.hours:
        length = ((e - s) % 24.0) * 3600.0
        spans = []
        for d in range(-1, last_day + 1):
            a = d * DAY + s * 3600.0 - offset
            b = a + length
            if b <= 0.0 or a > horizon + _TAIL:
                continue
            spans.append((max(a, 0.0), b))
        periods.append(spans)
    events: list[tuple[float, int, int]] = []
    on_at_start: list[bool] = []
    on_seconds = np.zeros(len(shift_of))
    for u, k in enumerate(shift_of):
        spans = periods[k]
        on_at_start.append(bool(spans) and spans[0][0] == 0.0)
        total = 0.0
        for a, b in spans:
            if a > 0.0:
                events.append((a, START, u))
            events.append((b, END, u))
            total += max(0.0, min(b, horizon) - min(a, horizon))
        on_seconds[u] = total
    events.sort()
    return Schedule(events, on_at_start, shift_of, on_seconds)
