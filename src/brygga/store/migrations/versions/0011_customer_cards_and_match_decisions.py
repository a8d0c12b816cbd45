"""Customer de-duplication: Brygga's index of the customers it linked (their cards and keys)
and the decision taken for each source customer.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _integration(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["integration_id"],
        ["integrations.id"],
        name=op.f(f"fk_{table}_integration_id_integrations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "customer_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("target_id", sa.String(255), nullable=False),
        sa.Column("card", JSON, nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("identity", sa.String(60), nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_cards")),
        _integration("customer_cards"),
        sa.UniqueConstraint(
            "integration_id", "source_id", name=op.f("uq_customer_cards_integration_id_source_id")
        ),
    )
    for column in ("email", "phone", "identity", "place", "target_id"):
        op.create_index(
            op.f(f"ix_customer_cards_integration_id_{column}"),
            "customer_cards",
            ["integration_id", column],
        )
    op.create_table(
        "match_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("target_id", sa.String(255), nullable=True),
        sa.Column("score", sa.String(10), nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("candidates", JSON, nullable=False),
        sa.Column("decided_by", sa.String(320), nullable=False),
        sa.Column("decided_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_decisions")),
        _integration("match_decisions"),
        sa.UniqueConstraint(
            "integration_id", "source_id", name=op.f("uq_match_decisions_integration_id_source_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("match_decisions")
    op.drop_table("customer_cards")
