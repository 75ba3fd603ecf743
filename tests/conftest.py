"""Shared fixtures: database URLs (SQLite always, PostgreSQL when configured) and units of work.

PostgreSQL runs only when ``BLUEPOOL_TEST_POSTGRES_URL`` names a server we may create
databases on (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``); each test gets
a fresh database that is dropped afterwards. A migrated database is a copy of one migrated
once per run (a template: PostgreSQL's ``CREATE DATABASE ... TEMPLATE``, SQLite's backup
API), not a run of every migration per test: the migrations themselves are tested in
``tests/adapters/db/test_migrations.py`` on empty databases.
"""

from __future__ import annotations

import os
import sqlite3
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


def _admin_url() -> str:
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (an admin URL to create databases)")
    return admin_url


@contextmanager
def _postgres_database(template: str | None = None) -> Iterator[str]:
    admin_url = _admin_url()
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"bluepool_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        try:
            yield normalise_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


class Templates:
    """Databases migrated to the newest schema once per run, copied for each test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    def sqlite(self, dest: Path) -> str:
        if self._sqlite is None:
            self._sqlite = self.folder / "migrated.db"
            upgrade(f"sqlite:///{self._sqlite}")
        source, target = sqlite3.connect(self._sqlite), sqlite3.connect(dest)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return f"sqlite:///{dest}"

    def postgres_template(self) -> str:
        if self._postgres is None:
            admin = create_engine(normalise_url(_admin_url()), isolation_level="AUTOCOMMIT")
            name = f"bluepool_template_{uuid.uuid4().hex[:12]}"
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            finally:
                admin.dispose()
            url = normalise_url(_admin_url()).set(database=name)
            upgrade(url.render_as_string(hide_password=False))
            self._postgres = name
        return self._postgres

    def drop(self) -> None:
        if self._postgres is None:
            return
        admin = create_engine(normalise_url(_admin_url()), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self._postgres}" WITH (FORCE)'))
        finally:
            admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    yield made
    made.drop()


@contextmanager
def _database(kind: str, tmp_path: Path, migrated: Templates | None = None) -> Iterator[str]:
    """A fresh database of ``kind``: empty, or (given the templates) at the newest schema."""
    if kind == "sqlite":
        path = tmp_path / "bluepool.db"
        yield migrated.sqlite(path) if migrated is not None else f"sqlite:///{path}"
    else:
        template = migrated.postgres_template() if migrated is not None else None
        with _postgres_database(template) as url:
            yield url


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database."""
    with _database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(params=DATABASES)
def migrated_url(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> Iterator[str]:
    """A database at the newest schema (a copy of the run's migrated template)."""
    with _database(request.param, tmp_path, templates) as url:
        yield url


@dataclass(frozen=True)
class UowFactory:
    """Opens units of work on one backend ("memory", "sqlite" or "postgres")."""

    backend: str
    make: Callable[[], UnitOfWork]

    def __call__(self) -> UnitOfWork:
        return self.make()


@pytest.fixture(params=["memory", *DATABASES])
def uow_factory(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> Iterator[UowFactory]:
    """A factory of units of work sharing one empty, migrated store."""
    if request.param == "memory":
        store = MemoryStore()
        yield UowFactory("memory", lambda: MemoryUnitOfWork(store))
        return
    with _database(request.param, tmp_path, templates) as url:
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        try:
            yield UowFactory(request.param, lambda: SqlUnitOfWork(sessions))
        finally:
            engine.dispose()
