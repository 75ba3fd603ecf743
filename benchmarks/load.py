"""Load against `bluepool serve` on PostgreSQL, from load-generator processes of its own.

For each worker count (1 and 4), on a fresh database with the demo collective (47 units,
`bluepool load`): `bluepool serve --workers N` in its own process, then asyncio clients
(httpx) in separate processes, for a fixed time each:

* dispatch: one operation = create an incident + get its recommendation + assign a unit
  (the next candidate when one was just taken); each operation is followed by a close so
  the unit comes back (not timed in the operation, but it loads the server);
* positions through the batch endpoint (POST /api/v1/positions, 500 fixes a request);
* positions one per request (POST /api/v1/units/{id}/positions).

Dispatch is measured twice: with every client (closed loop, the peak the server gives:
its p99 is mostly queueing) and with a few (``--steady-tasks``, one process: below
saturation, so its p99 is the server's own latency). The CPU each dispatch operation costs
is read from /proc for the server (with its workers), the PostgreSQL backends of the
benchmark's database and the load generator, so a run shows who bounds it: the generator
shares the machine's cores with them.

Baseline, in the same run: the pgbench ceiling of the same PostgreSQL (select-only and
simple-update transactions on a scratch database, the same client concurrency), and the SQL
statements one dispatch operation costs (counted through the service layer). Prints a
table and, last, one JSON line.

    python benchmarks/load.py [--duration 10] [--workers 1,4] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from common import footer, summary

DEMO = Path(str(resources.files("bluepool") / "demo" / "collective.yaml"))
BATCH = 500


@dataclass
class Result:
    ops: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    positions: int = 0
    cpu_s: float = 0.0  # the load generator's own CPU time


# -- the load generator (its own processes) --------------------------------------------


def _client_process(
    kind: str,
    base: str,
    token: str,
    start: float,
    duration: float,
    tasks: int,
    seed: int,
    units: list[str],
    places: list[tuple[float, float]],
    out: Any,
) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    cpu = time.process_time()
    result = asyncio.run(_client(kind, base, token, start, duration, tasks, seed, units, places))
    result.cpu_s = time.process_time() - cpu
    out.put(result)


async def _client(
    kind: str,
    base: str,
    token: str,
    start: float,
    duration: float,
    tasks: int,
    seed: int,
    units: list[str],
    places: list[tuple[float, float]],
) -> Result:
    result = Result()
    limits = httpx.Limits(max_connections=tasks, max_keepalive_connections=tasks)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as http:
        await asyncio.sleep(max(0.0, start - time.time()))
        end = time.time() + duration
        work = {"dispatch": _dispatch, "batch": _batches, "single": _singles, "http": _http}[kind]
        await asyncio.gather(
            *(
                work(http, end, result, random.Random(seed * 1000 + i), units, places, i, tasks)
                for i in range(tasks)
            )
        )
    return result


async def _dispatch(
    http: httpx.AsyncClient,
    end: float,
    result: Result,
    rng: random.Random,
    units: list[str],
    places: list[tuple[float, float]],
    me: int,
    tasks: int,
) -> None:
    while time.time() < end:
        lat, lon = rng.choice(places)
        t0 = time.perf_counter()
        r = await http.post(
            "/incidents",
            json={"call_type": "burglary", "priority": 3, "location": {"lat": lat, "lon": lon}},
        )
        if r.status_code != 201:
            result.errors += 1
            continue
        incident = r.json()["id"]
        rec = (await http.get(f"/incidents/{incident}/recommendation")).json()
        assigned = False
        for c in rec.get("candidates", []):
            a = await http.post(
                f"/incidents/{incident}/assignments", json={"unit_id": c["unit_id"]}
            )
            if a.status_code == 201:
                assigned = True
                break
        elapsed = (time.perf_counter() - t0) * 1000
        if assigned:
            result.ops += 1
            result.latencies_ms.append(elapsed)
        else:
            result.errors += 1
        await http.post(f"/incidents/{incident}/close", json={"disposition": "no_report"})


def _fix_time(n: int, me: int, tasks: int) -> str:
    # Every fix of a run is newer than the one before it from any task: units move.
    at = datetime.now(UTC) - timedelta(minutes=30) + timedelta(microseconds=n * tasks + me)
    return at.isoformat()


async def _batches(
    http: httpx.AsyncClient,
    end: float,
    result: Result,
    rng: random.Random,
    units: list[str],
    places: list[tuple[float, float]],
    me: int,
    tasks: int,
) -> None:
    n = 0
    while time.time() < end:
        fixes = []
        for _ in range(BATCH):
            lat, lon = rng.choice(places)
            n += 1
            fixes.append(
                {
                    "unit_id": rng.choice(units),
                    "lat": lat,
                    "lon": lon,
                    "at": _fix_time(n, me, tasks),
                    "speed": 10.0,
                    "heading": 90.0,
                }
            )
        t0 = time.perf_counter()
        r = await http.post("/positions", json={"fixes": fixes})
        if r.status_code == 200:
            result.ops += 1
            result.positions += BATCH
            result.latencies_ms.append((time.perf_counter() - t0) * 1000)
        else:
            result.errors += 1


async def _singles(
    http: httpx.AsyncClient,
    end: float,
    result: Result,
    rng: random.Random,
    units: list[str],
    places: list[tuple[float, float]],
    me: int,
    tasks: int,
) -> None:
    n = 0
    while time.time() < end:
        lat, lon = rng.choice(places)
        n += 1
        t0 = time.perf_counter()
        r = await http.post(
            f"/units/{rng.choice(units)}/positions",
            json={"lat": lat, "lon": lon, "at": _fix_time(n, me, tasks)},
        )
        if r.status_code == 200:
            result.ops += 1
            result.positions += 1
            result.latencies_ms.append((time.perf_counter() - t0) * 1000)
        else:
            result.errors += 1


async def _http(
    http: httpx.AsyncClient,
    end: float,
    result: Result,
    rng: random.Random,
    units: list[str],
    places: list[tuple[float, float]],
    me: int,
    tasks: int,
) -> None:
    """The HTTP ceiling: an authenticated GET that reads no database (GET /auth/me)."""
    while time.time() < end:
        t0 = time.perf_counter()
        r = await http.get("/auth/me")
        if r.status_code == 200:
            result.ops += 1
            result.latencies_ms.append((time.perf_counter() - t0) * 1000)
        else:
            result.errors += 1


def load(
    kind: str,
    base: str,
    token: str,
    duration: float,
    procs: int,
    tasks: int,
    units: list[str],
    places: list[tuple[float, float]],
) -> tuple[Result, float]:
    """Run ``procs`` client processes of ``tasks`` asyncio tasks each for ``duration`` s;
    return the merged result and the measured wall time."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start = time.time() + 1.5  # every process starts at once, after its imports
    workers = [
        ctx.Process(
            target=_client_process,
            args=(kind, base, token, start, duration, tasks, p, units, places, out),
        )
        for p in range(procs)
    ]
    for w in workers:
        w.start()
    merged = Result()
    for _ in workers:
        r = out.get()
        merged.ops += r.ops
        merged.errors += r.errors
        merged.positions += r.positions
        merged.cpu_s += r.cpu_s
        merged.latencies_ms.extend(r.latencies_ms)
    for w in workers:
        w.join()
    return merged, duration


# -- the server and the database -------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(server: int, database: str) -> tuple[float, float]:
    """CPU seconds so far of the server process with its workers, and of the PostgreSQL
    backends connected to ``database`` (from /proc; zeros where there is none)."""
    stats: dict[int, tuple[int, float]] = {}
    pg = 0.0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        rest = raw[raw.rfind(")") + 2 :].split()
        secs = (int(rest[11]) + int(rest[12])) / TICK
        stats[int(entry)] = (int(rest[1]), secs)
        if cmd.startswith("postgres:") and f" {database} " in cmd:
            pg += secs
    mine, frontier = 0.0, {server}
    while frontier:
        mine += sum(stats[p][1] for p in frontier if p in stats)
        frontier = {p for p, (parent, _) in stats.items() if parent in frontier}
    return mine, pg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "BLUEPOOL_ENVIRONMENT": "test", "BLUEPOOL_SECRET_KEY": "l" * 48}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bluepool",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--database-url",
            url,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        server.kill()
        raise SystemExit("bluepool serve did not start")
    time.sleep(1.0 if workers > 1 else 0.2)  # let every worker finish starting
    return server, f"http://127.0.0.1:{port}/api/v1"


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(5)


def fleet(url: str) -> tuple[list[str], list[tuple[float, float]]]:
    from bluepool.adapters.files.collective import read_collective
    from bluepool.geo.jurisdictions import JurisdictionIndex

    spec = read_collective(DEMO)
    inside = JurisdictionIndex(spec.jurisdictions)
    rng = random.Random(1)
    places: list[tuple[float, float]] = []
    while len(places) < 500:
        s = rng.choice(spec.stations).location
        lat, lon = s.lat + rng.uniform(-0.003, 0.003), s.lon + rng.uniform(-0.003, 0.003)
        from bluepool.domain.shared.geo import Location

        if inside.locate(Location(lat, lon)) is not None:
            places.append((lat, lon))
    return [u.id for u in spec.units], places


def pgbench(admin_url: str, clients: int, seconds: int) -> dict[str, float]:
    """Transactions/s of pgbench's select-only (-S) and simple-update (-N) scripts on a
    scratch database of the same server: what PostgreSQL itself does here."""
    from sqlalchemy.engine import make_url

    exe = shutil.which("pgbench")
    if exe is None:
        return {}
    from api_throughput import drop, postgres_database

    _, name = postgres_database(admin_url)
    u = make_url(admin_url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    env = {**os.environ, **({"PGPASSWORD": u.password} if u.password else {})}
    try:
        subprocess.run(
            [exe, *args, "-i", "-q", "-s", "1", name], env=env, check=True, capture_output=True
        )
        out: dict[str, float] = {}
        for script in ("-S", "-N"):
            run = subprocess.run(
                [exe, *args, script, "-c", str(clients), "-j", "2", "-T", str(seconds), name],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            found = re.search(r"tps = ([\d.]+)", run.stdout)
            out["select" if script == "-S" else "update"] = float(found.group(1)) if found else 0
        return out
    finally:
        drop(admin_url, name)


def statements_per_op(url: str) -> dict[str, int]:
    """SQL statements of one create, recommend and assign through the service layer."""
    from api_throughput import places
    from sqlalchemy import event

    from bluepool import bootstrap
    from bluepool.config import Settings
    from bluepool.services.access import users
    from bluepool.services.dispatch import incidents

    rt = bootstrap.build(Settings(environment="test", database_url=url, secret_key="s" * 40))
    seen: list[str] = []
    event.listen(rt.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    ctx = rt.context
    if isinstance(ctx.standing, bootstrap.CachedStanding):
        ctx.standing.ttl = 3600  # counts with the caches warm, however slow the machine
    user = users.signed_in(ctx, "dispatcher")
    assert user is not None
    counts: dict[str, int] = {}
    try:
        for loc in places(2, seed=7):  # the second, with the caches warm
            seen.clear()
            inc = incidents.create_incident(ctx, user, "burglary", loc, 3)
            counts["create"] = len(seen)
            seen.clear()
            rec = incidents.recommendation(ctx, user, inc.id)
            counts["recommend"] = len(seen)
            seen.clear()
            incidents.assign(ctx, user, inc.id, rec.candidates[0].unit_id)
            counts["assign"] = len(seen)
            seen.clear()
            incidents.close_incident(ctx, user, inc.id, "no_report")
            counts["close"] = len(seen)
    finally:
        rt.engine.dispose()
    return counts


def sessions(admin_url: str, database: str) -> int:
    """Connections PostgreSQL has opened to ``database`` so far (pg_stat_database, 14+)."""
    from sqlalchemy import create_engine, text

    from bluepool.adapters.db.engine import normalise_url

    engine = create_engine(normalise_url(admin_url))
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT sessions FROM pg_stat_database WHERE datname = :n"), {"n": database}
            ).scalar()
    except Exception:  # older PostgreSQL: no such column
        found = None
    finally:
        engine.dispose()
    return int(found or 0)


def token(base: str) -> str:
    r = httpx.post(f"{base}/auth/token", data={"username": "dispatcher", "password": "dispatcher"})
    r.raise_for_status()
    return str(r.json()["access_token"])


# -- the run ---------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    ap.add_argument("--workers", default="1,4", help="worker counts to measure")
    ap.add_argument("--procs", type=int, default=2, help="load-generator processes")
    ap.add_argument("--tasks", type=int, default=8, help="concurrent clients per process")
    ap.add_argument(
        "--steady-tasks",
        type=int,
        default=2,
        help="dispatch clients (one process) of the second, unsaturated dispatch measurement",
    )
    ap.add_argument(
        "--postgres",
        default=os.environ.get(
            "BLUEPOOL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    from api_throughput import drop, postgres_database

    units, places = fleet(args.postgres)
    clients = args.procs * args.tasks
    ceiling = pgbench(args.postgres, clients, max(3, int(args.duration // 2)))
    runs: list[dict[str, Any]] = []
    statements: dict[str, int] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        url, name = postgres_database(args.postgres)
        try:
            subprocess.run(
                [sys.executable, "-m", "bluepool", "load", str(DEMO), "--database-url", url],
                env={**os.environ, "BLUEPOOL_ENVIRONMENT": "test"},
                check=True,
                capture_output=True,
            )
            if not statements:
                statements = statements_per_op(url)
            server, base = serve(url, workers)
            try:
                tok = token(base)
                row: dict[str, Any] = {"workers": workers}
                cpu0, opened = cpu_seconds(server.pid, name), sessions(args.postgres, name)
                d, secs = load(
                    "dispatch", base, tok, args.duration, args.procs, args.tasks, units, places
                )
                cpu1, opened = cpu_seconds(server.pid, name), sessions(args.postgres, name) - opened
                s = summary(d.latencies_ms) if d.latencies_ms else {"p50_ms": 0, "p99_ms": 0}
                per_op = 1000 / max(1, d.ops)
                row |= {
                    "dispatch_ops_per_s": round(d.ops / secs, 1),
                    "dispatch_p50_ms": round(s["p50_ms"], 1),
                    "dispatch_p99_ms": round(s["p99_ms"], 1),
                    "dispatch_errors": d.errors,
                    # CPU per operation (its close included), by whom
                    "server_cpu_ms_per_op": round((cpu1[0] - cpu0[0]) * per_op, 1),
                    "postgres_cpu_ms_per_op": round((cpu1[1] - cpu0[1]) * per_op, 1),
                    "client_cpu_ms_per_op": round(d.cpu_s * per_op, 1),
                    "connections_opened": opened,  # by the server, during the dispatch load
                }
                # The same closed loop with few clients: below saturation, so its p99 is
                # the server's latency rather than the queue the overdriving load builds.
                q, secs = load(
                    "dispatch", base, tok, args.duration, 1, args.steady_tasks, units, places
                )
                sq = summary(q.latencies_ms) if q.latencies_ms else {"p50_ms": 0, "p99_ms": 0}
                row |= {
                    "steady_ops_per_s": round(q.ops / secs, 1),
                    "steady_p50_ms": round(sq["p50_ms"], 1),
                    "steady_p99_ms": round(sq["p99_ms"], 1),
                }
                b, secs = load(
                    "batch",
                    base,
                    tok,
                    args.duration,
                    args.procs,
                    max(1, args.tasks // 4),
                    units,
                    places,
                )
                sb = summary(b.latencies_ms) if b.latencies_ms else {"p99_ms": 0}
                row |= {
                    "positions_per_s": round(b.positions / secs),
                    "batch_p99_ms": round(sb["p99_ms"], 1),
                    "batch_errors": b.errors,
                }
                one, secs = load(
                    "single", base, tok, args.duration, args.procs, args.tasks, units, places
                )
                so = summary(one.latencies_ms) if one.latencies_ms else {"p99_ms": 0}
                row |= {
                    "single_positions_per_s": round(one.positions / secs),
                    "single_p99_ms": round(so["p99_ms"], 1),
                    "single_errors": one.errors,
                }
                c, secs = load(
                    "http", base, tok, args.duration / 2, args.procs, args.tasks, units, places
                )
                row |= {"http_ceiling_per_s": round(c.ops / secs)}
                runs.append(row)
            finally:
                stop(server)
        finally:
            drop(args.postgres, name)

    print(
        f"bluepool serve on PostgreSQL, demo collective ({len(units)} units), "
        f"{args.procs} load processes x {args.tasks} clients, {args.duration:g} s each; "
        f"one dispatch op = create + recommend + assign (then a close)"
    )
    print(
        f"{'workers':>7}{'dispatch ops/s':>16}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'batch fixes/s':>15}{'batch p99':>11}{'single fixes/s':>16}{'single p99':>12}"
        f"{'GET /auth/me /s':>17}"
    )
    for r in runs:
        print(
            f"{r['workers']:>7}{r['dispatch_ops_per_s']:>16.1f}{r['dispatch_p50_ms']:>9.1f}"
            f"{r['dispatch_p99_ms']:>9.1f}{r['positions_per_s']:>15,}{r['batch_p99_ms']:>11.1f}"
            f"{r['single_positions_per_s']:>16,}{r['single_p99_ms']:>12.1f}"
            f"{r['http_ceiling_per_s']:>17,}"
        )
    for r in runs:
        print(
            f"{r['workers']} worker(s), dispatch with {clients} clients: CPU per op (close "
            f"included) server {r['server_cpu_ms_per_op']} ms, PostgreSQL "
            f"{r['postgres_cpu_ms_per_op']} ms, load generator {r['client_cpu_ms_per_op']} ms; "
            f"{r['connections_opened']} connections opened;"
            f" with {args.steady_tasks} clients: {r['steady_ops_per_s']} ops/s, "
            f"p50 {r['steady_p50_ms']} ms, p99 {r['steady_p99_ms']} ms"
        )
    if ceiling:
        print(
            f"pgbench ceiling, {clients} clients: select-only {ceiling['select']:,.0f} tps, "
            f"simple update {ceiling['update']:,.0f} tps"
        )
    print(
        "SQL statements per dispatch op (service layer, caches warm): "
        + ", ".join(f"{k} {v}" for k, v in statements.items())
        + f"; the operation {sum(v for k, v in statements.items() if k != 'close')}"
        + " (before issue 10 item 11, PostgreSQL: 6 + 8 + 19 = 33)"
    )
    best = max(runs, key=lambda r: r["dispatch_ops_per_s"])
    footer(
        {
            "benchmark": "load",
            "backend": "postgresql",
            "workers": best["workers"],
            "dispatch_ops_per_s": best["dispatch_ops_per_s"],
            "dispatch_p50_ms": best["dispatch_p50_ms"],
            "dispatch_p99_ms": best["dispatch_p99_ms"],
            "positions_per_s": max(r["positions_per_s"] for r in runs),
            "single_positions_per_s": max(r["single_positions_per_s"] for r in runs),
            "runs": runs,
            "pgbench_select_tps": ceiling.get("select"),
            "pgbench_update_tps": ceiling.get("update"),
            "statements_per_op": statements,
            "duration_s": args.duration,
            "load_processes": args.procs,
            "clients_per_process": args.tasks,
            "steady_clients": args.steady_tasks,
            "load_average": os.getloadavg()[0],
        }
    )


if __name__ == "__main__":
    main()
