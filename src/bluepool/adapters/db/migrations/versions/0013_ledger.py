"""The cost ledger: transactions (one per source event: ``source_key`` unique), their
postings, and the closed periods. The database keeps the double entry: on PostgreSQL a
deferred constraint trigger refuses, at commit, a transaction whose postings do not sum to
zero (SQLite: the repository checks the sum in the same transaction); on both, triggers
refuse any UPDATE or DELETE of a transaction or a posting (docs/ledger.md).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py; a migration must not change when the
# application code does.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
IMMUTABLE = ("ledger_transactions", "ledger_postings")

# OR REPLACE: a restore into a database that had the newest schema leaves its functions
# behind (the tables go, the functions stay), and this migration then runs again.
PG_BALANCE = """
CREATE OR REPLACE FUNCTION ledger_check_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE total bigint;
BEGIN
    SELECT coalesce(sum(amount), 0) INTO total
      FROM ledger_postings WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: its postings sum to %',
            NEW.transaction_id, total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_postings_balance
    AFTER INSERT ON ledger_postings DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_balance();
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % of % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "ledger_transactions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("source_key", sa.String(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("incident", sa.String(), nullable=True),
        sa.Column("usage", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("source_key", name=op.f("uq_ledger_transactions_source_key")),
    )
    op.create_index(
        op.f("ix_ledger_transactions_period"), "ledger_transactions", ["period"], unique=False
    )
    op.create_index(
        op.f("ix_ledger_transactions_incident"), "ledger_transactions", ["incident"], unique=False
    )
    op.create_table(
        "ledger_postings",
        sa.Column("transaction_id", BIG_ID, nullable=False),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_postings_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("transaction_id", "line", name=op.f("pk_ledger_postings")),
    )
    op.create_index(
        "ix_ledger_postings_period_account",
        "ledger_postings",
        ["period", "account", "amount"],
        unique=False,
    )
    op.create_table(
        "ledger_periods",
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("closed_at", UTC_DATETIME, nullable=False),
        sa.Column("balances", JSON, nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_ledger_periods")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_BALANCE)
        for table in IMMUTABLE:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
            )
    else:
        for table in IMMUTABLE:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {action} of "
                    f"{table} refused'); END"
                )


def downgrade() -> None:
    # Dropping a table drops its triggers (on both databases).
    op.drop_table("ledger_periods")
    op.drop_table("ledger_postings")
    op.drop_table("ledger_transactions")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ledger_check_balance()")
        op.execute("DROP FUNCTION ledger_refuse_change()")
