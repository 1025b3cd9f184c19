"""Tables of announcements: release / end-of-sale (停售) notices, where they were posted, who acknowledged,
the acknowledgement reminders sent, named audiences and launch plans."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.core import timestamp_column, utcnow


class Audience(SQLModel, table=True):
    """A named list of channel targets (`sales-cn` → `feishu:oc_1 feishu:oc_2`)."""

    __tablename__ = "announcement_audience"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    targets: str = Field(sa_column=Column(Text, nullable=False))  # "slack:C1,feishu:oc_1"
    created_by: str = Field(default="", max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class Announcement(SQLModel, table=True):
    """One release announcement or end-of-sale notice, from draft to published."""

    __tablename__ = "announcement"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)  # release | eos
    status: str = Field(default="draft", max_length=16, index=True)  # draft|scheduled|published|cancelled
    product: str = Field(max_length=200, index=True)
    version: str = Field(default="", max_length=100)
    release_date: date | None = None
    highlights: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    ships: str = Field(default="", max_length=500)  # request ids, "12,31"
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    last_order: date | None = None
    end_of_support: date | None = None
    scope: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    alternative: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    support_plan: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    contact: str = Field(default="", max_length=200)
    channel_spec: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # as typed
    targets: str = Field(sa_column=Column(Text, nullable=False))  # resolved "slack:C1,feishu:oc_1"
    author_platform: str = Field(max_length=16)
    author: str = Field(max_length=128)
    scheduled_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True, index=True))
    published_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class AnnouncementPost(SQLModel, table=True):
    """One channel an announcement went to, with the members it had then (for acknowledgement rates)."""

    __tablename__ = "announcement_post"
    __table_args__ = (UniqueConstraint("announcement_id", "platform", "conversation"),)

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id", index=True)
    platform: str = Field(max_length=16)
    conversation: str = Field(max_length=255)
    message_id: str | None = Field(default=None, max_length=255)
    members: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # "U1,U2"
    posted_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class Acknowledgement(SQLModel, table=True):
    """A user clicked "Acknowledge / 已阅" (once per user and announcement, however often they click)."""

    __tablename__ = "announcement_ack"
    __table_args__ = (UniqueConstraint("announcement_id", "platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)
    conversation: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class AckReminder(SQLModel, table=True):
    """Round N of the "please acknowledge" DM to one user about one announcement."""

    __tablename__ = "announcement_ack_reminder"
    __table_args__ = (UniqueConstraint("announcement_id", "platform", "user_id", "round"),)

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)
    round: int
    sent_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class LaunchPlan(SQLModel, table=True):
    """A product launch whose milestones (T-90 … T+90) are posted on their days."""

    __tablename__ = "launch_plan"

    id: int | None = Field(default=None, primary_key=True)
    product: str = Field(max_length=200)
    launch_date: date
    status: str = Field(default="active", max_length=16, index=True)  # active | cancelled
    channel_spec: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    targets: str = Field(sa_column=Column(Text, nullable=False))
    # the holiday calendar its milestones follow (`none`, `cn`, a country code): set by `launch … calendar:`
    calendar: str = Field(default="cn", max_length=16, sa_column_kwargs={"server_default": "cn"})
    created_platform: str = Field(max_length=16)
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
