"""Tables of the core: the inbox of inbound events, role grants, the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp_column(*, nullable: bool = False, index: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


class InboxEvent(SQLModel, table=True):
    """Every inbound event, written before the platform gets its 200 (`bot/inbox.py`): what was acknowledged
    is processed, after a crash or a restart too, by whichever process takes it first. `key` (platform +
    event id) makes a retry or redelivery find the row instead of doing the work twice."""

    __tablename__ = "inbox_event"

    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(default=None, max_length=255, unique=True)  # None: no event id (console)
    platform: str = Field(max_length=16)
    message: str = Field(sa_column=Column(Text, nullable=False))  # IncomingMessage JSON
    status: str = Field(default="pending", max_length=16, index=True)  # pending | working | done | failed
    attempts: int = 0
    due_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))  # or lease end
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    received_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))
    finished_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class RoleGrant(SQLModel, table=True):
    __tablename__ = "role_grant"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "user_id", name="uq_role_grant_platform_workspace_user"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    # the Slack team / Feishu tenant the grant holds in; "" = granted before workspaces were recorded (or
    # where the platform has none, the console): valid in every workspace of this installation
    workspace: str = Field(default="", max_length=64)
    user_id: str = Field(max_length=128)
    role: str = Field(max_length=16)
    granted_by: str = Field(default="", max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class OutboxMessage(SQLModel, table=True):
    """Every outgoing message, persisted before it is sent; marked sent only when the platform accepted it."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str | None = Field(default=None, max_length=255, unique=True)
    platform: str = Field(max_length=16, index=True)
    address: str = Field(sa_column=Column(Text, nullable=False))  # Address JSON
    reply: str = Field(sa_column=Column(Text, nullable=False))  # Reply JSON
    status: str = Field(default="pending", max_length=16, index=True)  # pending | sending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    message_id: str | None = Field(default=None, max_length=255)
    conversation: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    sent_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    # the dedupe key of an earlier message this one replaces in place ("Looking it up…" → the answer)
    replaces: str | None = Field(default=None, max_length=255)
