"""The error queue: one row per record of a flow whose latest write failed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "record_errors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error_class", sa.String(20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", TIMESTAMP, nullable=False),
        sa.Column("last_failed_at", TIMESTAMP, nullable=False),
        sa.Column("resolved_at", TIMESTAMP, nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("record_type", sa.String(50), nullable=True),
        sa.Column("record", JSON, nullable=True),
        sa.Column("edited_record", JSON, nullable=True),
        sa.Column("content_hash", sa.String(128), nullable=True),
        sa.Column("source_payload", JSON, nullable=True),
        sa.Column("target_payload", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_errors")),
        sa.UniqueConstraint(
            "flow_id", "source_id", name=op.f("uq_record_errors_flow_id_source_id")
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["flows.id"],
            name=op.f("fk_record_errors_flow_id_flows"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_record_errors_status_last_failed_at"),
        "record_errors",
        ["status", "last_failed_at"],
    )


def downgrade() -> None:
    op.drop_table("record_errors")
