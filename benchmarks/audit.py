"""The audit log: appends per second under 8 concurrent writers on PostgreSQL, and seconds
to verify 1,000,000 entries.

Appends: 8 writers, each committing transactions through the SQL unit of work as
``bootstrap`` wires it (the audit handler inside the transaction, the entries written
unchained, the process's background chainer woken after the commit). Measured with 8
threads in one process (1 and 10 entries per transaction), and with 8 writer processes of
one thread each, each with its own chainer (as 8 API workers would be; the chainers take
turns on the head row). Baseline, same run, same database: the same writers inserting the
same rows into a table of the same shape, without the chain. Also reported: how many
entries still waited for their link when the writers stopped, and how long the chainers
took to link them ("drain"). The threads take turns with their baseline (``--slices``
turns of ``seconds / slices`` each, so both see the same load on a shared machine), and
the CPU each used per entry is reported too: this process's (writers and chainer) and,
when /proc shows them, the database backends'.

Verify: ``domain.audit.chain.verify`` over 1,000,000 chained entries held in memory;
baseline, same run: only recomputing each entry's sha256 over prev_hash + body. Then
1,000,000 entries written to PostgreSQL with COPY and verified end to end by
``services.audit.log.verify_log``; baselines on the same rows: the same verification
read through a psycopg server-side cursor (the previous reading), and the bare COPY.

    python benchmarks/audit.py [--entries 1000000] [--seconds 5] [--db-entries 1000000]
                               [--slices 5] [--no-processes] [--postgres URL]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from common import footer
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    text,
)
from sqlalchemy.orm import Session, sessionmaker

from bluepool.adapters.db.chainer import AuditChainer
from bluepool.adapters.db.engine import make_engine, make_session_factory, normalise_url
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.db.tables import AuditHeadRow
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.bootstrap import message_bus
from bluepool.domain.access.events import SignedIn
from bluepool.domain.access.roles import Role, User
from bluepool.domain.audit.chain import digest, link, verify
from bluepool.domain.audit.entries import GENESIS, AuditDraft, AuditEntry, Kind
from bluepool.domain.shared.ids import Username
from bluepool.services.audit.log import verify_log
from bluepool.services.context import Context

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
WRITERS = 8

plain = Table(
    "plain_entries",
    MetaData(),
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True)),
    Column("actor", String),
    Column("kind", String),
    Column("action", String),
    Column("agency", String),
    Column("subject", String),
    Column("body", Text),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
)


def run_writers(write: Callable[[int, int], int], seconds: float) -> tuple[int, float]:
    """Run ``WRITERS`` threads calling ``write(writer, i)`` (returns entries written) for
    ``seconds``; return the entries written and the seconds it took."""
    stop = time.perf_counter() + seconds
    counts = [0] * WRITERS
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS + 1)

    def loop(w: int) -> None:
        try:
            start.wait()
            i = 0
            while time.perf_counter() < stop:
                counts[w] += write(w, i)
                i += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return sum(counts), elapsed


def backend_cpu_s(engine: Engine) -> float | None:
    """CPU seconds the PostgreSQL backends of ``engine``'s database have used (from
    /proc: None when PostgreSQL runs elsewhere)."""
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        total = 0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                return None
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass
class Tally:
    """Entries, seconds writing, and CPU seconds (this process: writers and chainer; the
    database's backends) summed over the slices of one way of writing."""

    entries: int = 0
    seconds: float = 0.0
    cpu_s: float = 0.0
    db_cpu_s: float | None = 0.0
    waiting: int = 0
    drain_s: float = 0.0

    def rate(self) -> float:
        return self.entries / self.seconds

    def us(self, cpu: float | None) -> float:
        return -1.0 if cpu is None else cpu / self.entries * 1e6


def interleaved(writers: Writers, per_tx: int, seconds: float, slices: int) -> tuple[Tally, Tally]:
    """The plain baseline and the chained writers in turn, ``slices`` times each for
    ``seconds / slices``: on a shared machine whose load shifts by the second, both see
    the same load, and their ratio means something. CPU is counted over the slices only:
    after each chained slice the chainer links what still waits ("drain"), outside the
    count (one round a slice; polling for the end of the drain would cost more)."""
    plain_t, chained_t = Tally(), Tally()
    for _ in range(slices):
        for tally, write in (
            (plain_t, writers.plain(per_tx)),
            (chained_t, writers.chained(per_tx)),
        ):
            db0, cpu0 = backend_cpu_s(writers.engine), time.process_time()
            n, elapsed = run_writers(write, seconds / slices)
            cpu1, db1 = time.process_time(), backend_cpu_s(writers.engine)
            tally.entries += n
            tally.seconds += elapsed
            tally.cpu_s += cpu1 - cpu0
            if db0 is None or db1 is None or tally.db_cpu_s is None:
                tally.db_cpu_s = None
            else:
                tally.db_cpu_s += db1 - db0
            if tally is chained_t:
                drain_s, waiting = drain(writers.sessions)
                tally.drain_s = max(tally.drain_s, drain_s)
                tally.waiting = max(tally.waiting, waiting)
    return plain_t, chained_t


class Writers:
    """The writers of one process: the SQL unit of work as ``bootstrap`` wires it (the
    message bus, the process's background chainer), and the plain-insert baseline."""

    def __init__(self, url: str, pool: int) -> None:
        self.engine = make_engine(url, pool_size=pool)
        self.sessions = make_session_factory(self.engine)
        self.bus = message_bus(lambda event: None, lambda: None)
        self.chainer = AuditChainer(self.engine).start()
        sample = link(0, GENESIS, AuditDraft(T0, "writer-0", Kind.SIGN_IN, "user.signed_in"))
        self.values = {
            f.name: getattr(sample, f.name) for f in dataclasses.fields(sample) if f.name != "seq"
        }

    def chained(self, per_tx: int) -> Callable[[int, int], int]:
        def write(w: int, i: int) -> int:
            with SqlUnitOfWork(self.sessions, self.bus, self.chainer) as uow:
                for k in range(per_tx):
                    uow.raise_event(SignedIn(T0 + timedelta(seconds=i), f"writer-{w}", f"{k}"))
                uow.commit()
            return per_tx

        return write

    def plain(self, per_tx: int) -> Callable[[int, int], int]:
        def write(w: int, i: int) -> int:
            with self.engine.begin() as conn:
                # the same work the handler does per entry (canonical JSON) minus the chain
                rows = []
                for k in range(per_tx):
                    d = AuditDraft(T0, f"writer-{w}", Kind.SIGN_IN, "user.signed_in", data={"k": k})
                    rows.append({**self.values, "actor": d.actor, "body": d.body()})
                conn.execute(insert(plain), rows)
            return per_tx

        return write

    def close(self) -> None:
        self.chainer.stop()
        self.engine.dispose()


def drain(sessions: sessionmaker[Session]) -> tuple[float, int]:
    """Seconds until no entry waits to be chained (the chainers still running), and how
    many waited when the writers stopped."""
    t0 = time.perf_counter()
    first = None
    while True:
        with SqlUnitOfWork(sessions) as uow:
            waiting = uow.audit.waiting()
        first = waiting if first is None else first
        if waiting == 0:
            return time.perf_counter() - t0, first
        time.sleep(0.005)


def _writer_process(url: str, mode: str, per_tx: int, seconds: float, start: Any, out: Any) -> None:
    """One writer process (an API worker): one writer thread, its own chainer."""
    writers = Writers(url, pool=2)
    write = writers.chained(per_tx) if mode == "chained" else writers.plain(per_tx)
    w = int(multiprocessing.current_process().name)
    write(w, 0)  # connect before the clock starts
    start.wait()
    stop = time.perf_counter() + seconds
    count, i = 0, 1
    while time.perf_counter() < stop:
        count += write(w, i)
        i += 1
    out.put(count)
    start.wait()  # the others are done too: stop the chainer only when nobody writes
    writers.close()


def run_processes(url: str, mode: str, per_tx: int, seconds: float) -> float:
    spawn = multiprocessing.get_context("spawn")
    start, out = spawn.Barrier(WRITERS + 1), spawn.Queue()
    procs = [
        spawn.Process(
            target=_writer_process, args=(url, mode, per_tx, seconds, start, out), name=str(w)
        )
        for w in range(WRITERS)
    ]
    for p in procs:
        p.start()
    start.wait()
    total = sum(out.get(timeout=seconds + 120) for _ in procs)
    start.wait()
    for p in procs:
        p.join(60)
    return total / seconds


def appends(url: str, seconds: float, processes: bool, slices: int) -> dict[str, float]:
    upgrade(url)
    writers = Writers(url, pool=WRITERS + 2)
    plain.create(writers.engine)
    out: dict[str, float] = {}
    run_writers(writers.plain(1), 0.5)  # connections open, caches warm
    run_writers(writers.chained(1), 0.5)
    drain(writers.sessions)
    for per in (1, 10):
        plain_t, chained_t = interleaved(writers, per, seconds, slices)
        out[f"plain_{per}"], out[f"chained_{per}"] = plain_t.rate(), chained_t.rate()
        out[f"drain_{per}_s"], out[f"waiting_{per}"] = chained_t.drain_s, chained_t.waiting
        for name, tally in (("plain", plain_t), ("chained", chained_t)):
            out[f"{name}_{per}_cpu_us"] = tally.us(tally.cpu_s)
            out[f"{name}_{per}_db_cpu_us"] = tally.us(tally.db_cpu_s)
    if processes:
        out["proc_plain_1"] = run_processes(url, "plain", 1, seconds)
        out["proc_chained_1"] = run_processes(url, "chained", 1, seconds)
        out["proc_drain_1_s"], out["proc_waiting_1"] = drain(writers.sessions)
    # the chain the racing writers (and chainers) built is whole and unforked
    with SqlUnitOfWork(writers.sessions) as uow:
        report = verify(uow.audit.entries())
        waiting = uow.audit.waiting()
        forks = uow.session.scalar(
            text("SELECT count(*) - count(DISTINCT prev_hash) FROM audit_entries")
        )
    if not report.ok or forks or waiting:
        raise SystemExit(f"the chain forked or broke: {report.findings[:3]}, forks {forks}")
    out["chained_entries_checked"] = report.entries
    writers.close()
    return out


def chain_of(n: int) -> list[AuditEntry]:
    """n chained entries, each body distinct (built without RFC 8785 for speed: the body
    is a canonical template with the index in it)."""
    first = link(
        0,
        GENESIS,
        AuditDraft(
            T0,
            "dora",
            Kind.CHANGE,
            "unit.updated",
            agency="west",
            subject="unit/west-p1",
            data={"unit": {"id": "west-p1", "status": "busy", "lat": 47.1, "lon": 9.5}, "n": 0},
        ),
    )
    head, _, tail = first.body.partition('"n":0')
    out: list[AuditEntry] = []
    prev = GENESIS
    for i in range(n):
        body = f'{head}"n":{i}{tail}'
        h = hashlib.sha256((prev + body).encode()).hexdigest()
        out.append(dataclasses.replace(first, seq=i + 1, body=body, prev_hash=prev, hash=h))
        prev = h
    return out


def verification(n: int) -> dict[str, float]:
    entries = chain_of(n)
    t0 = time.perf_counter()
    for e in entries:
        if digest(e.prev_hash, e.body) != e.hash:  # pragma: no cover
            raise SystemExit("the benchmark's chain is broken")
    hashing = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = verify(entries)
    verifying = time.perf_counter() - t0
    assert report.ok
    assert report.entries == n
    return {"hash_only_s": hashing, "verify_s": verifying}


def db_verification(url: str, n: int) -> dict[str, float]:
    """Seconds for ``verify_log`` to read and verify ``n`` entries from PostgreSQL (written
    with COPY), and two baselines on the same rows: the same verification over the
    previous reading (a psycopg server-side cursor, 10,000 rows a fetch), and the bare
    COPY of the rows without building or verifying anything."""
    upgrade(url)
    engine = make_engine(url)
    entries = chain_of(n)
    columns = [f.name for f in dataclasses.fields(AuditEntry)]
    with engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY audit_entries ({', '.join(columns)}) FROM STDIN") as copy:
            for e in entries:
                copy.write_row(dataclasses.astuple(e))
        conn.execute(AuditHeadRow.__table__.update().values(seq=n, hash=entries[-1].hash))
        conn.execute(text("ANALYZE audit_entries"))
    del entries
    sessions = make_session_factory(engine, read_only=True)
    ctx = Context(
        uow=lambda: SqlUnitOfWork(sessions),
        clock=None,  # type: ignore[arg-type]
        locator=None,  # type: ignore[arg-type]
        travel=None,  # type: ignore[arg-type]
        hasher=None,  # type: ignore[arg-type]
    )
    t0 = time.perf_counter()
    report = verify_log(ctx, User(Username("bench"), Role.ANALYST))
    elapsed = time.perf_counter() - t0
    assert report.ok
    assert report.entries == n

    select = (
        "SELECT seq, at, actor, kind, action, agency, subject, body, prev_hash, hash "
        "FROM audit_entries WHERE seq IS NOT NULL ORDER BY seq"
    )
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        t0 = time.perf_counter()
        with driver.cursor(name="bench_entries") as cursor:  # type: ignore[union-attr]
            cursor.itersize = 10_000
            cursor.execute(select)
            old = verify(AuditEntry(*row) for row in cursor)
        cursor_s = time.perf_counter() - t0
        assert old.ok
        t0 = time.perf_counter()
        with driver.cursor() as cursor, cursor.copy(f"COPY ({select}) TO STDOUT") as copy:  # type: ignore[union-attr]
            rows = sum(1 for _ in copy)
        copy_s = time.perf_counter() - t0
        assert rows == n
    engine.dispose()
    return {"db_verify_s": elapsed, "db_cursor_verify_s": cursor_s, "db_copy_only_s": copy_s}


def postgres_database(admin_url: str) -> tuple[str, str]:
    name = f"bluepool_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return normalise_url(admin_url).set(database=name).render_as_string(hide_password=False), name


def drop(admin_url: str, name: str) -> None:
    engine = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--db-entries", type=int, default=1_000_000)
    ap.add_argument("--no-processes", action="store_true", help="skip the writer processes")
    ap.add_argument(
        "--slices", type=int, default=5, help="turns of plain and chained per figure (threads)"
    )
    ap.add_argument(
        "--postgres",
        default=os.environ.get(
            "BLUEPOOL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = ap.parse_args()
    result: dict[str, object] = {"benchmark": "audit", "writers": WRITERS}

    url, name = postgres_database(args.postgres)
    try:
        rates = appends(url, args.seconds, not args.no_processes, args.slices)
    finally:
        drop(args.postgres, name)
    print(
        f"appends, {WRITERS} concurrent writers on PostgreSQL, {args.seconds:g} s each "
        f"(threads: in {args.slices} turns with the baseline)"
    )
    print(
        f"{'writers':<22}{'entries/tx':>11}{'chained/s':>11}{'plain/s':>10}{'ratio':>7}"
        f"{'waiting':>9}{'drain s':>9}"
    )
    rows = [("threads, 1 process", "", 1), ("threads, 1 process", "", 10)]
    if not args.no_processes:
        rows.append(("processes, 1 thread", "proc_", 1))
    for label, pre, per in rows:
        c, p = rates[f"{pre}chained_{per}"], rates[f"{pre}plain_{per}"]
        print(
            f"{label:<22}{per:>11}{c:>11.0f}{p:>10.0f}{c / p:>7.2f}"
            f"{rates[f'{pre}waiting_{per}']:>9.0f}{rates[f'{pre}drain_{per}_s']:>9.3f}"
        )
    print(
        f"\nCPU per entry, threads (µs; {args.slices} turns each; the process: writers and "
        "chainer; the database's backends, -1 when not readable)"
    )
    print(
        f"{'entries/tx':>10}{'chained':>9}{'plain':>7}{'ratio':>7}"
        f"{'db chained':>12}{'db plain':>10}"
    )
    for per in (1, 10):
        cc, pc = rates[f"chained_{per}_cpu_us"], rates[f"plain_{per}_cpu_us"]
        cd, pd = rates[f"chained_{per}_db_cpu_us"], rates[f"plain_{per}_db_cpu_us"]
        print(f"{per:>10}{cc:>9.0f}{pc:>7.0f}{cc / pc:>7.2f}{cd:>12.0f}{pd:>10.0f}")
    result.update({k: round(v, 3) for k, v in rates.items()})

    times = verification(args.entries)
    print(f"\nverify {args.entries:,} entries in memory")
    print(f"{'verify s':>10}{'hash only s':>13}{'ratio':>8}")
    print(
        f"{times['verify_s']:>10.2f}{times['hash_only_s']:>13.2f}"
        f"{times['verify_s'] / times['hash_only_s']:>8.2f}"
    )
    result.update({"entries": args.entries, **{k: round(v, 3) for k, v in times.items()}})

    if args.db_entries:
        url, name = postgres_database(args.postgres)
        try:
            db = db_verification(url, args.db_entries)
        finally:
            drop(args.postgres, name)
        print(f"\nverify {args.db_entries:,} entries from PostgreSQL, end to end")
        print(f"{'verify_log s':>13}{'cursor+verify s':>17}{'ratio':>8}{'COPY only s':>13}")
        print(
            f"{db['db_verify_s']:>13.2f}{db['db_cursor_verify_s']:>17.2f}"
            f"{db['db_verify_s'] / db['db_cursor_verify_s']:>8.2f}{db['db_copy_only_s']:>13.2f}"
        )
        result.update({"db_entries": args.db_entries, **{k: round(v, 3) for k, v in db.items()}})
    footer(result)


if __name__ == "__main__":
    main()
