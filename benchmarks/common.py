"""Small timing helpers shared by the benchmarks (stdlib only)."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


def fresh_build() -> list[str]:
    """Stop when a compiled module is older than its source (it would time the old code);
    return the modules that run compiled."""
    from bluepool.compiled import compiled, stale, stale_message

    if modules := stale():
        raise SystemExit(stale_message(modules))
    return compiled()


def timings_ms(fn: Callable[[], object], repeat: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)
    return {
        "p50_ms": round(statistics.median(s), 4),
        "p99_ms": round(s[min(len(s) - 1, int(len(s) * 0.99))], 4),
        "mean_ms": round(statistics.fmean(s), 4),
    }


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def footer(result: dict[str, Any]) -> None:
    result["date"] = datetime.now(UTC).date().isoformat()
    result["machine"] = machine()
    print(json.dumps(result))
