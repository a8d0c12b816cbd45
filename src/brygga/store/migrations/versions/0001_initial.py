"""Initial schema: connections, integrations, flows, cursors, cross-references, runs, outcomes.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("system", sa.String(50), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("status", sa.String(50), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_connections_name")),
    )
    op.create_table(
        "integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("pair", sa.String(100), nullable=False),
        sa.Column("shop_connection_id", sa.Integer(), nullable=False),
        sa.Column("erp_connection_id", sa.Integer(), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrations")),
        sa.UniqueConstraint("name", name=op.f("uq_integrations_name")),
        sa.ForeignKeyConstraint(
            ["shop_connection_id"],
            ["connections.id"],
            name=op.f("fk_integrations_shop_connection_id_connections"),
        ),
        sa.ForeignKeyConstraint(
            ["erp_connection_id"],
            ["connections.id"],
            name=op.f("fk_integrations_erp_connection_id_connections"),
        ),
    )
    op.create_table(
        "flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("target", sa.String(50), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flows")),
        sa.UniqueConstraint("integration_id", "name", name=op.f("uq_flows_integration_id_name")),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_flows_integration_id_integrations"),
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "cursors",
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("value", JSON, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("flow_id", name=op.f("pk_cursors")),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name=op.f("fk_cursors_flow_id_flows"), ondelete="CASCADE"
        ),
    )
    op.create_table(
        "cross_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(50), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("target_id", sa.String(255), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cross_references")),
        sa.UniqueConstraint(
            "integration_id",
            "entity",
            "source_id",
            name=op.f("uq_cross_references_integration_id_entity_source_id"),
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_cross_references_integration_id_integrations"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_cross_references_integration_id_entity_target_id"),
        "cross_references",
        ["integration_id", "entity", "target_id"],
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name=op.f("fk_runs_flow_id_flows"), ondelete="CASCADE"
        ),
    )
    op.create_index(op.f("ix_runs_flow_id_started_at"), "runs", ["flow_id", "started_at"])
    op.create_table(
        "record_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error_class", sa.String(20), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("target_id", sa.String(255), nullable=True),
        sa.Column("source_payload", JSON, nullable=True),
        sa.Column("target_payload", JSON, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_outcomes")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_record_outcomes_run_id_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["flows.id"],
            name=op.f("fk_record_outcomes_flow_id_flows"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_record_outcomes_flow_id_source_id"), "record_outcomes", ["flow_id", "source_id"]
    )
    op.create_index(op.f("ix_record_outcomes_run_id"), "record_outcomes", ["run_id"])


def downgrade() -> None:
    for table in (
        "record_outcomes",
        "runs",
        "cross_references",
        "cursors",
        "flows",
        "integrations",
        "connections",
    ):
        op.drop_table(table)
