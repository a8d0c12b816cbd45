"""Brygga's index of customers' cards (0011) holds what `match_keys` held, the e-mail and
organisation number of each customer Brygga linked, and more: the table goes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("match_keys")


def downgrade() -> None:
    op.create_table(
        "match_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(50), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("target_id", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_keys")),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_match_keys_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "integration_id", "entity", "key", name=op.f("uq_match_keys_integration_id_entity_key")
        ),
    )
    op.create_index(
        op.f("ix_match_keys_integration_id_entity_target_id"),
        "match_keys",
        ["integration_id", "entity", "target_id"],
    )
