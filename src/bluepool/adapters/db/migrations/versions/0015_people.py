"""People behind the units (``domain.people``; docs/people.md): the agencies' officers
(``personnel``, the name personal data), the crews of the units one shift a row
(``crew_assignments``), and the certifications granted to them, renewed ones kept
(``certification_grants``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "personnel",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("full_name", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_personnel_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personnel")),
    )
    op.create_index(op.f("ix_personnel_agency_id"), "personnel", ["agency_id"])
    op.create_index(op.f("ix_personnel_username"), "personnel", ["username"])
    op.create_table(
        "crew_assignments",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("unit_id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("starts_at", UTC_DATETIME, nullable=False),
        sa.Column("ends_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["personnel.id"], name=op.f("fk_crew_assignments_person_id_personnel")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crew_assignments")),
    )
    op.create_index(op.f("ix_crew_assignments_person_id"), "crew_assignments", ["person_id"])
    op.create_index(op.f("ix_crew_assignments_ends_at"), "crew_assignments", ["ends_at"])
    op.create_index(
        op.f("ix_crew_assignments_unit_id_ends_at"), "crew_assignments", ["unit_id", "ends_at"]
    )
    op.create_table(
        "certification_grants",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("issued_by", sa.String(), nullable=False),
        sa.Column("superseded_by", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["personnel.id"],
            name=op.f("fk_certification_grants_person_id_personnel"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_grants")),
    )
    op.create_index(
        op.f("ix_certification_grants_person_id"), "certification_grants", ["person_id"]
    )


def downgrade() -> None:
    op.drop_table("certification_grants")
    op.drop_table("crew_assignments")
    op.drop_table("personnel")
