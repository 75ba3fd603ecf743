"""The typed resource catalogue and equipment loans: resources (a type, an owner agency, a
home station, a condition, availability windows) and loans (out to an agency or an
incident under an agreement's clause, due back, returned with a condition); the database
refuses an item on two open loans (docs/resources.md).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py; a migration must not change when the
# application code does.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)
OPEN_LOAN_INDEX = "uq_loans_open_resource"


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("owner_id", sa.String(), nullable=False),
        sa.Column("home_station_id", sa.String(), nullable=True),
        sa.Column("condition", sa.String(), nullable=False),
        sa.Column("maintenance_notes", sa.Text(), nullable=False),
        sa.Column("windows", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["agencies.id"], name=op.f("fk_resources_owner_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["home_station_id"],
            ["stations.id"],
            name=op.f("fk_resources_home_station_id_stations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
    )
    op.create_index(op.f("ix_resources_type"), "resources", ["type"])
    op.create_index(op.f("ix_resources_owner_id"), "resources", ["owner_id"])
    op.create_table(
        "loans",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("resource_id", sa.String(), nullable=False),
        sa.Column("resource_type", sa.String(), nullable=False),
        sa.Column("lender_id", sa.String(), nullable=False),
        sa.Column("borrower_id", sa.String(), nullable=False),
        sa.Column("incident_id", sa.String(), nullable=True),
        sa.Column("agreement_id", sa.String(), nullable=True),
        sa.Column("clause", sa.Integer(), nullable=True),
        sa.Column("out_at", UTC_DATETIME, nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("condition_out", sa.String(), nullable=False),
        sa.Column("out_by", sa.String(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("returned_at", UTC_DATETIME, nullable=True),
        sa.Column("condition_in", sa.String(), nullable=True),
        sa.Column("returned_by", sa.String(), nullable=False),
        sa.Column("return_notes", sa.Text(), nullable=False),
        sa.Column("overdue_noticed_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["resources.id"], name=op.f("fk_loans_resource_id_resources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
    )
    op.create_index(op.f("ix_loans_resource_id"), "loans", ["resource_id"])
    op.create_index(op.f("ix_loans_lender_id"), "loans", ["lender_id"])
    op.create_index(op.f("ix_loans_borrower_id"), "loans", ["borrower_id"])
    op.create_index(op.f("ix_loans_returned_at_due_at"), "loans", ["returned_at", "due_at"])
    op.create_index(
        OPEN_LOAN_INDEX,
        "loans",
        ["resource_id"],
        unique=True,
        sqlite_where=sa.text("returned_at IS NULL"),
        postgresql_where=sa.text("returned_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("loans")
    op.drop_table("resources")
