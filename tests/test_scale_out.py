"""Several API workers on one PostgreSQL, events through NATS JetStream: every worker's
stream sees every change, in one order, once; NATS down, writes go on and the streams
catch up without a gap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import _postgres_database
from tests.scaleout import (
    NatsServer,
    Reader,
    Workers,
    nats_server,
    readers_on_every_worker,
    serving,
    unique,
    wait_until,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[NatsServer]:
    with nats_server(tmp_path) as server:
        yield server


@pytest.fixture
def workers(nats: NatsServer) -> Iterator[Workers]:
    with (
        _postgres_database() as url,
        serving(
            url, 2, nats_url=nats.url, nats_stream=unique("T").upper(), relay_poll_s="0.2"
        ) as server,
    ):
        yield server


def add_agencies(base: str, token: str, n: int) -> list[str]:
    """Admit ``n`` agencies, each on a new connection (so through either worker)."""
    made = []
    for _ in range(n):
        agency = unique("a")
        r = httpx.post(
            f"{base}/api/v1/agencies",
            headers={"Authorization": f"Bearer {token}"},
            json={"id": agency, "name": agency},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        made.append(agency)
    return made


def test_every_worker_streams_every_change_in_one_order_once(workers: Workers) -> None:
    token = workers.token()
    readers = readers_on_every_worker(workers.base, token, 2)
    made = add_agencies(workers.base, token, 30)
    for reader in readers:
        wait_until(lambda r=reader: len(r.ids_of("agency.created")) >= len(made), 30)
    orders = {tuple(e["id"] for e in r.events) for r in readers}
    assert len(orders) == 1, "every stream gives the same ids in the same order"
    for reader in readers:
        assert sorted(reader.ids_of("agency.created")) == sorted(made)  # each once
        seqs = [int(e["id"].partition("-")[2]) for e in reader.events]
        assert seqs == sorted(set(seqs))
        reader.close()

    # A client that saw the tenth event resumes from there on whichever worker it lands.
    tenth = readers[0].events[9]["id"]
    for _ in range(4):
        again = Reader(workers.base, token, last_event_id=tenth)
        wait_until(lambda r=again: len(r.events) >= 20, 20)
        assert [e["id"] for e in again.events] == [e["id"] for e in readers[0].events[10:]]
        assert "reset" not in again.kinds
        again.close()


def test_with_nats_down_writes_go_on_and_streams_catch_up(
    workers: Workers, nats: NatsServer
) -> None:
    token = workers.token()
    readers = readers_on_every_worker(workers.base, token, 2)
    before = add_agencies(workers.base, token, 5)
    for reader in readers:
        wait_until(lambda r=reader: len(r.ids_of("agency.created")) >= 5, 30)

    nats.kill()
    during = add_agencies(workers.base, token, 10)  # every one 201: the outbox keeps them
    assert httpx.get(f"{workers.base}/health", timeout=5).status_code == 200
    nats.start()
    after = add_agencies(workers.base, token, 5)

    made = before + during + after
    for reader in readers:
        wait_until(lambda r=reader: len(r.ids_of("agency.created")) >= len(made), 60)
        assert sorted(reader.ids_of("agency.created")) == sorted(made)
        seqs = [int(e["id"].partition("-")[2]) for e in reader.events]
        # No gap, no repeat: every event in the stream, once, in order.
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        reader.close()
