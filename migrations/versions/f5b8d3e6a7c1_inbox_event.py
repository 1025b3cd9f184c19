"""inbox_event: inbound events are written before the ack and processed from the table; outbox replaces

Revision ID: f5b8d3e6a7c1
Revises: e4a7c9d2b1f0
Create Date: 2026-12-07 03:00:00

`inbox_event` takes over from `processed_event` (whose only job was to drop redeliveries): an event is
stored with its message before the platform gets its 200, so acknowledged work survives a crash, a
restart and a database hiccup, and a redelivery of unfinished work resumes it. `outbox_message.replaces`
names the message an outgoing one replaces in place (the "Looking it up…" placeholder).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "f5b8d3e6a7c1"
down_revision: str | None = "e4a7c9d2b1f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(op.f("ix_inbox_event_status"), "inbox_event", ["status"], unique=False)
    op.create_index(op.f("ix_inbox_event_due_at"), "inbox_event", ["due_at"], unique=False)
    op.create_index(op.f("ix_inbox_event_received_at"), "inbox_event", ["received_at"], unique=False)
    op.drop_index(op.f("ix_processed_event_created_at"), table_name="processed_event")
    op.drop_table("processed_event")
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("replaces", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("replaces")
    op.create_table(
        "processed_event",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(op.f("ix_processed_event_created_at"), "processed_event", ["created_at"], unique=False)
    op.drop_index(op.f("ix_inbox_event_received_at"), table_name="inbox_event")
    op.drop_index(op.f("ix_inbox_event_due_at"), table_name="inbox_event")
    op.drop_index(op.f("ix_inbox_event_status"), table_name="inbox_event")
    op.drop_table("inbox_event")
