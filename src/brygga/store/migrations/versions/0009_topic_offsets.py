"""Offsets of event feeds per connection and topic (the Fortnox WebSocket topics), so a
restarted follower resumes where it stopped.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "topic_offsets",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("last_offset", sa.String(255), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("connection_id", "topic", name=op.f("pk_topic_offsets")),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_topic_offsets_connection_id_connections"),
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("topic_offsets")
