"""Tables of the web dashboard's sign-in: one-time links, browser sessions, the cookie-signing secret.

Links and sessions store only the SHA-256 of their random token: a copy of the database signs nobody in.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.models.core import timestamp_column, utcnow


class DashboardLink(SQLModel, table=True):
    """A one-time sign-in link (`dashboard` in chat, `salesbridge dashboard link`): used once, within minutes."""

    __tablename__ = "dashboard_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(default="", max_length=64)  # where the role is looked up (Slack team, tenant)
    user_id: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    expires_at: datetime = Field(sa_column=timestamp_column(index=True))
    used_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class DashboardSession(SQLModel, table=True):
    """A signed-in browser; ended by signing out or by its expiry. The role is looked up on every request."""

    __tablename__ = "dashboard_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(default="", max_length=64)
    user_id: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    expires_at: datetime = Field(sa_column=timestamp_column(index=True))
    ended_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class DashboardSecret(SQLModel, table=True):
    """A generated secret (the cookie-signing key when SALESBRIDGE_DASHBOARD_SECRET is unset), created once
    and shared by every process on the database."""

    __tablename__ = "dashboard_secret"

    name: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
