"""Incidents change as calls do, and close properly: the caller's name and callback number
(personal data), the disposition and report number an incident is closed with; premise and
hazard notes. (The collective's closing rules are a section of its settings, 0009.)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py; a migration must not change when the
# application code does.
UTC_DATETIME = sa.DateTime(timezone=True)
_INCIDENT_COLUMNS = (
    ("caller_name", sa.Text()),
    ("caller_phone", sa.String()),
    ("disposition", sa.String()),
    ("report_number", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "premise_notes",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("radius_m", sa.Integer(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=True),
        sa.Column("expires_at", UTC_DATETIME, nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_premise_notes_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premise_notes")),
    )
    with op.batch_alter_table("premise_notes") as batch:
        batch.create_index("ix_premise_notes_expires_at", ["expires_at"], unique=False)
    with op.batch_alter_table("incidents") as batch:
        for name, type_ in _INCIDENT_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        for name, _ in reversed(_INCIDENT_COLUMNS):
            batch.drop_column(name)
    op.drop_table("premise_notes")
