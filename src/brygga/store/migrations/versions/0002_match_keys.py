"""Match keys: the strong keys of the target records Brygga has linked.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(50), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("target_id", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_keys")),
        sa.UniqueConstraint(
            "integration_id", "entity", "key", name=op.f("uq_match_keys_integration_id_entity_key")
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_match_keys_integration_id_integrations"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_match_keys_integration_id_entity_target_id"),
        "match_keys",
        ["integration_id", "entity", "target_id"],
    )


def downgrade() -> None:
    op.drop_table("match_keys")
