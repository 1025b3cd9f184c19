"""knowledge_document.verify_by: FAQ entries from PM answers carry a re-verification date

Revision ID: c4b6e32d9f9d
Revises: 4c68b12e1b55
Create Date: 2026-12-09 09:00:00

An FAQ entry a PM wrote (an escalation's answer, `kb add`) is due for re-verification
SALESBRIDGE_FAQ_VERIFY_DAYS (default 180) after it was answered; the dashboard's Knowledge page lists the
ones past their date, a PM re-verifies them there (pushing the date), and answers quoting one past its date
say "unverified since <date>". Entries made before this revision get their answer date (`updated`, else the
day they were stored) plus the days the setting names when the migration runs.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from alembic import op
from pydantic import ValidationError

from bot.config import Settings

revision: str = "c4b6e32d9f9d"
down_revision: str | None = "4c68b12e1b55"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_DAYS = 180


def _configured_days() -> int:
    try:
        return Settings().faq_verify_days
    except (ValidationError, ValueError):
        return DEFAULT_DAYS


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


def upgrade() -> None:
    with op.batch_alter_table("knowledge_document") as batch_op:
        batch_op.add_column(sa.Column("verify_by", sa.Date(), nullable=True))
    days = timedelta(days=_configured_days())
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, updated, created_at FROM knowledge_document "
            "WHERE kind = 'faq' AND owner IS NOT NULL AND owner <> ''"
        )
    ).all()
    for document_id, updated, created_at in rows:
        answered = _day(updated) or _day(created_at)
        if answered is None:
            continue
        bind.execute(
            sa.text("UPDATE knowledge_document SET verify_by = :verify_by WHERE id = :id").bindparams(
                verify_by=answered + days, id=document_id
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("knowledge_document") as batch_op:
        batch_op.drop_column("verify_by")
