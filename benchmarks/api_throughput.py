"""Dispatch throughput through the API: create + recommend + assign (+ close, to free the
unit), on SQLite and on PostgreSQL, over real HTTP (uvicorn in this process, httpx client).

Baseline, in the same run: the same cycle through the service layer directly, without HTTP,
so the ratio shows what the HTTP layer costs. Prints a table and, last, one JSON line.

    python benchmarks/api_throughput.py [--cycles 200] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from importlib import resources
from pathlib import Path

import httpx
import uvicorn
from common import footer
from sqlalchemy import create_engine, text

from bluepool import bootstrap
from bluepool.adapters.db.engine import normalise_url
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.files.collective import read_collective
from bluepool.config import Settings
from bluepool.domain.shared.geo import Location
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.services.access import users
from bluepool.services.dispatch import incidents
from bluepool.services.setup import load_collective
from bluepool.web.app import create_app

DEMO = Path(str(resources.files("bluepool") / "demo" / "collective.yaml"))


def places(n: int, seed: int = 1) -> list[Location]:
    """Calls near the demo's stations (within about 300 m), in every agency's area."""
    rng = random.Random(seed)
    spec = read_collective(DEMO)
    inside = JurisdictionIndex(spec.jurisdictions)
    out: list[Location] = []
    while len(out) < n:
        s = rng.choice(spec.stations).location
        loc = Location(s.lat + rng.uniform(-0.003, 0.003), s.lon + rng.uniform(-0.003, 0.003))
        if inside.locate(loc) is not None:
            out.append(loc)
    return out


def prepare(url: str) -> bootstrap.Runtime:
    upgrade(url)
    settings = Settings(environment="test", database_url=url, secret_key="b" * 40)
    runtime = bootstrap.build(settings)
    spec = read_collective(DEMO)
    ctx = runtime.context
    with ctx.uow() as uow:
        load_collective(
            uow, spec, ctx.hasher, ctx.clock, "bench", JurisdictionIndex(spec.jurisdictions)
        )
    return runtime


def service_cycles(runtime: bootstrap.Runtime, where: list[Location]) -> float:
    ctx = runtime.context
    user = users.signed_in(ctx, "dispatcher")
    assert user is not None
    t0 = time.perf_counter()
    for loc in where:
        inc = incidents.create_incident(ctx, user, "burglary", loc, 3)
        rec = incidents.recommendation(ctx, user, inc.id)
        incidents.assign(ctx, user, inc.id, rec.candidates[0].unit_id)
        incidents.close_incident(ctx, user, inc.id, "no_report")
    return len(where) / (time.perf_counter() - t0)


def http_cycles(runtime: bootstrap.Runtime, where: list[Location]) -> float:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime=runtime), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30) as http:
            tok = http.post(
                "/auth/token", data={"username": "dispatcher", "password": "dispatcher"}
            )
            http.headers["Authorization"] = f"Bearer {tok.json()['access_token']}"
            t0 = time.perf_counter()
            for loc in where:
                body = {
                    "call_type": "burglary",
                    "priority": 3,
                    "location": {"lat": loc.lat, "lon": loc.lon},
                }
                inc = http.post("/incidents", json=body).json()
                rec = http.get(f"/incidents/{inc['id']}/recommendation").json()
                unit = rec["candidates"][0]["unit_id"]
                r = http.post(f"/incidents/{inc['id']}/assignments", json={"unit_id": unit})
                assert r.status_code == 201, r.text
                http.post(f"/incidents/{inc['id']}/close", json={"disposition": "no_report"})
            return len(where) / (time.perf_counter() - t0)
    finally:
        server.should_exit = True
        thread.join(10)


def concurrent_cycles(url: str, where: list[Location], clients: int = 4) -> float:
    """The same cycle from several dispatchers at once, against `bluepool serve` in its own
    process (as deployed); a dispatcher whose unit was just taken tries the next candidate."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BLUEPOOL_ENVIRONMENT": "test", "BLUEPOOL_SECRET_KEY": "c" * 48}
    server = subprocess.Popen(
        [sys.executable, "-m", "bluepool", "serve", "--port", str(port), "--database-url", url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = httpx.post(
            f"{base}/auth/token", data={"username": "dispatcher", "password": "dispatcher"}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}

        def work(share: list[Location]) -> None:
            with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
                for loc in share:
                    body = {
                        "call_type": "burglary",
                        "priority": 3,
                        "location": {"lat": loc.lat, "lon": loc.lon},
                    }
                    inc = http.post("/incidents", json=body).json()
                    rec = http.get(f"/incidents/{inc['id']}/recommendation").json()
                    for c in rec["candidates"]:
                        r = http.post(
                            f"/incidents/{inc['id']}/assignments", json={"unit_id": c["unit_id"]}
                        )
                        if r.status_code == 201:
                            break
                        assert r.status_code == 409, r.text
                    http.post(f"/incidents/{inc['id']}/close", json={"disposition": "no_report"})

        threads = [threading.Thread(target=work, args=(where[i::clients],)) for i in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return len(where) / (time.perf_counter() - t0)
    finally:
        server.terminate()
        server.wait(10)


def postgres_database(admin_url: str) -> tuple[str, str]:
    name = f"bluepool_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = normalise_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, name


def drop(admin_url: str, name: str) -> None:
    engine = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument(
        "--postgres",
        default=os.environ.get(
            "BLUEPOOL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = ap.parse_args()
    where = places(args.cycles)
    rows: dict[str, tuple[float, float]] = {}
    many: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("sqlite", "postgres"):
            if backend == "sqlite":
                url, name = f"sqlite:///{tmp}/bench.db", ""
            else:
                try:
                    url, name = postgres_database(args.postgres)
                except Exception as exc:  # no server: say so, measure the rest
                    print(f"postgres skipped: {exc.__class__.__name__}: {exc}".splitlines()[0])
                    continue
            runtime = prepare(url)
            try:
                svc = service_cycles(runtime, where)
                api = http_cycles(runtime, where)
                rows[backend] = (api, svc)
                many[backend] = concurrent_cycles(url, where)
            finally:
                runtime.engine.dispose()
                if name:
                    drop(args.postgres, name)
    print(
        f"dispatch cycles (create + recommend + assign + close), {args.cycles} per backend,"
        " demo collective (47 units)"
    )
    print(
        f"{'backend':<10}{'API cycles/s':>14}{'API ops/s':>12}"
        f"{'service cycles/s':>18}{'API/service':>13}{'4 clients ops/s':>17}"
    )
    for backend, (api, svc) in rows.items():
        print(
            f"{backend:<10}{api:>14.1f}{api * 4:>12.1f}{svc:>18.1f}{api / svc:>13.2f}"
            f"{many[backend] * 4:>17.1f}"
        )
    footer(
        {
            "benchmark": "api_throughput",
            "cycles": args.cycles,
            **{f"{b}_4_clients_ops_per_s": round(m * 4, 1) for b, m in many.items()},
            **{f"{b}_api_cycles_per_s": round(a, 1) for b, (a, _) in rows.items()},
            **{f"{b}_service_cycles_per_s": round(s, 1) for b, (_, s) in rows.items()},
            **{f"{b}_api_over_service": round(a / s, 2) for b, (a, s) in rows.items()},
        }
    )


if __name__ == "__main__":
    main()
