"""The collective's timers: per priority, how long a call may wait unassigned, a unit stay
dispatched without setting off, and a unit stay on scene between welfare checks.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispatch_timers",
        sa.Column("priority", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("unassigned_s", sa.Integer(), nullable=True),
        sa.Column("dispatched_not_enroute_s", sa.Integer(), nullable=True),
        sa.Column("welfare_check_s", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("priority", name=op.f("pk_dispatch_timers")),
    )


def downgrade() -> None:
    op.drop_table("dispatch_timers")
