"""On-scene times: how long a call keeps the units it gets.

Drawn once per call before any policy runs, so every policy serves the same calls for the
same times (common random numbers: the policies' differences are not sampling noise).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bluepool.sim.fleet import FloatArray, IntArray
from bluepool.sim.scenario import DataMissing, ScenarioError, ServiceConfig


def mean_minutes(config: ServiceConfig, call_type: str, priority: int) -> float:
    """The mean on-scene minutes of a call: its call type's, else its priority's."""
    if call_type in config.call_type_minutes:
        return config.call_type_minutes[call_type]
    return config.mean_minutes.get(priority, config.default_mean_minutes)


def draw_on_scene(
    config: ServiceConfig,
    call_types: Sequence[str],
    priorities: IntArray,
    rng: np.random.Generator,
) -> FloatArray:
    """On-scene seconds for each call."""
    n = len(priorities)
    if config.model == "empirical":
        assert config.samples is not None
        return _empirical(read_samples(config.samples), call_types, priorities, rng)
    cache: dict[tuple[str, int], float] = {}
    means = np.empty(n)
    for i, (ct, p) in enumerate(zip(call_types, priorities.tolist(), strict=True)):
        key = (ct, p)
        m = cache.get(key)
        if m is None:
            m = cache[key] = mean_minutes(config, ct, p) * 60.0
        means[i] = m
    if config.model == "exponential":
        return rng.exponential(1.0, n) * means
    sigma2 = math.log1p(config.cv**2)
    z = rng.standard_normal(n)
    return means * np.exp(math.sqrt(sigma2) * z - sigma2 / 2.0)


def read_samples(path: Path) -> dict[tuple[str, int], FloatArray]:
    """On-scene samples in seconds by (call type, priority), from call_type, priority,
    on_scene_minutes rows."""
    if not path.exists():
        raise DataMissing(f"on-scene samples {path} are absent")
    out: dict[tuple[str, int], list[float]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            try:
                key = (row["call_type"], int(row["priority"]))
                minutes = float(row["on_scene_minutes"])
            except (KeyError, ValueError):
                raise ScenarioError(
                    f"{path}: line {n}: needs call_type, priority, on_scene_minutes"
                ) from None
            if minutes >= 0:
                out.setdefault(key, []).append(minutes * 60.0)
    if not out:
        raise ScenarioError(f"{path}: no on-scene samples")
    return {k: np.array(v) for k, v in out.items()}


def _empirical(
    samples: dict[tuple[str, int], FloatArray],
    call_types: Sequence[str],
    priorities: IntArray,
    rng: np.random.Generator,
) -> FloatArray:
    """Draw from the samples of the call's type and priority, else its priority's, else all."""
    by_priority = _by_priority(samples)
    everything = np.concatenate(list(samples.values()))
    out = np.empty(len(priorities))
    pick = rng.random(len(priorities))
    for i, (ct, p) in enumerate(zip(call_types, priorities.tolist(), strict=True)):
        pool = samples.get((ct, p))
        if pool is None:
            pool = by_priority.get(p, everything)
        out[i] = pool[int(pick[i] * len(pool))]
    return out


# -- delays: call processing and turnout --------------------------------------

#: The delays of the service model, as the ``delay`` column of a delays CSV names them
#: (the KPI names of ``domain.analytics.kpis``).
DELAYS = ("call_processing", "turnout")
#: A call type needs this many samples of a delay (in its priority) to be drawn from its
#: own; with fewer, its samples join its priority's.
DELAY_MIN_SAMPLES = 10


def _enough(
    samples: dict[tuple[str, int], FloatArray], least: int = DELAY_MIN_SAMPLES
) -> dict[tuple[str, int], FloatArray]:
    """The samples by (call type, priority), those of thin call types pooled under
    ("", priority), which no call type matches: such calls draw from the priority's."""
    out: dict[tuple[str, int], FloatArray] = {}
    for (ct, p), v in samples.items():
        key = (ct, p) if len(v) >= least else ("", p)
        out[key] = np.concatenate((out[key], v)) if key in out else v
    return out


def read_delays(path: Path) -> dict[str, dict[tuple[str, int], FloatArray]]:
    """Delay samples in seconds by delay, then (call type, priority), from delay,
    priority, call_type, seconds rows (``<stem>.delays.csv`` of calibrate)."""
    if not path.exists():
        raise DataMissing(f"delay samples {path} are absent")
    out: dict[str, dict[tuple[str, int], list[float]]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            try:
                delay = row["delay"]
                key = (row["call_type"], int(row["priority"]))
                seconds = float(row["seconds"])
            except (KeyError, ValueError, TypeError):
                raise ScenarioError(
                    f"{path}: line {n}: needs delay, priority, call_type, seconds"
                ) from None
            if delay not in DELAYS:
                raise ScenarioError(f"{path}: line {n}: delay must be one of {', '.join(DELAYS)}")
            if math.isfinite(seconds) and seconds >= 0:
                out.setdefault(delay, {}).setdefault(key, []).append(seconds)
    return {d: {k: np.array(v) for k, v in by.items()} for d, by in out.items()}


def draw_delays(
    config: ServiceConfig,
    call_types: Sequence[str],
    priorities: IntArray,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Call-processing and turnout seconds for each call (zeros for a delay "none"):
    "empirical" draws from the samples of the call's type and priority when there are at
    least ``DELAY_MIN_SAMPLES``, else from its priority's, else from all; "lognormal"
    from a fit by priority."""
    n = len(priorities)
    samples = read_delays(config.delays) if config.delays is not None else {}
    out = []
    for delay in DELAYS:
        model = getattr(config, delay)
        if model == "none":
            out.append(np.zeros(n))
            continue
        assert config.delays is not None
        got = samples.get(delay)
        if not got:
            raise ScenarioError(f"{config.delays}: no {delay} samples for {delay} {model!r}")
        if model == "empirical":
            out.append(_empirical(_enough(got), call_types, priorities, rng))
        else:
            out.append(_lognormal(got, priorities, rng))
    return out[0], out[1]


@dataclass(frozen=True, slots=True)
class LognormalFit:
    """A delay as a lognormal with a point mass at zero: ``zero`` of the calls have no
    delay, the others ``exp(N(mu, sigma))`` seconds."""

    zero: float
    mu: float
    sigma: float

    @classmethod
    def of(cls, seconds: FloatArray) -> LognormalFit:
        positive = np.log(seconds[seconds > 0])
        zero = 1.0 - len(positive) / len(seconds) if len(seconds) else 1.0
        if len(positive) == 0:
            return cls(1.0, 0.0, 0.0)
        return cls(zero, float(positive.mean()), float(positive.std()))

    def draw(self, n: int, rng: np.random.Generator) -> FloatArray:
        values = np.exp(self.mu + self.sigma * rng.standard_normal(n))
        return np.where(rng.random(n) < self.zero, 0.0, values)


def _lognormal(
    samples: dict[tuple[str, int], FloatArray], priorities: IntArray, rng: np.random.Generator
) -> FloatArray:
    """A lognormal fitted by priority (all calls' for a priority without samples)."""
    pooled = _by_priority(samples)
    everything = LognormalFit.of(np.concatenate(list(samples.values())))
    out = np.empty(len(priorities))
    for p in np.unique(priorities):
        sel = np.flatnonzero(priorities == p)
        v = pooled.get(int(p))
        fit = LognormalFit.of(v) if v is not None else everything
        out[sel] = fit.draw(len(sel), rng)
    return out


def _by_priority(samples: dict[tuple[str, int], FloatArray]) -> dict[int, FloatArray]:
    by_priority: dict[int, FloatArray] = {}
    for (_, p), v in samples.items():
        by_priority[p] = np.concatenate((by_priority.get(p, np.empty(0)), v))
    return by_priority


# -- on-scene times a replayed call lacks -------------------------------------


def fill_on_scene(
    config: ServiceConfig,
    call_types: Sequence[str],
    priorities: IntArray,
    given: FloatArray,
    rng: np.random.Generator,
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Every call's on-scene seconds by the ``missing_on_scene`` rule, and which calls
    keep theirs (False: the rule "drop" leaves them out). A call the log gave a time
    keeps it; for the others the draws of the service model ("assume") or of the
    samples of the same call type and priority ("impute") are taken. Draws are made for
    every call whatever the rule, so the random stream does not depend on it."""
    drawn = draw_on_scene(config, call_types, priorities, rng)
    missing = np.isnan(given)
    keep = np.ones(len(given), dtype=np.bool_)
    if config.missing_on_scene == "impute":
        assert config.samples is not None
        drawn = _empirical(read_samples(config.samples), call_types, priorities, rng)
    elif config.missing_on_scene == "drop":
        keep = ~missing
    return np.where(missing, drawn, given), keep
