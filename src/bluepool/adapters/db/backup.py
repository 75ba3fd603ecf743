"""Back up a bluepool database to one file and restore it (``bluepool backup`` / ``restore``).

- **SQLite**: the sqlite3 online backup API copies the database in one step, inside one
  read transaction: a consistent snapshot, and in WAL mode the server's writers carry on
  meanwhile (copying in small steps instead would restart after every write another
  connection commits, and might never finish on a busy server). The backup is itself a
  SQLite database, in rollback journal mode so it is one self-contained file. A restore
  copies it back in one step too: the database is replaced whole or not at all.
- **PostgreSQL**: ``pg_dump --format=custom`` (a consistent snapshot in one transaction;
  the server keeps running; the counts printed are those of the same snapshot) and
  ``pg_restore``, found on ``PATH``. The password, if the URL has one, goes to them as
  ``PGPASSWORD``, never on a command line.

A restore refuses a database that holds any rows unless ``force`` is given, then replaces
its tables with the backup's (on PostgreSQL in one transaction: ``pg_restore --clean
--single-transaction``, after dropping the tables of a newer schema the backup does not
have) and migrates them to the newest schema (a backup taken by an older bluepool comes
back upgraded; one taken by a newer bluepool is refused). A backup restores into the kind
of database it came from.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, func, inspect, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from bluepool.adapters.db.engine import make_engine, normalise_url
from bluepool.adapters.db.migrate import alembic_config, upgrade
from bluepool.domain.shared.errors import Conflict, Invalid, NotFound

#: What a summary counts, in this order, by table.
COUNTED = {
    "agencies": "agencies",
    "jurisdictions": "jurisdictions",
    "stations": "stations",
    "units": "units",
    "incidents": "incidents",
    "users": "users",
    "changes": "change_log",
}
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Invalid):
    """A backup or a restore that cannot be done; the detail says why and what to do."""

    code = "backup_failed"


@dataclass(frozen=True, slots=True)
class Summary:
    """What a backup holds: its schema revision and how many of each kind of record."""

    revision: str | None
    counts: dict[str, int]

    def describe(self) -> str:
        return ", ".join(f"{n} {kind}" for kind, n in self.counts.items())


# public ------------------------------------------------------------------------------------


def backup(url: str | URL, file: Path) -> Summary:
    """Write a consistent backup of the database at ``url`` to ``file`` (replaced if it
    exists, only once the backup is complete)."""
    with _reaching():
        return _backup(normalise_url(url), file)


def restore(file: Path, url: str | URL, *, force: bool = False) -> tuple[Summary, Summary]:
    """Restore ``file`` into the database at ``url`` and migrate it to the newest schema.

    Refuses a database that holds any rows unless ``force``. Returns the backup's summary
    as restored and after migrating (its revision the newest).
    """
    with _reaching():
        return _restore(file, normalise_url(url), force)


@contextmanager
def _reaching() -> Iterator[None]:
    """A database that cannot be reached is a one-line error, not a traceback."""
    try:
        yield
    except OperationalError as exc:
        first = str(exc.orig or exc).strip().splitlines()[0]
        raise BackupError(f"cannot reach the database: {first}") from None


def _backup(u: URL, file: Path) -> Summary:
    file = file.expanduser()
    if not file.parent.is_dir():
        raise NotFound(f"no folder {file.parent} to write the backup into")
    partial = file.with_name(f".{file.name}.partial")
    try:
        if u.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_path(u), partial)
            summary = _sqlite_summary(partial)
        elif u.get_backend_name() == "postgresql":
            summary = _pg_dump(u, partial)
        else:
            raise BackupError(f"cannot back up a {u.get_backend_name()} database")
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    return summary


def _restore(file: Path, u: URL, force: bool) -> tuple[Summary, Summary]:
    file = file.expanduser()
    if not file.is_file():
        raise NotFound(f"no backup file {file}")
    kind = _kind_of(file)
    backend = u.get_backend_name()
    if kind != backend:
        raise BackupError(
            f"{file} is a {kind} backup: restore it into a {kind} database, not {backend}"
        )
    if not force and (rows := _rows(u)):
        raise Conflict(
            f"the database is not empty ({rows}): restore into an empty database",
            code="not_empty",
        )
    if kind == "sqlite":
        _check_revision(_sqlite_summary(file).revision, file)
        _sqlite_restore(file, _sqlite_path(u))
    else:
        _check_revision(_pg_dump_revision(file), file)
        _pg_restore(file, u)
    restored = summarise(u)
    upgrade(u)
    return restored, summarise(u)


def summarise(url: str | URL) -> Summary:
    """The schema revision of the database at ``url`` and its counts of records."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            return _summary(tables, lambda sql: conn.execute(text(sql)).scalar())
    finally:
        engine.dispose()


def _summary(tables: set[str], scalar: Callable[[str], Any]) -> Summary:
    revision = (
        scalar("SELECT version_num FROM alembic_version") if "alembic_version" in tables else None
    )
    counts = {
        kind: int(scalar(f'SELECT count(*) FROM "{table}"')) if table in tables else 0
        for kind, table in COUNTED.items()
    }
    return Summary(None if revision is None else str(revision), counts)


def _sqlite_summary(file: Path) -> Summary:
    """The summary of a SQLite file, read without changing it (SQLAlchemy's engine would
    switch it to WAL)."""
    conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return _summary(tables, lambda sql: conn.execute(sql).fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{file} is not a bluepool backup: {exc}") from None
    finally:
        conn.close()


# SQLite ------------------------------------------------------------------------------------


def _sqlite_path(u: URL) -> Path:
    if u.database in (None, "", ":memory:") or "mode=memory" in str(u):
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(u.database or "")


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise NotFound(f"no SQLite database at {source}")
    target.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        src.close()


def _sqlite_restore(file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")  # as bluepool runs it
        finally:
            dst.close()
    finally:
        src.close()


# PostgreSQL --------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client tools of the server's "
            "version (e.g. the postgresql-client package)"
        )
    return found


def _major(version: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)*", version)
    if match is None:
        raise BackupError(f"cannot read a PostgreSQL version from {version!r}")
    return int(match.group(1))


def _client_major(tool: str) -> int:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True)
    return _major(out.stdout)


def _server_major(u: URL) -> int:
    engine = make_engine(u)
    try:
        with engine.connect() as conn:
            return _major(str(conn.execute(text("SHOW server_version")).scalar()))
    finally:
        engine.dispose()


def _libpq(u: URL) -> tuple[str, dict[str, str]]:
    """The libpq connection URI for ``u`` (no password) and the environment that carries
    the password."""
    env = dict(os.environ)
    if u.password is not None:
        env["PGPASSWORD"] = str(u.password)
    plain = u.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise BackupError(f"{what} failed: " + ("; ".join(lines[-3:]) or f"exit {done.returncode}"))


def _pg_dump(u: URL, target: Path) -> Summary:
    """Dump the database at ``u`` to ``target``; return the counts of the very snapshot
    pg_dump copied (exported from a transaction of ours, held open meanwhile)."""
    tool = _tool("pg_dump")
    client, server = _client_major(tool), _server_major(u)
    if client < server:
        raise BackupError(
            f"pg_dump is version {client} but the server is {server}: pg_dump must be at "
            "least the server's version (install its client tools)"
        )
    uri, env = _libpq(u)
    engine = make_engine(u)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar())
                tables = set(inspect(conn).get_table_names())
                summary = _summary(tables, lambda sql: conn.execute(text(sql)).scalar())
                _run(
                    [
                        tool,
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={snapshot}",
                        f"--file={target}",
                        uri,
                    ],
                    env,
                    "pg_dump",
                )
    finally:
        engine.dispose()
    return summary


def _pg_restore(file: Path, u: URL) -> None:
    tool = _tool("pg_restore")
    client, server = _client_major(tool), _server_major(u)
    if client < server:
        raise BackupError(
            f"pg_restore is version {client} but the server is {server}: use the server's "
            "client tools"
        )
    uri, env = _libpq(u)
    listed = subprocess.run([tool, "--list", str(file)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise BackupError(f"{file} cannot be read by pg_restore: {listed.stderr.strip()[:300]}")
    in_backup = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listed.stdout, re.MULTILINE))
    # What the backup does not have would stay beside it (a newer schema's tables): drop
    # those; pg_restore --clean replaces the rest in its one transaction.
    _drop_tables(u, keep=in_backup)
    _run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={uri}",
            str(file),
        ],
        env,
        "pg_restore",
    )


def _pg_dump_revision(file: Path) -> str | None:
    """The schema revision a pg_dump file holds (its alembic_version row)."""
    tool = _tool("pg_restore")
    done = subprocess.run(
        [tool, "--data-only", "--table=alembic_version", "--file=-", str(file)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"{file} cannot be read by pg_restore: {done.stderr.strip()[:300]}")
    lines = done.stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(lines):
            value = lines[i + 1].strip()
            return None if value == "\\." else value
    return None


def _drop_tables(u: URL, keep: set[str]) -> None:
    engine = make_engine(u)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        extra = [t for name, t in metadata.tables.items() if name not in keep]
        if extra:
            metadata.drop_all(engine, tables=extra)
    finally:
        engine.dispose()


# both --------------------------------------------------------------------------------------


def _kind_of(file: Path) -> str:
    with file.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{file} is not a bluepool backup (neither SQLite nor pg_dump's format)")


def _check_revision(revision: str | None, file: Path) -> None:
    """Refuse a backup whose schema this bluepool does not know (taken by a newer one)."""
    if revision is None:
        raise BackupError(f"{file} holds no bluepool schema (no alembic_version)")
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    if revision not in {r.revision for r in script.walk_revisions()}:
        raise BackupError(
            f"{file} has schema revision {revision}, which this bluepool does not know: it "
            "was taken by a newer bluepool; restore it with that version"
        )


def _rows(u: URL) -> str:
    """What the database at ``u`` holds ("" when empty: no table with a row but the
    schema's revision)."""
    if u.get_backend_name() == "sqlite" and not _sqlite_path(u).exists():
        return ""
    engine = make_engine(u)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        found = []
        with engine.connect() as conn:
            for name, table in sorted(metadata.tables.items()):
                if name == "alembic_version":
                    continue
                n = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                if n:
                    found.append(f"{n} rows in {name}")
        return ", ".join(found[:4]) + (", ..." if len(found) > 4 else "")
    finally:
        engine.dispose()
