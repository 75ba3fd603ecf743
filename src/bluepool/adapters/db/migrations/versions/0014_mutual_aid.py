"""Mutual-aid requests (``domain.aid``; docs/mutual-aid.md): one row a request, found by
its number, year and sequence, incident, requesting agency and state; the request whole
as a document.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mutual_aid_requests",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.String(), nullable=False),
        sa.Column("requesting_agency", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("requested_at", UTC_DATETIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_mutual_aid_requests_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mutual_aid_requests")),
    )
    op.create_index(
        op.f("ix_mutual_aid_requests_incident_id"), "mutual_aid_requests", ["incident_id"]
    )
    op.create_index(
        op.f("ix_mutual_aid_requests_requesting_agency"),
        "mutual_aid_requests",
        ["requesting_agency"],
    )
    op.create_index(
        op.f("ix_mutual_aid_requests_year_sequence"),
        "mutual_aid_requests",
        ["year", "sequence"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("mutual_aid_requests")
