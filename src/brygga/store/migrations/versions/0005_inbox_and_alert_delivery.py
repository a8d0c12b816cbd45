"""The webhook inbox (one row per connection and event id), and alert delivery.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "inbox_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("payload", JSON, nullable=True),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("handled_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_events")),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_inbox_events_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "connection_id", "event_id", name=op.f("uq_inbox_events_connection_id_event_id")
        ),
    )
    op.create_index(
        op.f("ix_inbox_events_handled_at_received_at"),
        "inbox_events",
        ["handled_at", "received_at"],
    )
    with op.batch_alter_table("alerts") as table:
        table.add_column(sa.Column("flow_id", sa.Integer(), nullable=True))
        table.add_column(sa.Column("delivered_at", TIMESTAMP, nullable=True))
        table.add_column(sa.Column("delivery_error", sa.Text(), nullable=True))
        table.create_foreign_key(
            op.f("fk_alerts_flow_id_flows"), "flows", ["flow_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts") as table:
        table.drop_constraint(op.f("fk_alerts_flow_id_flows"), type_="foreignkey")
        table.drop_column("delivery_error")
        table.drop_column("delivered_at")
        table.drop_column("flow_id")
    op.drop_table("inbox_events")
