"""Migrations: they build the schema from nothing, and they agree with tables.py."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bluepool.adapters.db import migrate
from bluepool.adapters.db.engine import make_engine
from bluepool.adapters.db.tables import OPEN_ASSIGNMENT_INDEX, metadata


def test_upgrade_creates_every_table_on_an_empty_database(db_url: str) -> None:
    assert migrate.current(db_url) is None
    migrate.upgrade(db_url)
    assert migrate.current(db_url) == "0002"
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
    assert migrate.current(migrated_url) == "0002"


def test_migrations_and_tables_agree(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
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
    assert migrate.current(migrated_url) == "0002"
