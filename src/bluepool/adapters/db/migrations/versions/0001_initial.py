"""Initial schema: agencies, fleet, incidents, users, change log, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py; a migration must not change when the
# application code does.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)
ID = sa.String()


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
    )
    op.create_table(
        "call_types",
        sa.Column("code", ID, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("default_priority", sa.Integer(), nullable=False),
        sa.Column("plan", JSON, nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_call_types")),
    )
    op.create_table(
        "change_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
    )
    with op.batch_alter_table("change_log") as batch:
        batch.create_index(batch.f("ix_change_log_at"), ["at"], unique=False)
        batch.create_index(
            batch.f("ix_change_log_entity_entity_id"),
            ["entity", "entity_id"],
            unique=False,
        )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.create_index(batch.f("ix_idempotency_keys_at"), ["at"], unique=False)
    op.create_table(
        "incidents",
        sa.Column("id", ID, nullable=False),
        sa.Column("call_type", sa.String(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("jurisdiction_id", sa.String(), nullable=True),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("closed_at", UTC_DATETIME, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents") as batch:
        batch.create_index(
            batch.f("ix_incidents_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch.create_index(batch.f("ix_incidents_received_at"), ["received_at"], unique=False)
        batch.create_index(
            batch.f("ix_incidents_status_received_at"),
            ["status", "received_at"],
            unique=False,
        )
    op.create_table(
        "jurisdictions",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("geometry", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_jurisdictions_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdictions")),
    )
    with op.batch_alter_table("jurisdictions") as batch:
        batch.create_index(batch.f("ix_jurisdictions_agency_id"), ["agency_id"], unique=False)
    op.create_table(
        "sharing_policies",
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("home_reserve", sa.Integer(), nullable=False),
        sa.Column("rules", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_sharing_policies_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agency_id", name=op.f("pk_sharing_policies")),
    )
    op.create_table(
        "stations",
        sa.Column("id", ID, nullable=False),
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_stations_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
    )
    with op.batch_alter_table("stations") as batch:
        batch.create_index(batch.f("ix_stations_agency_id"), ["agency_id"], unique=False)
    op.create_table(
        "timeline_entries",
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("unit_id", sa.String(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_timeline_entries_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "seq", name=op.f("pk_timeline_entries")),
    )
    op.create_table(
        "units",
        sa.Column("id", ID, nullable=False),
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("capabilities", JSON, nullable=False),
        sa.Column("station_id", ID, nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("jurisdiction_id", sa.String(), nullable=True),
        sa.Column("incident_id", sa.String(), nullable=True),
        sa.Column("workload", sa.Integer(), nullable=False),
        sa.Column("status_at", UTC_DATETIME, nullable=True),
        sa.Column("position_at", UTC_DATETIME, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_units_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_units_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
    )
    with op.batch_alter_table("units") as batch:
        batch.create_index(batch.f("ix_units_agency_id"), ["agency_id"], unique=False)
        batch.create_index(batch.f("ix_units_station_id"), ["station_id"], unique=False)
        batch.create_index(batch.f("ix_units_status"), ["status"], unique=False)
    op.create_table(
        "assignments",
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("unit_id", ID, nullable=False),
        sa.Column("assigned_at", UTC_DATETIME, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("cleared_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_assignments_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_assignments_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("incident_id", "seq", name=op.f("pk_assignments")),
    )
    with op.batch_alter_table("assignments") as batch:
        batch.create_index(batch.f("ix_assignments_unit_id"), ["unit_id"], unique=False)
        # One open assignment per unit, enforced by the database itself.
        batch.create_index(
            "uq_assignments_open_unit",
            ["unit_id"],
            unique=True,
            sqlite_where=sa.text("cleared_at IS NULL"),
            postgresql_where=sa.text("cleared_at IS NULL"),
        )
    op.create_table(
        "users",
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("full_name", sa.String(), nullable=False),
        sa.Column("agency_id", ID, nullable=True),
        sa.Column("unit_id", ID, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_users_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_users_unit_id_units"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_users")),
    )
    with op.batch_alter_table("users") as batch:
        batch.create_index(batch.f("ix_users_agency_id"), ["agency_id"], unique=False)
        batch.create_index(batch.f("ix_users_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    for table in (
        "users",
        "assignments",
        "units",
        "timeline_entries",
        "stations",
        "sharing_policies",
        "jurisdictions",
        "incidents",
        "idempotency_keys",
        "change_log",
        "call_types",
        "agencies",
    ):
        op.drop_table(table)
