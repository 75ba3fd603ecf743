"""Call types say how officers use them: started from the phone (self-initiated) or the
officer-in-distress call type the emergency button opens.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call_types") as batch:
        batch.add_column(
            sa.Column("self_initiated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("emergency", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("call_types") as batch:
        batch.drop_column("emergency")
        batch.drop_column("self_initiated")
