"""role_grant.workspace: roles are keyed by platform, workspace and user

Revision ID: e4a7c9d2b1f0
Revises: d8f2b3c4e5a6
Create Date: 2026-12-07 12:00:00

A grant now holds in one Slack team / Feishu tenant. Grants made before this revision get the workspace the
settings pin when there is exactly one for their platform (SALESBRIDGE_SLACK_TEAM_IDS /
SALESBRIDGE_FEISHU_TENANT_KEYS); otherwise "" — valid in every workspace of the installation, which is
what they meant when they were made. The table is rebuilt (SQLite cannot drop an unnamed unique constraint
in place), keeping every id.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e4a7c9d2b1f0"
down_revision: str | None = "d8f2b3c4e5a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "id, platform, user_id, role, granted_by, created_at"


def _pinned_workspaces() -> dict[str, str]:
    """The one workspace the settings name per platform, when they name exactly one."""
    from bot.config import Settings

    try:
        settings = Settings()
        pinned = {"slack": settings.slack_team_ids, "feishu": settings.feishu_tenant_keys}
    except ValueError:
        return {}
    return {platform: ids[0][:64] for platform, ids in pinned.items() if len(ids) == 1}


def _table(name: str, *, with_workspace: bool) -> None:
    columns: list[sa.Column] = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    ]
    if with_workspace:
        columns.append(
            sa.Column(
                "workspace", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=""
            )
        )
    columns += [
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("granted_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    ]
    if with_workspace:
        unique = sa.UniqueConstraint(
            "platform", "workspace", "user_id", name="uq_role_grant_platform_workspace_user"
        )
    else:
        unique = sa.UniqueConstraint("platform", "user_id")
    op.create_table(name, *columns, unique)


def _reset_sequence() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('role_grant', 'id'), "
            "COALESCE((SELECT MAX(id) FROM role_grant), 0) + 1, false)"
        )


def upgrade() -> None:
    _table("role_grant_new", with_workspace=True)
    op.execute(f"INSERT INTO role_grant_new ({COLUMNS}, workspace) SELECT {COLUMNS}, '' FROM role_grant")
    for platform, workspace in _pinned_workspaces().items():
        op.get_bind().execute(
            sa.text("UPDATE role_grant_new SET workspace = :workspace WHERE platform = :platform"),
            {"workspace": workspace, "platform": platform},
        )
    op.drop_table("role_grant")
    op.rename_table("role_grant_new", "role_grant")
    _reset_sequence()


def downgrade() -> None:
    _table("role_grant_old", with_workspace=False)
    # one grant per platform and user: the latest
    op.execute(
        f"INSERT INTO role_grant_old ({COLUMNS}) SELECT {COLUMNS} FROM role_grant WHERE id IN "
        "(SELECT MAX(id) FROM role_grant GROUP BY platform, user_id)"
    )
    op.drop_table("role_grant")
    op.rename_table("role_grant_old", "role_grant")
    _reset_sequence()
