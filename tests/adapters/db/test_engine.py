"""Engine set-up: SQLite pragmas and locking, URL spellings, and UTC timestamps."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

from bluepool.adapters.db.engine import make_engine, make_session_factory, normalise_url
from bluepool.adapters.db.types import UTCDateTime


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:p@db:5432/bluepool",
        "postgresql://u:p@db:5432/bluepool",
        "postgresql+psycopg2://u:p@db:5432/bluepool",
        "postgresql+psycopg://u:p@db:5432/bluepool",
    ],
)
def test_postgres_urls_use_psycopg(url: str) -> None:
    normalised = normalise_url(url)
    assert normalised.drivername == "postgresql+psycopg"
    assert (normalised.host, normalised.database, normalised.password) == ("db", "bluepool", "p")


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    finally:
        engine.dispose()


def test_in_memory_sqlite_is_one_shared_database() -> None:
    engine = make_engine("sqlite://")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT x FROM t").scalar() == 1
    finally:
        engine.dispose()


def test_sqlite_writers_in_many_threads_queue_instead_of_failing(tmp_path: Path) -> None:
    """Read-then-write transactions in parallel: without BEGIN IMMEDIATE some would fail
    with "database is locked" when upgrading their read lock."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work() -> None:
        try:
            start.wait()
            for _ in range(10):
                with engine.begin() as conn:
                    n = conn.exec_driver_sql("SELECT n FROM counter").scalar_one()
                    conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT n FROM counter").scalar() == 80
    finally:
        engine.dispose()


def test_read_only_sessions_do_not_wait_for_writers(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        writer = make_session_factory(engine)()
        reader = make_session_factory(engine, read_only=True)()
        try:
            writer.execute(text("UPDATE t SET x = 2"))  # holds the write lock
            assert reader.execute(text("SELECT x FROM t")).scalar() == 1
            writer.commit()
        finally:
            writer.close()
            reader.close()
    finally:
        engine.dispose()


def test_utc_datetime_stores_utc_and_refuses_naive_times(db_url: str) -> None:
    table = Table(
        "times",
        MetaData(),
        Column("at", UTCDateTime),
        Column("raw", DateTime),
    )
    engine = make_engine(db_url)
    paris = timezone(timedelta(hours=1))
    try:
        table.create(engine)
        with engine.begin() as conn:
            conn.execute(insert(table).values(at=datetime(2025, 1, 1, 13, 0, 0, 5, tzinfo=paris)))
            conn.execute(insert(table).values(at=None))
        with engine.connect() as conn:
            values = conn.execute(select(table.c.at)).scalars().all()
        assert values == [datetime(2025, 1, 1, 12, 0, 0, 5, tzinfo=UTC), None]
        assert values[0] is not None
        assert values[0].tzinfo is UTC
        with pytest.raises(StatementError, match="naive"), engine.begin() as conn:
            conn.execute(insert(table).values(at=datetime(2025, 1, 1)))  # noqa: DTZ001
    finally:
        engine.dispose()
