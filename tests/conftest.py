"""Shared fixtures: database URLs (SQLite always, PostgreSQL when configured) and units of work.

PostgreSQL runs only when ``BLUEPOOL_TEST_POSTGRES_URL`` names a server we may create
databases on (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``); each test gets
a fresh database that is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bluepool.adapters.db.engine import make_engine, make_session_factory, normalise_url
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.compiled import stale, stale_message
from bluepool.services.ports import UnitOfWork


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test a module compiled from an older version of its source."""
    if modules := stale():
        pytest.exit(stale_message(modules), returncode=4)


POSTGRES_ENV = "BLUEPOOL_TEST_POSTGRES_URL"
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def _postgres_database() -> Iterator[str]:
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (an admin URL to create databases)")
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"bluepool_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield normalise_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def _database(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'bluepool.db'}"
    else:
        with _postgres_database() as url:
            yield url


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database."""
    with _database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def migrated_url(db_url: str) -> str:
    """An empty database migrated to the newest schema."""
    upgrade(db_url)
    return db_url


@dataclass(frozen=True)
class UowFactory:
    """Opens units of work on one backend ("memory", "sqlite" or "postgres")."""

    backend: str
    make: Callable[[], UnitOfWork]

    def __call__(self) -> UnitOfWork:
        return self.make()


@pytest.fixture(params=["memory", *DATABASES])
def uow_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UowFactory]:
    """A factory of units of work sharing one empty, migrated store."""
    if request.param == "memory":
        store = MemoryStore()
        yield UowFactory("memory", lambda: MemoryUnitOfWork(store))
        return
    with _database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        try:
            yield UowFactory(request.param, lambda: SqlUnitOfWork(sessions))
        finally:
            engine.dispose()
