"""``bluepool backup`` and ``bluepool restore``: the demo collective with incidents, backed up
and restored into an empty database (SQLite and PostgreSQL), comes back whole: every row of
every table, compared in full."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, create_engine, select

from bluepool import bootstrap
from bluepool.adapters.db import backup as backups
from bluepool.adapters.db.migrate import current, upgrade
from bluepool.cli import main
from bluepool.config import Settings
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.geo import Location
from bluepool.services.access import users
from bluepool.services.dispatch import incidents, units
from tests.builders import DISPOSITION
from tests.conftest import _database

DEMO = Path(str(resources.files("bluepool") / "demo" / "collective.yaml"))


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for var in ("BLUEPOOL_DATABASE_URL", "BLUEPOOL_SECRET_KEY", "BLUEPOOL_ROAD_NETWORK"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BLUEPOOL_ENVIRONMENT", "test")
    return CliRunner()


@contextmanager
def another(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database of the same kind as ``db_url``."""
    kind = "sqlite" if db_url.startswith("sqlite") else "postgres"
    other = tmp_path / "other"
    other.mkdir(exist_ok=True)
    with _database(kind, other) as url:
        yield url


def invoke(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def fail(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, list(args))
    assert result.exit_code == 1, result.output
    return result.output


def with_incidents(url: str) -> None:
    """Calls taken, units assigned, moved and cleared, one incident closed."""
    runtime = bootstrap.build(Settings(database_url=url, environment="test"))
    ctx = runtime.context
    dispatcher = users.signed_in(ctx, "dispatcher")
    assert dispatcher is not None
    where = [(47.139, 9.5215, "burglary"), (47.2, 9.54, "assault"), (47.06, 9.50, "theft")]
    for n, (lat, lon, call_type) in enumerate(where):
        inc = incidents.create_incident(ctx, dispatcher, call_type, Location(lat, lon), 2, f"#{n}")
        unit = incidents.recommendation(ctx, dispatcher, inc.id).candidates[0].unit_id
        incidents.assign(ctx, dispatcher, inc.id, unit)
        at = ctx.clock.now() - timedelta(seconds=5)
        units.set_status(ctx, dispatcher, unit, UnitStatus.EN_ROUTE, at, f"k{n}")
        units.report_position(ctx, dispatcher, unit, Location(lat, lon), at, f"p{n}")
        if n == 0:
            incidents.close_incident(ctx, dispatcher, inc.id, DISPOSITION)
    runtime.engine.dispose()


def contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            return {
                name: [tuple(r) for r in conn.execute(select(table).order_by(*table.columns)).all()]
                for name, table in metadata.tables.items()
            }
    finally:
        engine.dispose()


def test_restore_into_an_empty_database_finds_every_record(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    invoke(runner, "load", str(DEMO), "--database-url", db_url)
    with_incidents(db_url)
    file = tmp_path / "bluepool.backup"
    out = invoke(runner, "backup", str(file), "--database-url", db_url)
    assert "4 agencies, 11 jurisdictions, 14 stations, 47 units, 3 incidents, 14 users" in out
    before = contents(db_url)
    assert len(before["incidents"]) == 3
    assert before["assignments"]
    assert before["change_log"]
    with another(db_url, tmp_path) as empty:
        out = invoke(runner, "restore", str(file), "--database-url", empty)
        assert "restored 4 agencies, 11 jurisdictions, 14 stations, 47 units, 3 incidents" in out
        assert "the newest" in out
        assert contents(empty) == before


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    invoke(runner, "load", str(DEMO), "--database-url", db_url)
    file = tmp_path / "demo.backup"
    invoke(runner, "backup", str(file), "--database-url", db_url)
    backed_up = contents(db_url)
    with_incidents(db_url)  # the database moves on after its backup
    changed = contents(db_url)
    out = fail(runner, "restore", str(file), "--database-url", db_url)
    assert "not empty" in out
    assert "--force" in out
    assert contents(db_url) == changed
    invoke(runner, "restore", str(file), "--database-url", db_url, "--force")
    assert contents(db_url) == backed_up


def test_an_empty_migrated_database_takes_a_restore(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    invoke(runner, "load", str(DEMO), "--database-url", db_url)
    file = tmp_path / "demo.backup"
    invoke(runner, "backup", str(file), "--database-url", db_url)
    with another(db_url, tmp_path) as empty:
        invoke(runner, "db", "upgrade", "--database-url", empty)
        invoke(runner, "restore", str(file), "--database-url", empty)
        assert contents(empty) == contents(db_url)


def test_an_older_backup_is_migrated_after_restore(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    upgrade(db_url, "0001")
    file = tmp_path / "old.backup"
    out = invoke(runner, "backup", str(file), "--database-url", db_url)
    assert "schema 0001" in out
    with another(db_url, tmp_path) as empty:
        out = invoke(runner, "restore", str(file), "--database-url", empty)
        assert "schema 0001 migrated to" in out
        assert current(empty) == current_head(tmp_path)
    with another(db_url, tmp_path) as newer:  # empty, but with the newest schema's tables
        upgrade(newer)
        out = invoke(runner, "restore", str(file), "--database-url", newer)
        assert "schema 0001 migrated to" in out
        assert contents(newer) == contents(empty_head(tmp_path))


def empty_head(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'empty-head.db'}"
    upgrade(url)
    return url


def current_head(tmp_path: Path) -> str | None:
    url = f"sqlite:///{tmp_path / 'head.db'}"
    upgrade(url)
    return current(url)


def test_a_backup_from_a_newer_bluepool_is_refused(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    upgrade(db_url)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    file = tmp_path / "future.backup"
    invoke(runner, "backup", str(file), "--database-url", db_url)
    with another(db_url, tmp_path) as empty:
        out = fail(runner, "restore", str(file), "--database-url", empty)
        assert "9999" in out
        assert "newer bluepool" in out


def test_a_file_that_is_no_backup_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("hello")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert "is not a bluepool backup" in fail(runner, "restore", str(file), "--database-url", url)
    assert not (tmp_path / "x.db").exists()


def test_a_sqlite_backup_restores_only_into_sqlite(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    upgrade(url)
    file = tmp_path / "a.backup"
    invoke(runner, "backup", str(file), "--database-url", url)
    out = fail(runner, "restore", str(file), "--database-url", "postgresql://nobody@127.0.0.1/x")
    assert "is a sqlite backup: restore it into a sqlite database" in out


def test_a_missing_database_file_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    out = fail(runner, "backup", str(tmp_path / "b"), "--database-url", url)
    assert "no SQLite database at" in out
    assert not (tmp_path / "b").exists()
    out = fail(runner, "backup", str(tmp_path / "nowhere" / "b"), "--database-url", url)
    assert "no folder" in out


def test_a_database_out_of_reach_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://nobody@127.0.0.1:{port}/none?connect_timeout=2"
    out = fail(runner, "backup", str(tmp_path / "b"), "--database-url", url)
    assert "cannot reach the database" in out


def test_missing_postgresql_tools_are_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(backups.BackupError, match="pg_dump is not on PATH: install"):
        backups._tool("pg_dump")


@pytest.mark.postgres
def test_an_older_pg_dump_than_the_server_is_refused(
    monkeypatch: pytest.MonkeyPatch, runner: CliRunner, tmp_path: Path
) -> None:
    with _database("postgres", tmp_path) as url:
        upgrade(url)
        monkeypatch.setattr(backups, "_client_major", lambda tool: 9)
        out = fail(runner, "backup", str(tmp_path / "b"), "--database-url", url)
        assert "pg_dump is version 9 but the server is" in out
        assert not (tmp_path / "b").exists()


def test_a_backup_taken_while_calls_come_in_is_consistent(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    """Every incident is written with its change-log line in one transaction: a consistent
    snapshot holds both or neither, however the backup and the writes interleave."""
    invoke(runner, "load", str(DEMO), "--database-url", db_url)
    runtime = bootstrap.build(Settings(database_url=db_url, environment="test"))
    ctx = runtime.context
    dispatcher = users.signed_in(ctx, "dispatcher")
    assert dispatcher is not None
    started, stop = threading.Event(), threading.Event()
    written: list[str] = []

    def take_calls() -> None:
        for n in range(400):
            if stop.is_set():
                break
            loc = Location(47.139 + (n % 10) * 1e-4, 9.5215)
            written.append(incidents.create_incident(ctx, dispatcher, "theft", loc).id)
            if n == 4:
                started.set()
        started.set()

    writer = threading.Thread(target=take_calls)
    writer.start()
    try:
        assert started.wait(120)
        file = tmp_path / "live.backup"
        out = invoke(runner, "backup", str(file), "--database-url", db_url)
    finally:
        stop.set()
        writer.join()
        runtime.engine.dispose()
    with another(db_url, tmp_path) as empty:
        invoke(runner, "restore", str(file), "--database-url", empty)
        engine = create_engine(empty)
        with engine.connect() as conn:
            ids = set(conn.exec_driver_sql("SELECT id FROM incidents").scalars())
            logged = set(
                conn.exec_driver_sql(
                    "SELECT entity_id FROM change_log WHERE entity = 'incident'"
                ).scalars()
            )
        engine.dispose()
    assert len(ids) >= 5
    assert f"47 units, {len(ids)} incidents" in out  # the counts are the backup's own
    assert ids <= set(written)
    assert ids == logged
