"""On-scene times: how long a call keeps the units it gets.

Drawn once per call before any policy runs, so every policy serves the same calls for the
same times (common random numbers: the policies' differences are not sampling noise).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

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
    by_priority: dict[int, FloatArray] = {}
    for (_, p), v in samples.items():
        by_priority[p] = np.concatenate((by_priority.get(p, np.empty(0)), v))
    everything = np.concatenate(list(samples.values()))
    out = np.empty(len(priorities))
    pick = rng.random(len(priorities))
    for i, (ct, p) in enumerate(zip(call_types, priorities.tolist(), strict=True)):
        pool = samples.get((ct, p))
        if pool is None:
            pool = by_priority.get(p, everything)
        out[i] = pool[int(pick[i] * len(pool))]
    return out
