"""launch_plan.calendar: each launch plan follows its own holiday calendar

Revision ID: d8f2b3c4e5a6
Revises: c7e1a2b3d4f5
Create Date: 2026-12-08 10:00:00

Plans created before this revision followed SALESBRIDGE_LAUNCH_CALENDAR; they keep following the calendar
that setting names when the migration runs (`cn` when it is not set), so no milestone moves.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d8f2b3c4e5a6"
down_revision: str | None = "c7e1a2b3d4f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _configured_calendar() -> str:
    from bot.config import Settings
    from bot.errors import UsageError
    from services.calendars import normalize_calendar

    try:
        return normalize_calendar(Settings().launch_calendar)[:16]
    except (UsageError, ValueError):
        return "cn"


def upgrade() -> None:
    with op.batch_alter_table("launch_plan") as batch_op:
        batch_op.add_column(
            sa.Column("calendar", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="cn")
        )
    calendar = _configured_calendar()
    if calendar != "cn":
        op.execute(sa.text("UPDATE launch_plan SET calendar = :calendar").bindparams(calendar=calendar))


def downgrade() -> None:
    with op.batch_alter_table("launch_plan") as batch_op:
        batch_op.drop_column("calendar")
