"""Engines and sessions for SQLite (the default) and PostgreSQL (production).

SQLite needs care to be safe from many threads (FastAPI runs sync routes in a
threadpool):

* WAL, so readers never block the writer and the writer never blocks readers;
* ``busy_timeout`` of 30 s, so a writer waits for the lock instead of failing at once;
* every transaction starts with ``BEGIN IMMEDIATE``. A deferred transaction that reads
  and then writes must upgrade its lock; under WAL that upgrade fails with "database is
  locked" straight away (no busy wait) when another writer committed in between. Taking
  the write lock up front makes writers queue on ``busy_timeout`` instead. This is
  SQLAlchemy's documented recipe: switch off pysqlite's own BEGIN handling and emit our
  own in a ``begin`` event.

A session that only reads can ask for a plain deferred ``BEGIN`` with the execution
option ``sqlite_begin="DEFERRED"`` (see :func:`make_session_factory`), so reads do not
queue behind writers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

BUSY_TIMEOUT_S = 30
POOL_SIZE = 20
SQLITE_BEGIN_OPTION = "sqlite_begin"
_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})


def normalise_url(url: str | URL) -> URL:
    """Return ``url`` with PostgreSQL spellings mapped to the psycopg (v3) driver."""
    u = make_url(url)
    if u.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """Build an engine for ``url``: ``sqlite:///path`` or ``postgresql://...``.

    Extra keyword arguments go to :func:`sqlalchemy.create_engine`.
    """
    u = normalise_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(u, **kwargs)
    if backend == "postgresql":
        options: dict[str, Any] = {
            # A broken connection (PostgreSQL restarted) is replaced before use, never
            # answered with a 5xx (tests/test_drills.py); a round trip per checkout.
            "pool_pre_ping": True,
            # Kept open: as many as the clients a worker serves at once under load, so
            # connections are not opened and closed per request (each is a PostgreSQL
            # process: a fork and an authentication). With the overflow, 4 workers stay
            # below PostgreSQL's default max_connections of 100.
            "pool_size": POOL_SIZE,
            "max_overflow": 4,
            "pool_recycle": 1800,
        }
        options.update(kwargs)
        return create_engine(u, **options)
    return create_engine(u, **kwargs)


def _sqlite_engine(u: URL, **kwargs: Any) -> Engine:
    in_memory = u.database in (None, "", ":memory:") or "mode=memory" in str(u)
    connect_args: dict[str, Any] = {
        "check_same_thread": False,
        "timeout": BUSY_TIMEOUT_S,
    }
    connect_args.update(kwargs.pop("connect_args", {}))
    if in_memory:
        # One shared connection, or every checkout would see its own empty database.
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_engine(u, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop pysqlite from issuing BEGIN (and COMMIT before DDL); see _on_begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = str(conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")).upper()
        if mode not in _BEGIN_MODES:
            raise ValueError(f"{SQLITE_BEGIN_OPTION} must be one of {sorted(_BEGIN_MODES)}")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Return the session factory the unit of work opens its sessions from.

    ``read_only=True`` starts SQLite transactions with a deferred ``BEGIN`` so they do
    not queue behind writers; such sessions must not write. It changes nothing on
    PostgreSQL.
    """
    bind = engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)
