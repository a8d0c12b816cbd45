"""Workspaces, users and their roles; connections, integrations and API tokens belong to a
workspace. What existed before goes to a workspace called "default" (API tokens as operators).
Integrations can be paused; runs count their HTTP requests and 429s.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
OWNED = ("connections", "integrations", "api_tokens")


def upgrade() -> None:
    workspaces = op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("name", name=op.f("uq_workspaces_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_login_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "memberships",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"],
            name=op.f("fk_memberships_workspace_id_workspaces"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "workspace_id", name=op.f("pk_memberships")),
    )  # fmt: skip
    bind = op.get_bind()
    existing = any(
        bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() for table in OWNED
    )
    default_id = None
    if existing:
        bind.execute(workspaces.insert().values(name="default", created_at=datetime.now(UTC)))
        default_id = bind.execute(sa.text("SELECT id FROM workspaces")).scalar_one()
    for table in OWNED:
        op.add_column(table, sa.Column("workspace_id", sa.Integer(), nullable=True))
        if default_id is not None:
            bind.execute(sa.text(f"UPDATE {table} SET workspace_id = {default_id}"))
    op.add_column("api_tokens", sa.Column("role", sa.String(20), nullable=True))
    bind.execute(sa.text("UPDATE api_tokens SET role = 'operator'"))
    op.add_column(
        "integrations",
        sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    for column in ("requests", "rate_limited"):
        op.add_column("runs", sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("workspace_id", nullable=False)
            batch.create_foreign_key(
                op.f(f"fk_{table}_workspace_id_workspaces"),
                "workspaces",
                ["workspace_id"],
                ["id"],
                ondelete="CASCADE",
            )
            if table == "api_tokens":
                batch.alter_column("role", nullable=False)


def downgrade() -> None:
    for column in ("requests", "rate_limited"):
        op.drop_column("runs", column)
    op.drop_column("integrations", "paused")
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_workspace_id_workspaces"), type_="foreignkey")
            batch.drop_column("workspace_id")
            if table == "api_tokens":
                batch.drop_column("role")
    op.drop_table("memberships")
    op.drop_table("users")
    op.drop_table("workspaces")
