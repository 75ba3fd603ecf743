"""Migrations: how the schema may change, and that every change keeps the data.

The rules (docs/migrations.md): 0001 is frozen; each schema change is one new revision on a
single line (0001 <- 0002 <- ...); the revisions build exactly what tables.py declares, on
SQLite and PostgreSQL; and a database filled at 0001 upgrades to the newest revision with
all its data readable.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Table,
    func,
    insert,
    inspect,
    select,
)

from bluepool.adapters.db import migrate
from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.tables import OPEN_ASSIGNMENT_INDEX, metadata
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.domain.shared.ids import AgencyId, Username
from bluepool.domain.sharing.agreements import AgreementId
from bluepool.domain.sharing.lending import lending_of
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule
from bluepool.services.ports import ChangeRecord, OutboxMessage, Page, UnitFilter
from tests.builders import T0

SCRIPTS = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
#: The newest revision (the history test checks there is only one).
HEAD = max(SCRIPTS.get_heads())
VERSIONS = migrate.SCRIPT_LOCATION / "versions"

#: SHA-256 of versions/0001_initial.py. Databases in use were built by it; editing it
#: would leave them on a schema no revision describes.
INITIAL_SHA256 = "cfda51219818b91424e6e6d071874d8518221c64e4afe302a8805f53bd8bd545"

#: The demo collective as revision 0001 stored it (made by scripts/dump-demo-at-0001).
DEMO_AT_0001 = Path(__file__).parent / "data" / "demo-0001.json.gz"
DEMO_COUNTS = {
    "agencies": 4,
    "jurisdictions": 11,
    "stations": 14,
    "units": 47,
    "call_types": 13,
    "sharing_policies": 4,
    "users": 14,
    "change_log": 107,
}


def _frozen(values: list[str] | None) -> frozenset[Any] | None:
    return None if values is None else frozenset(values)


def revisions() -> list[Script]:
    """Every revision, oldest first."""
    return list(reversed(list(SCRIPTS.walk_revisions())))


def before(script: Script) -> str:
    """The revision ``script`` follows, as ``downgrade`` takes it ("base": none)."""
    down = script.down_revision
    assert down is None or isinstance(down, str), f"{script.path}: more than one parent"
    return down or "base"


# -- the history ------------------------------------------------------------------------


def test_revision_0001_is_frozen() -> None:
    digest = hashlib.sha256((VERSIONS / "0001_initial.py").read_bytes()).hexdigest()
    assert digest == INITIAL_SHA256, (
        "versions/0001_initial.py changed. Revision 0001 is frozen: databases were built "
        "by it. Put it back and add a new revision instead of editing 0001 "
        "(docs/migrations.md)."
    )


def test_history_is_one_line_of_numbered_revisions() -> None:
    found = revisions()
    assert SCRIPTS.get_heads() == [HEAD], "more than one head: merge into a single line"
    assert [s.revision for s in found] == [f"{n:04d}" for n in range(1, len(found) + 1)]
    for previous, script in zip([None, *found], found, strict=False):
        name = Path(script.path).name
        assert re.fullmatch(rf"{script.revision}_[a-z0-9_]+\.py", name), (
            f"{name}: a revision file is named NNNN_what_it_does.py, NNNN its revision"
        )
        expected = None if previous is None else previous.revision
        assert script.down_revision == expected, (
            f"{name}: down_revision is {script.down_revision!r}, not {expected!r}: each "
            "revision follows the one before it"
        )
        assert (script.branch_labels, script.dependencies) == (set(), None), (
            f"{name}: no branch labels or depends_on in a single-line history"
        )
    files = {p.name for p in VERSIONS.glob("*.py")} - {"__init__.py"}
    assert files == {Path(s.path).name for s in found}, "a file in versions/ is no revision"


# -- the schema -------------------------------------------------------------------------


def test_upgrade_creates_every_table_on_an_empty_database(db_url: str) -> None:
    assert migrate.current(db_url) is None
    migrate.upgrade(db_url)
    assert migrate.current(db_url) == HEAD
    engine = make_engine(db_url)
    try:
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) == {*metadata.tables, "alembic_version"}
        indexes = {i["name"]: i for i in inspector.get_indexes("assignments")}
        assert indexes[OPEN_ASSIGNMENT_INDEX]["unique"]
    finally:
        engine.dispose()


def test_upgrade_twice_is_harmless(migrated_url: str) -> None:
    migrate.upgrade(migrated_url)
    assert migrate.current(migrated_url) == HEAD


@dataclass(frozen=True)
class IndexShape:
    table: str
    name: str
    columns: tuple[str, ...]
    unique: bool
    #: The condition of a partial index, as "x IS NULL" (None: every row).
    where: str | None


def _condition(clause: object) -> str | None:
    """Spell a partial index's WHERE the same way for tables.py and for both databases
    (PostgreSQL gives it back as "(cleared_at IS NULL)")."""
    if clause is None:
        return None
    spelled = " ".join(str(clause).split())
    while spelled.startswith("(") and spelled.endswith(")"):
        spelled = spelled[1:-1].strip()
    return spelled


def declared_indexes(dialect: str) -> set[IndexShape]:
    return {
        IndexShape(
            table.name,
            str(index.name),
            tuple(c.name for c in index.columns),
            bool(index.unique),
            _condition(index.dialect_options[dialect]["where"]),
        )
        for table in metadata.tables.values()
        for index in table.indexes
    }


def built_indexes(conn: Connection) -> set[IndexShape]:
    inspector = inspect(conn)
    where = f"{conn.dialect.name}_where"
    return {
        IndexShape(
            table,
            str(index["name"]),
            tuple(str(c) for c in index["column_names"]),
            bool(index["unique"]),
            _condition(index.get("dialect_options", {}).get(where)),
        )
        for table in metadata.tables
        for index in inspector.get_indexes(table)
        # PostgreSQL lists a unique constraint's index too; compare_metadata has those
        if not index.get("duplicates_constraint")
    }


def assert_schema_is_tables_py(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        # Autogenerate does not compare the WHERE of partial indexes; this does.
        declared = declared_indexes(conn.dialect.name)
        assert {i.where for i in declared if i.where} == {
            "cleared_at IS NULL",
            "published_at IS NULL",
            "returned_at IS NULL",
            "seq IS NULL",
            "seq IS NOT NULL",
        }
        assert built_indexes(conn) == declared


def test_migrations_and_tables_agree(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        assert_schema_is_tables_py(engine)
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(migrated_url: str) -> None:
    migrate.downgrade(migrated_url, "base")
    assert migrate.current(migrated_url) is None
    engine = make_engine(migrated_url)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()
    migrate.upgrade(migrated_url)
    assert migrate.current(migrated_url) == HEAD


def test_every_revision_steps_down_and_up_again(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        for script in reversed(revisions()):
            tables = set(inspect(engine).get_table_names())
            migrate.downgrade(migrated_url, before(script))
            assert migrate.current(migrated_url) == script.down_revision
            migrate.upgrade(migrated_url, script.revision)
            assert set(inspect(engine).get_table_names()) == tables
            migrate.downgrade(migrated_url, before(script))
        migrate.upgrade(migrated_url)
        assert_schema_is_tables_py(engine)
    finally:
        engine.dispose()


# -- the data ---------------------------------------------------------------------------


def read_demo() -> dict[str, list[dict[str, Any]]]:
    document = json.loads(gzip.decompress(DEMO_AT_0001.read_bytes()))
    assert document["revision"] == "0001"
    tables: dict[str, list[dict[str, Any]]] = document["tables"]
    return tables


def as_stored(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """Give the fixture's ISO timestamps back to the timestamp columns as datetimes."""
    return {
        key: datetime.fromisoformat(value)
        if value is not None and isinstance(table.c[key].type, DateTime)
        else value
        for key, value in row.items()
    }


def as_read(value: Any) -> Any:
    """SQLite gives timestamps back naive (they are UTC); PostgreSQL in its own zone."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def catch_up_sequences(conn: Connection, tables: MetaData) -> None:
    """Rows written with their ids leave a PostgreSQL sequence behind; in a database that
    wrote them itself, the sequence is past them."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables.sorted_tables:
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer):
                conn.execute(
                    select(
                        func.setval(
                            func.pg_get_serial_sequence(table.name, column.name),
                            select(func.max(column)).scalar_subquery(),
                        )
                    )
                )


def load_at_0001(url: str, demo: dict[str, list[dict[str, Any]]]) -> None:
    """Put the demo rows into the tables as the database at 0001 has them (reflected,
    not tables.py, which describes the newest revision)."""
    engine = make_engine(url)
    try:
        at_0001 = MetaData()
        at_0001.reflect(engine)
        at_0001.remove(at_0001.tables["alembic_version"])
        assert set(at_0001.tables) == set(demo), "the fixture holds every table of 0001"
        with engine.begin() as conn:
            for table in at_0001.sorted_tables:
                if demo[table.name]:
                    conn.execute(insert(table), [as_stored(table, r) for r in demo[table.name]])
            catch_up_sequences(conn, at_0001)
    finally:
        engine.dispose()


#: Columns later revisions added to tables the fixture fills, with the value an upgraded
#: row gets.
ADDED_SINCE_0001: dict[str, dict[str, Any]] = {
    "units": {"status_reason": ""},
    "call_types": {"self_initiated": False, "emergency": False},
    "assignments": {"agreement_id": None, "clause": None},
}
#: Tables later revisions replaced: the sharing policies became agreements (0011).
DROPPED_SINCE_0001 = {"sharing_policies"}


def test_the_demo_collective_survives_the_upgrade_from_0001(db_url: str) -> None:
    demo = read_demo()
    assert {t: len(demo[t]) for t in DEMO_COUNTS} == DEMO_COUNTS
    migrate.upgrade(db_url, "0001")
    load_at_0001(db_url, demo)

    migrate.upgrade(db_url)

    assert migrate.current(db_url) == HEAD
    engine = make_engine(db_url)
    try:
        now = MetaData()
        now.reflect(engine)
        with engine.connect() as conn:
            for name, rows in demo.items():
                if name in DROPPED_SINCE_0001:
                    assert name not in now.tables
                    continue
                table = now.tables[name]
                stored = [
                    {k: as_read(v) for k, v in row.items()}
                    for row in conn.execute(select(table)).mappings()
                ]
                key = [c.name for c in table.primary_key.columns]
                added = ADDED_SINCE_0001.get(name, {})
                assert sorted(stored, key=lambda r: [r[k] for k in key]) == [
                    as_stored(table, r) | added for r in rows
                ], f"table {name} changed in the upgrade"

        uow = SqlUnitOfWork(make_session_factory(engine))
        with uow:
            counts = {
                "agencies": len(uow.agencies.list()),
                "jurisdictions": len(uow.jurisdictions.owners()),
                "stations": len(uow.stations.list()),
                "units": len(uow.units.list()),
                "call_types": len(uow.call_types.list()),
                "sharing_policies": len(uow.agreements.list()),
                "users": len(uow.users.list()),
                "change_log": uow.changes.find(None, None, Page(limit=1))[1],
            }
            assert counts == DEMO_COUNTS
            # Each policy became the agreement with the collective that lends the same,
            # in force since before any incident.
            owners = uow.jurisdictions.owners()
            for row in demo["sharing_policies"]:
                policy = SharingPolicy(
                    AgencyId(row["agency_id"]),
                    row["home_reserve"],
                    tuple(
                        SharingRule(
                            jurisdictions=_frozen(r.get("jurisdictions")),
                            call_types=_frozen(r.get("call_types")),
                            capabilities=_frozen(r.get("capabilities")),
                            max_priority=r.get("max_priority", 5),
                        )
                        for r in row["rules"]
                    ),
                )
                agreement = uow.agreements.get(AgreementId(f"{policy.agency_id}-collective"))
                assert agreement is not None
                assert agreement.lends_at(T0)
                assert lending_of([agreement], owners) == {policy.agency_id: policy}
                assert len(uow.agreements.versions(agreement.id)) == 1
            assert {j.id for j in uow.jurisdictions.list()} == {
                r["id"] for r in demo["jurisdictions"]
            }
            dispatcher = uow.users.get(Username("dispatcher"))
            assert dispatcher is not None
            assert Argon2Hasher().verify(dispatcher.password_hash, "dispatcher")
            # JSON columns still answer JSON queries (json_each on SQLite, @> on jsonb).
            _, dogs = uow.units.find(UnitFilter(capability="k9"), Page())
            assert dogs == sum("k9" in r["capabilities"] for r in demo["units"]) > 0
            assert uow.outbox.pending(10) == []
        with uow:
            # And it takes writes, old tables and new (the change log's ids go on).
            uow.changes.add(ChangeRecord(T0, "test", "upgrade", "db", "demo"))
            uow.outbox.add(OutboxMessage("db.upgraded", {"to": HEAD}, T0))
            uow.commit()
        with uow:
            assert uow.changes.find(None, None, Page(limit=1))[1] == DEMO_COUNTS["change_log"] + 1
            assert [m.type for m in uow.outbox.pending(10)] == ["db.upgraded"]
    finally:
        engine.dispose()
