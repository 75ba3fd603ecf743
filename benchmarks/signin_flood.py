"""A flood of sign-ins against production argon2id (64 MiB per hash): the peak memory of the
process, unbounded (the baseline: every request thread hashes at once) and through the
``BoundedHasher`` (2 at a time, 8 waiting, the rest refused with 503).

Each side runs in a fresh subprocess (the peak RSS of a process only grows). Prints the
ratio baseline / bounded, then a JSON object as the last line.

    PYTHONPATH=src python benchmarks/signin_flood.py [--callers 16]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time

from common import footer


def flood(bounded: bool, callers: int) -> dict[str, float]:
    from bluepool.adapters.passwords import Argon2Hasher, BoundedHasher
    from bluepool.services.ports import Overloaded

    inner = Argon2Hasher()  # production cost
    stored = inner.hash("the-right-password")
    hasher = BoundedHasher(inner, 2, 8) if bounded else inner
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused = 0
    lock = threading.Lock()
    start = threading.Barrier(callers)

    def one() -> None:
        nonlocal refused
        start.wait()
        try:
            hasher.verify(stored, "a-wrong-guess")
        except Overloaded:
            with lock:
                refused += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=one) for _ in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "peak_growth_mib": round((peak - before) / 1024, 1),
        "refused": refused,
        "s": round(wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--callers", type=int, default=16)
    parser.add_argument("--side", choices=["unbounded", "bounded"])
    args = parser.parse_args()
    if args.side:
        print(json.dumps(flood(args.side == "bounded", args.callers)))
        return
    sides = {}
    for side in ("unbounded", "bounded"):
        out = subprocess.run(
            [sys.executable, __file__, "--side", side, "--callers", str(args.callers)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        sides[side] = json.loads(out.strip().splitlines()[-1])
    base, bounded = sides["unbounded"], sides["bounded"]
    ratio = base["peak_growth_mib"] / max(bounded["peak_growth_mib"], 1.0)
    print(
        f"{args.callers} sign-ins at once: peak memory +{base['peak_growth_mib']} MiB unbounded, "
        f"+{bounded['peak_growth_mib']} MiB bounded ({bounded['refused']} refused with 503); "
        f"ratio {ratio:.1f}x"
    )
    footer(
        {
            "benchmark": "signin_flood",
            "callers": args.callers,
            "unbounded": base,
            "bounded": bounded,
            "ratio": round(ratio, 2),
        }
    )


if __name__ == "__main__":
    main()
