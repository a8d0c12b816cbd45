"""The processes of `brygga run` with their heartbeats, the process that started each run, and
the latest slot each scheduled job of a flow ran for.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "runtimes",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("heartbeat_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runtimes")),
    )
    op.create_table(
        "schedule_marks",
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(20), nullable=False),
        sa.Column("slot", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name=op.f("fk_schedule_marks_flow_id_flows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("flow_id", "job", name=op.f("pk_schedule_marks")),
    )  # fmt: skip
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("runtime_id", sa.String(32), nullable=True))
        batch.create_index(batch.f("ix_runs_runtime_id"), ["runtime_id"])


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_index(batch.f("ix_runs_runtime_id"))
        batch.drop_column("runtime_id")
    op.drop_table("schedule_marks")
    op.drop_table("runtimes")
