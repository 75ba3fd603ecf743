"""The ledger killed with SIGKILL under posting load (SQLite and PostgreSQL): a writer
process posts batches of usages as fast as it can, saying which batch committed once its
commit returned; killed mid-stream, it leaves every batch it acknowledged whole, no
transaction half-posted (each has its four postings, summing to zero) and no batch half
there (a batch commits whole or not at all)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.drill

#: Usages in one batch (one transaction of the database).
BATCH = 40
#: Batches acknowledged before the kill.
ACKNOWLEDGED = 25

WRITER = f"""
import itertools, sys
from datetime import UTC, datetime, timedelta
from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.domain.ledger.pricing import Usage
from bluepool.domain.shared.ids import AgencyId, IncidentId
from bluepool.domain.sharing.agreements import AgreementId, Rates
from bluepool.services.ledger.posting import post_usages

sessions = make_session_factory(make_engine(sys.argv[1]))
t0 = datetime(2025, 3, 1, tzinfo=UTC)
rates = Rates({{"*": 9000}})
for batch in itertools.count():
    usages = [
        (
            Usage(f"drill:{{batch}}:{{n}}", IncidentId(f"I-{{batch}}"), "east-p1", "patrol",
                  AgencyId("east"), AgencyId("west"), AgreementId("DRILL"), 1,
                  t0, t0 + timedelta(minutes=1 + n)),
            rates,
        )
        for n in range({BATCH})
    ]
    with SqlUnitOfWork(sessions) as uow:
        post_usages(uow, usages, t0, "drill")
        uow.commit()
    print(batch, flush=True)
"""


def drill(url: str) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    acknowledged: list[int] = []
    try:
        assert writer.stdout is not None
        for line in writer.stdout:
            acknowledged.append(int(line))
            if len(acknowledged) >= ACKNOWLEDGED:
                break
        writer.send_signal(signal.SIGKILL)  # mid-batch, most likely: it never waits
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    assert len(acknowledged) == ACKNOWLEDGED, "the writer stopped before the kill"

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            keys = list(conn.execute(text("SELECT source_key FROM ledger_transactions")).scalars())
            lines = conn.execute(
                text(
                    "SELECT t.source_key, count(p.line), sum(p.amount) FROM ledger_transactions t "
                    "LEFT JOIN ledger_postings p ON p.transaction_id = t.id GROUP BY t.source_key"
                )
            ).all()
            orphans = conn.execute(
                text(
                    "SELECT count(*) FROM ledger_postings p WHERE NOT EXISTS "
                    "(SELECT 1 FROM ledger_transactions t WHERE t.id = p.transaction_id)"
                )
            ).scalar()
    finally:
        engine.dispose()
    assert {(n, total) for _, n, total in lines} == {(4, 0)}  # none half-posted
    assert orphans == 0
    batches = Counter(int(k.split(":")[1]) for k in keys)
    assert set(batches.values()) == {BATCH}  # every batch whole, or absent
    assert set(acknowledged) <= set(batches)  # nothing acknowledged is lost
    assert len(batches) <= len(acknowledged) + 1  # at most the batch in flight, whole


def test_a_ledger_killed_under_posting_load_keeps_every_acknowledged_batch_whole(
    migrated_url: str,
) -> None:
    drill(migrated_url)
