"""Run bluepool's Alembic migrations from code (``bluepool db upgrade`` calls this).

The scripts live inside the package, so an installed wheel migrates without an
``alembic.ini`` or a source checkout.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL

from bluepool.adapters.db.engine import make_engine, normalise_url

SCRIPT_LOCATION = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | URL) -> Config:
    """Return an Alembic config for ``url`` using the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # Passed as an attribute, not as sqlalchemy.url: the ini parser would choke on the
    # "%" of a percent-encoded password.
    config.attributes["url"] = normalise_url(url)
    return config


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | URL, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` ("base": empty)."""
    command.downgrade(alembic_config(url), revision)


def current(url: str | URL) -> str | None:
    """Return the revision the database at ``url`` is at (None: never migrated)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
