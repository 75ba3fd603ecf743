"""Position history: every unit's fixes, pruned by the retention setting.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py; a migration must not change when the
# application code does.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "unit_positions",
        sa.Column("unit_id", sa.String(), nullable=False),
        sa.Column("fix_at", UTC_DATETIME, nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("speed", sa.Double(), nullable=True),
        sa.Column("heading", sa.Double(), nullable=True),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "fix_at", name=op.f("pk_unit_positions")),
    )
    with op.batch_alter_table("unit_positions") as batch:
        # What the retention sweep deletes by.
        batch.create_index("ix_unit_positions_fix_at", ["fix_at"], unique=False)


def downgrade() -> None:
    op.drop_table("unit_positions")
