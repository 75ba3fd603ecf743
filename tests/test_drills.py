"""Reliability drills on PostgreSQL with several workers: a worker killed under load, the
database restarted under load, NATS killed under load, and 10,000 racing assignments.

Each drill keeps a ledger of what the server acknowledged (2xx) and checks it against the
database or the event streams afterwards.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from bluepool import bootstrap
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.config import Settings
from tests.builders import CLOSE
from tests.conftest import _postgres_database
from tests.scaleout import (
    nats_server,
    private_postgres,
    readers_on_every_worker,
    serving,
    unique,
    wait_until,
)
from tests.web.conftest import centre, seed

pytestmark = [pytest.mark.postgres, pytest.mark.drill]


@dataclass
class Load:
    """Writers admitting agencies as fast as they can, each answer in the ledger."""

    base: str
    token: str
    writers: int = 6
    #: (when answered, agency id, status; 0 when the connection failed)
    ledger: list[tuple[float, str, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Load:
        for _ in range(self.writers):
            t = threading.Thread(target=self._write, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def _write(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=10) as http:
            while not self._stop.is_set():
                agency = unique("a")
                try:
                    status = http.post(
                        "/api/v1/agencies", json={"id": agency, "name": agency}
                    ).status_code
                except httpx.TransportError:
                    status = 0
                with self._lock:
                    self.ledger.append((time.monotonic(), agency, status))

    def acknowledged(self) -> set[str]:
        with self._lock:
            return {a for _, a, status in self.ledger if 200 <= status < 300}

    def answered(self) -> int:
        with self._lock:
            return len(self.ledger)

    def wait_for(self, more: int) -> None:
        target = self.answered() + more
        wait_until(lambda: self.answered() >= target, 60, f"{more} more answers")


def agencies_in(url: str) -> set[str]:
    engine = create_engine(url.replace("postgresql+psycopg", "postgresql+psycopg", 1))
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT id FROM agencies")).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def database() -> Iterator[str]:
    with _postgres_database() as url:
        yield url


def test_a_worker_killed_under_load_loses_no_acknowledged_write(database: str) -> None:
    with serving(database, 2) as server:
        pids = server.worker_pids()
        assert len(pids) == 2
        with Load(server.base, server.token()) as load:
            load.wait_for(100)
            os.kill(pids[0], signal.SIGKILL)  # mid-request, mid-transaction, whatever
            load.wait_for(200)  # the other worker (and a restarted one) carry on
        acknowledged = load.acknowledged()
        statuses = Counter(status for _, _, status in load.ledger)
    assert len(acknowledged) >= 250
    assert acknowledged <= agencies_in(database), "an acknowledged write is missing"
    # Answers were 201, or a connection cut by the kill: never a server error.
    assert set(statuses) <= {201, 0}, statuses


def test_postgresql_restarted_under_load_workers_reconnect(tmp_path: Path) -> None:
    with private_postgres() as cluster, serving(cluster.url, 2) as server:
        with Load(server.base, server.token()) as load:
            load.wait_for(100)
            cluster.restart()
            restarted = time.monotonic()
            # The workers answer again within seconds ...
            wait_until(
                lambda: any(t > restarted and s == 201 for t, _, s in list(load.ledger)),
                15,
                "a write acknowledged after the restart",
            )
            recovered = min(t for t, _, s in load.ledger if t > restarted and s == 201)
            load.wait_for(200)
        after = [s for t, _, s in load.ledger if t > recovered]
        during = Counter(s for t, _, s in load.ledger if t <= recovered)
        acknowledged = load.acknowledged()
        present = agencies_in(cluster.url)
    # ... and once they do, every answer is a success: no 5xx from a stale connection.
    assert set(after) == {201}, Counter(after)
    # While the database was away, the answers were honest: 503 (or 201 before it went).
    assert set(during) <= {201, 503, 0}, during
    assert acknowledged <= present, "an acknowledged write is missing"


def test_nats_killed_under_load_streams_resume_with_no_gap(tmp_path: Path, database: str) -> None:
    with (
        nats_server(tmp_path) as nats,
        serving(
            database, 2, nats_url=nats.url, nats_stream=unique("D").upper(), relay_poll_s="0.2"
        ) as server,
    ):
        token = server.token()
        readers = readers_on_every_worker(server.base, token, 2)
        with Load(server.base, token, writers=4) as load:
            load.wait_for(50)
            nats.kill()
            load.wait_for(100)  # writes go on without NATS
            nats.start()
            load.wait_for(50)
        acknowledged = load.acknowledged()
        assert {s for _, _, s in load.ledger} == {201}
        for reader in readers:
            wait_until(
                lambda r=reader: acknowledged <= set(r.ids_of("agency.created")),
                60,
                "every acknowledged write on the stream",
            )
            seen = reader.ids_of("agency.created")
            assert len(seen) == len(set(seen)), "an event came twice"
            seqs = [int(e["id"].partition("-")[2]) for e in reader.events]
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "a gap in the stream"
            reader.close()


ATTEMPTS = 10_000
ROUNDS = 10
INCIDENTS_PER_ROUND = 12
RACERS = 16


def test_ten_thousand_racing_assignments_never_double_book(database: str) -> None:
    upgrade(database)
    settings = Settings(environment="test", database_url=database, secret_key="s" * 40)
    runtime = bootstrap.build(settings, hasher=Argon2Hasher(fast=True))
    try:
        seed(runtime)  # three agencies, seven units, the personas of tests/web
    finally:
        runtime.engine.dispose()
    engine = create_engine(database)
    with serving(database, 2, max_body_bytes="1048576") as server, engine.connect() as db:
        token = httpx.post(
            f"{server.base}/api/v1/auth/token",
            data={"username": "dispatcher", "password": "dispatcher-pw"},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        units = [f"{a}-p{n}" for a in ("west", "middle", "east") for n in (1, 2)] + ["middle-k9"]
        won: Counter[str] = Counter()
        answers: Counter[int] = Counter()
        lock = threading.Lock()
        with httpx.Client(base_url=server.base, headers=headers, timeout=30) as http:
            for _ in range(ROUNDS):
                incidents = []
                for n in range(INCIDENTS_PER_ROUND):
                    where = centre(("west", "middle", "east")[n % 3])
                    r = http.post(
                        "/api/v1/incidents",
                        json={
                            "call_type": "burglary",
                            "priority": 1 + n % 3,
                            "location": {"lat": where.lat, "lon": where.lon},
                        },
                    )
                    assert r.status_code == 201, r.text
                    incidents.append(r.json()["id"])
                per_racer = ATTEMPTS // ROUNDS // RACERS
                barrier = threading.Barrier(RACERS)
                round_won: Counter[str] = Counter()

                def race(
                    seed_: int,
                    incidents: list[str] = incidents,
                    barrier: threading.Barrier = barrier,
                    per_racer: int = per_racer,
                    round_won: Counter[str] = round_won,
                ) -> None:
                    rng = random.Random(seed_)
                    with httpx.Client(base_url=server.base, headers=headers, timeout=30) as c:
                        barrier.wait()
                        for _ in range(per_racer):
                            unit = rng.choice(units)
                            r = c.post(
                                f"/api/v1/incidents/{rng.choice(incidents)}/assignments",
                                json={"unit_id": unit},
                            )
                            with lock:
                                answers[r.status_code] += 1
                                if r.status_code == 201:
                                    round_won[unit] += 1

                threads = [
                    threading.Thread(target=race, args=(random.random(),)) for _ in range(RACERS)
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(120)
                # Within a round no unit is freed: a unit won twice is a double booking.
                assert all(n == 1 for n in round_won.values()), round_won
                doubles = db.execute(
                    text(
                        "SELECT unit_id FROM assignments WHERE cleared_at IS NULL "
                        "GROUP BY unit_id HAVING count(*) > 1"
                    )
                ).all()
                db.commit()
                assert doubles == []
                won.update(round_won)
                for incident in incidents:  # free the units for the next round
                    assert (
                        http.post(f"/api/v1/incidents/{incident}/close", json=CLOSE).status_code
                        == 200
                    )
    engine.dispose()
    assert sum(answers.values()) == ROUNDS * RACERS * (ATTEMPTS // ROUNDS // RACERS)
    assert sum(answers.values()) >= 9_900
    assert set(answers) <= {201, 409}, answers  # refused as a conflict, never a 5xx
    assert sum(won.values()) == answers[201] > 0
