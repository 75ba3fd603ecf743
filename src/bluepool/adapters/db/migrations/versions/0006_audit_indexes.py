"""Audit log: the unique indexes of the chain hold the chained entries only, and ``hash``
has none.

A writer on PostgreSQL inserts its entries unchained (``seq``, ``prev_hash`` and ``hash``
empty) and the chainer links them a moment later. Unique constraints on the three columns
meant every insert wrote three index entries for NULLs and every link three more. Now
``seq`` and ``prev_hash`` are unique among the chained entries (``WHERE seq IS NOT
NULL``), written by the link only, and ``hash`` is not indexed: two entries with one hash
would follow one entry, which the unique ``prev_hash`` already refuses (decision 0013).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHAINED = sa.text("seq IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        for column in ("seq", "prev_hash", "hash"):
            batch.drop_constraint(op.f(f"uq_audit_entries_{column}"), type_="unique")
        for column in ("seq", "prev_hash"):
            batch.create_index(
                f"uq_audit_entries_{column}",
                [column],
                unique=True,
                sqlite_where=CHAINED,
                postgresql_where=CHAINED,
            )


def downgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        for column in ("seq", "prev_hash"):
            batch.drop_index(f"uq_audit_entries_{column}")
        for column in ("seq", "prev_hash", "hash"):
            batch.create_unique_constraint(op.f(f"uq_audit_entries_{column}"), [column])
