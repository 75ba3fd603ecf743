"""How long a committed change takes to reach an event-stream subscriber, and what a write
costs, through the in-process broker (the baseline: one worker) and through the outbox
relay, NATS JetStream and the stream consumer (several workers).

One process, one database (SQLite in a temporary directory, or BLUEPOOL_BENCH_DATABASE_URL),
a nats-server with JetStream at BLUEPOOL_BENCH_NATS_URL (default nats://127.0.0.1:4222; a
stream of its own, deleted at the end). Each write is a use case (an agency admitted) that
waits for its event before the next. Prints the ratio JetStream / in-process of the p50
delivery latency, then a JSON object as the last line.

    PYTHONPATH=src python benchmarks/event_path.py [--events 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from common import footer, summary


def run(mode: str, events: int, database_url: str, nats_url: str) -> dict[str, Any]:
    from bluepool import bootstrap
    from bluepool.adapters.db.migrate import upgrade
    from bluepool.adapters.passwords import Argon2Hasher
    from bluepool.config import Settings
    from bluepool.domain.access.roles import Role, User
    from bluepool.domain.collective.agencies import Agency
    from bluepool.domain.shared.ids import AgencyId, Username
    from bluepool.services.collective.agencies import save_agency

    upgrade(database_url)
    stream = f"BENCH{uuid.uuid4().hex[:8].upper()}"
    extra: dict[str, Any] = (
        {"nats_url": nats_url, "nats_stream": stream} if mode == "jetstream" else {}
    )
    settings = Settings(environment="test", database_url=database_url, **extra)
    runtime = bootstrap.build(settings, hasher=Argon2Hasher(fast=True))
    runtime.start()
    broker = runtime.broker
    if mode == "jetstream":
        deadline = time.monotonic() + 20
        while not broker.epoch.startswith("js"):  # the consumer has met the stream
            if time.monotonic() > deadline:
                raise SystemExit(f"no JetStream at {nats_url}")
            time.sleep(0.05)
    arrived = threading.Event()
    loop = asyncio.new_event_loop()

    async def follow() -> None:
        async for published in broker.subscribe():
            if published is not None:
                arrived.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    following = asyncio.run_coroutine_threadsafe(follow(), loop)
    time.sleep(0.2)
    admin = User(Username("bench"), Role.COLLECTIVE_ADMIN)
    latency, writes = [], []
    try:
        for n in range(events + 10):
            arrived.clear()
            t0 = time.perf_counter()
            save_agency(
                runtime.context, admin, Agency(AgencyId(f"{mode[:2]}{n}"), f"A {n}"), create=True
            )
            t1 = time.perf_counter()
            if not arrived.wait(10):
                raise SystemExit(f"{mode}: event {n} did not arrive")
            t2 = time.perf_counter()
            if n >= 10:  # warm-up left out
                writes.append((t1 - t0) * 1000)
                latency.append((t2 - t0) * 1000)
    finally:
        following.cancel()
        time.sleep(0.1)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
        runtime.stop()
        runtime.engine.dispose()
        if mode == "jetstream":
            asyncio.run(_delete_stream(nats_url, stream))
    return {"delivery": summary(latency), "write": summary(writes)}


async def _delete_stream(url: str, stream: str) -> None:
    import nats

    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    nats_url = os.environ.get("BLUEPOOL_BENCH_NATS_URL", "nats://127.0.0.1:4222")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("in-process", "jetstream"):
            url = os.environ.get("BLUEPOOL_BENCH_DATABASE_URL") or (
                f"sqlite:///{Path(tmp) / (mode + '.db')}"
            )
            results[mode] = run(mode, args.events, url, nats_url)
            d, w = results[mode]["delivery"], results[mode]["write"]
            print(
                f"{mode:>10}: delivery p50 {d['p50_ms']:.2f} ms, p99 {d['p99_ms']:.2f} ms; "
                f"write p50 {w['p50_ms']:.2f} ms"
            )
    ratio = results["jetstream"]["delivery"]["p50_ms"] / results["in-process"]["delivery"]["p50_ms"]
    print(f"delivery p50, JetStream / in-process: {ratio:.1f}x")
    footer(
        {
            "benchmark": "event_path",
            "events": args.events,
            "ratio_p50": round(ratio, 2),
            **{k.replace("-", "_"): v for k, v in results.items()},
        }
    )


if __name__ == "__main__":
    main()
