"""The collective's dispatch rules (the collective file's ``dispatch`` section): the margin
within which a specialist is spared for a unit of a line's own kind.

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispatch_rules",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("specialist_margin_s", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_rules")),
    )


def downgrade() -> None:
    op.drop_table("dispatch_rules")
