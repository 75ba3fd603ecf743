"""Sharing agreements replace the per-agency sharing policies: the agreements and every
version of them; each stored policy becomes the signed agreement ``AGENCY-collective``
between its agency and the collective, lending what the policy lent (one clause a rule,
the policy's reserve on each, in force since 2000-01-01 so that incidents taken before
the change keep what lent to them); an assignment records the agreement and clause that
lent its unit (docs/agreements.md, docs/decisions/0024).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py; a migration must not change when the
# application code does.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)
SINCE = "2000-01-01T00:00:00+00:00"
SIGNED_BY = "migration 0011"
_NO_RATES = {"per_hour": {}, "standby_per_hour": {}, "per_day": {}, "minimum": 0}


def _agreement(agency_id: str, home_reserve: int, rules: list[dict[str, Any]]) -> dict[str, Any]:
    """The agreement document a policy becomes (the layout ``agreement_document`` of the
    repositories had when this migration was written)."""
    return {
        "id": f"{agency_id[:53]}-collective",
        "title": f"What {agency_id} lends the collective (from its sharing policy)",
        "parties": [agency_id, "collective"],
        "clauses": [
            {
                "lender": agency_id,
                "capabilities": rule.get("capabilities"),
                "resource_types": None,
                "call_types": rule.get("call_types"),
                "jurisdictions": rule.get("jurisdictions"),
                "max_priority": int(rule.get("max_priority", 5)),
                "home_reserve": home_reserve,
                "max_loan_hours": None,
                "rates": _NO_RATES,
            }
            for rule in rules
        ],
        "valid_from": SINCE,
        "valid_until": None,
        "stage": "signed",
        "signatures": [
            {"party": party, "by": SIGNED_BY, "at": SINCE} for party in (agency_id, "collective")
        ],
        "terminated_at": None,
        "termination_reason": "",
        "version": 1,
    }


def upgrade() -> None:
    agreements = op.create_table(
        "agreements",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    versions = op.create_table(
        "agreement_versions",
        sa.Column("agreement_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.Column("changed_by", sa.String(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_versions_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agreement_id", "version", name=op.f("pk_agreement_versions")),
    )
    bind = op.get_bind()
    policies = sa.table(
        "sharing_policies",
        sa.column("agency_id", sa.String()),
        sa.column("home_reserve", sa.Integer()),
        sa.column("rules", JSON),
    )
    rows = bind.execute(sa.select(policies).order_by(policies.c.agency_id)).all()
    docs = [_agreement(r.agency_id, r.home_reserve, r.rules) for r in rows if r.rules]
    if docs:
        op.bulk_insert(agreements, [{"id": d["id"], "version": 1, "document": d} for d in docs])
        op.bulk_insert(
            versions,
            [
                {
                    "agreement_id": d["id"],
                    "version": 1,
                    "changed_at": datetime.fromisoformat(SINCE),
                    "changed_by": SIGNED_BY,
                    "document": d,
                }
                for d in docs
            ],
        )
    op.drop_table("sharing_policies")
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("agreement_id", sa.String(), nullable=True))
        batch.add_column(sa.Column("clause", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Back to policies: each signed agreement ``AGENCY-collective`` not terminated becomes
    its agency's policy again (its clauses the rules, their largest reserve the reserve);
    every other agreement is dropped with the tables."""
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("clause")
        batch.drop_column("agreement_id")
    policies = op.create_table(
        "sharing_policies",
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("home_reserve", sa.Integer(), nullable=False),
        sa.Column("rules", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_sharing_policies_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agency_id", name=op.f("pk_sharing_policies")),
    )
    bind = op.get_bind()
    agreements = sa.table("agreements", sa.column("id", sa.String()), sa.column("document", JSON))
    back = []
    for row in bind.execute(sa.select(agreements).order_by(agreements.c.id)).all():
        doc = row.document
        agency, other = doc["parties"]
        if other != "collective" or doc["stage"] != "signed" or row.id != f"{agency}-collective":
            continue
        clauses = [c for c in doc["clauses"] if c["lender"] == agency]
        back.append(
            {
                "agency_id": agency,
                "home_reserve": max((c["home_reserve"] for c in clauses), default=0),
                "rules": [
                    {
                        "jurisdictions": c["jurisdictions"],
                        "call_types": c["call_types"],
                        "capabilities": c["capabilities"],
                        "max_priority": c["max_priority"],
                    }
                    for c in clauses
                ],
            }
        )
    if back:
        op.bulk_insert(policies, back)
    op.drop_table("agreement_versions")
    op.drop_table("agreements")
