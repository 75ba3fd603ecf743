"""The cost ledger: usages posted per second, and seconds to close a month, for 20
agencies, on SQLite and PostgreSQL.

Post: ``--usages`` usage records (default 1,000,000: a month of lent units between 20
agencies) priced and posted through ``services.ledger.posting.post_usages`` and the SQL
unit of work, ``--batch`` per transaction (each transaction's balance checked by the
database: PostgreSQL's deferred trigger at commit, SQLite's check in the repository).
Baseline, same run, a fresh database of the same schema: the straightforward way, row by
row as an ORM would (look the source key up, insert the transaction, read its id, insert
its four postings one at a time), on ``--baseline-usages`` of them (it is too slow for a
million; its rate is per usage all the same).

Close: ``services.ledger.periods.close_period`` on the month (the balance check of every
transaction, the accounts' balances and the count, in SQL; target: at most 10 s).
Baseline, same run, same rows: a Python-side close (every posting of the month read into
Python, summed per transaction and per account).

    python benchmarks/ledger.py [--usages 1000000] [--agencies 20] [--batch 5000]
                                [--baseline-usages 20000] [--postgres URL | --no-postgres]

The last line is one JSON object: ``post_per_s``, ``close_month_s`` and ``entries`` (the
slower database's figures), with each database's in ``sqlite`` and ``postgresql``.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from audit import drop, postgres_database
from common import footer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.ledger import POSTINGS, TX, usage_document
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.domain.access.roles import Role, User
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.ledger import pricing
from bluepool.domain.ledger.pricing import PricedUsage, Usage, rate_words
from bluepool.domain.shared.ids import AgencyId, IncidentId, Username
from bluepool.domain.sharing.agreements import AgreementId, Rates
from bluepool.services.context import Context
from bluepool.services.ledger.periods import close_period
from bluepool.services.ledger.posting import post_usages

PERIOD = "2025-03"
START = datetime(2025, 3, 1, tzinfo=UTC)
RATES = Rates({"patrol": 9000, "k9": 12050, "*": 8000}, minimum=2500)
ADMIN = User(Username("bench"), Role.COLLECTIVE_ADMIN)


class AfterTheMonth:
    def now(self) -> datetime:
        return datetime(2025, 4, 2, tzinfo=UTC)


class NoHasher:
    def hash(self, password: str) -> str:
        return password

    def verify(self, password_hash: str, password: str) -> bool:
        return False


def usages(n: int, agencies: int, seed: int = 12) -> Iterator[tuple[Usage, Rates]]:
    """``n`` usages in March 2025 between ``agencies`` agencies, 5 to 240 minutes each."""
    rng = random.Random(seed)
    names = [AgencyId(f"agency-{i:02d}") for i in range(agencies)]
    month = 31 * 24 * 3600 - 5 * 3600
    for i in range(n):
        lender, borrower = rng.sample(names, 2)
        started = START + timedelta(seconds=rng.randrange(month))
        yield (
            Usage(
                f"assignment:I-{i}:1",
                IncidentId(f"I-{i}"),
                f"{lender}-p{rng.randrange(12)}",
                rng.choice(("patrol", "patrol", "k9", "swat")),
                lender,
                borrower,
                AgreementId(f"{lender}-collective"),
                1,
                started,
                started + timedelta(seconds=rng.randrange(300, 240 * 60)),
            ),
            RATES,
        )


def batches(n: int, agencies: int, size: int) -> Iterator[list[tuple[Usage, Rates]]]:
    batch: list[tuple[Usage, Rates]] = []
    for item in usages(n, agencies):
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def post_all(sessions: sessionmaker[Session], n: int, agencies: int, size: int) -> float:
    t0 = time.perf_counter()
    for batch in batches(n, agencies, size):
        with SqlUnitOfWork(sessions) as uow:
            post_usages(uow, batch, START, "bench")
            uow.commit()
    return time.perf_counter() - t0


def post_row_by_row(sessions: sessionmaker[Session], n: int, agencies: int, size: int) -> float:
    """The baseline: one statement per row, as an ORM's unit of work would issue them."""
    t0 = time.perf_counter()
    for batch in batches(n, agencies, size):
        with sessions() as session:
            for usage, rates in batch:
                price = pricing.price(usage, rates)
                tx = pricing.post(usage, price)
                if tx is None:
                    continue
                kept = session.execute(
                    select(TX.c.id).where(TX.c.source_key == tx.source_key)
                ).first()
                if kept is not None:
                    continue
                doc = usage_document(PricedUsage(usage, price, rate_words(usage, rates)))
                tid = session.execute(
                    TX.insert()
                    .values(
                        source_key=tx.source_key,
                        at=tx.at,
                        period=tx.period,
                        memo=tx.memo,
                        incident=usage.incident,
                        usage=doc,
                    )
                    .returning(TX.c.id)
                ).scalar_one()
                for line, p in enumerate(tx.postings, start=1):
                    session.execute(
                        POSTINGS.insert().values(
                            transaction_id=tid,
                            line=line,
                            account=str(p.account),
                            amount=p.amount,
                            period=tx.period,
                        )
                    )
            session.commit()
    return time.perf_counter() - t0


def close_month(sessions: sessionmaker[Session]) -> tuple[float, int]:
    ctx = Context(
        uow=lambda: SqlUnitOfWork(sessions),
        clock=AfterTheMonth(),
        locator=lambda: None,  # type: ignore[arg-type, return-value]
        travel=StraightLine(),
        hasher=NoHasher(),
    )
    t0 = time.perf_counter()
    done = close_period(ctx, ADMIN, PERIOD)
    return time.perf_counter() - t0, done.transactions


def close_in_python(sessions: sessionmaker[Session]) -> float:
    """The baseline close: every posting of the month into Python, summed there."""
    t0 = time.perf_counter()
    per_tx: dict[int, int] = {}
    per_account: dict[str, int] = {}
    with sessions() as session:
        rows = session.execute(
            select(POSTINGS.c.transaction_id, POSTINGS.c.account, POSTINGS.c.amount).where(
                POSTINGS.c.period == PERIOD
            )
        )
        for tid, account, amount in rows:
            per_tx[tid] = per_tx.get(tid, 0) + amount
            per_account[account] = per_account.get(account, 0) + amount
    assert not any(per_tx.values())
    return time.perf_counter() - t0


def measure(url: str, baseline_url: str, args: argparse.Namespace) -> dict[str, Any]:
    for u in (url, baseline_url):
        upgrade(u)
    engine, base_engine = make_engine(url), make_engine(baseline_url)
    try:
        sessions, base_sessions = make_session_factory(engine), make_session_factory(base_engine)
        posted_s = post_all(sessions, args.usages, args.agencies, args.batch)
        base_n = min(args.baseline_usages, args.usages)
        base_s = post_row_by_row(base_sessions, base_n, args.agencies, args.batch)
        python_close_s = close_in_python(sessions)
        close_s, entries = close_month(sessions)
    finally:
        engine.dispose()
        base_engine.dispose()
    post_per_s, base_per_s = args.usages / posted_s, base_n / base_s
    return {
        "post_per_s": round(post_per_s),
        "baseline_post_per_s": round(base_per_s),
        "post_ratio": round(post_per_s / base_per_s, 1),
        "close_month_s": round(close_s, 2),
        "baseline_close_month_s": round(python_close_s, 2),
        "close_ratio": round(python_close_s / close_s, 1),
        "entries": entries,
    }


def show(name: str, r: dict[str, Any]) -> None:
    print(
        f"{name}: posted {r['entries']:,} usages at {r['post_per_s']:,}/s "
        f"(row by row: {r['baseline_post_per_s']:,}/s, x{r['post_ratio']}); "
        f"closed the month in {r['close_month_s']} s "
        f"(Python-side: {r['baseline_close_month_s']} s, x{r['close_ratio']})",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--usages", type=int, default=1_000_000)
    ap.add_argument("--agencies", type=int, default=20)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--baseline-usages", type=int, default=20_000)
    ap.add_argument(
        "--postgres",
        default=os.environ.get(
            "BLUEPOOL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    result: dict[str, Any] = {"usages": args.usages, "agencies": args.agencies}
    with tempfile.TemporaryDirectory() as folder:
        db, base = Path(folder) / "ledger.db", Path(folder) / "baseline.db"
        result["sqlite"] = measure(f"sqlite:///{db}", f"sqlite:///{base}", args)
    show("SQLite", result["sqlite"])
    if not args.no_postgres:
        (url, name), (base_url, base_name) = (postgres_database(args.postgres) for _ in "ab")
        try:
            result["postgresql"] = measure(url, base_url, args)
        finally:
            drop(args.postgres, name)
            drop(args.postgres, base_name)
        show("PostgreSQL", result["postgresql"])
    figures = [result[k] for k in ("sqlite", "postgresql") if k in result]
    result["post_per_s"] = min(f["post_per_s"] for f in figures)
    result["close_month_s"] = max(f["close_month_s"] for f in figures)
    result["entries"] = min(f["entries"] for f in figures)
    footer(result)


if __name__ == "__main__":
    main()
