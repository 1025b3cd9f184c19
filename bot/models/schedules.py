"""Tables of the scheduler: schedules, agenda items, absences, the objection library, practice history,
and the leader lease used on databases without advisory locks (SQLite)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.core import timestamp_column, utcnow


class Schedule(SQLModel, table=True):
    """One recurring post: a sync reminder, a digest, a PM digest or an LSCPA practice prompt."""

    __tablename__ = "schedule"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)  # sync | digest | pm-digest | lscpa
    when_text: str = Field(max_length=128)  # as typed: "weekly mon 10:00"
    cron: str = Field(max_length=128)  # canonical 5-field crontab
    timezone: str = Field(max_length=64)
    calendar: str = Field(default="none", max_length=16)  # none | cn | us | …
    channels: str = Field(sa_column=Column(Text, nullable=False))  # "slack:C1,feishu:oc_1"
    paused: bool = False
    created_by: str = Field(default="", max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    last_slot: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    last_posted_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    last_note: str = Field(default="", max_length=255)  # why the last slot was skipped, if it was


class AgendaItem(SQLModel, table=True):
    """A topic someone added for the next sync; `used_slot` is set when an agenda included it."""

    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    platform: str = Field(max_length=16)
    added_by: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    used_slot: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class SyncAbsence(SQLModel, table=True):
    """ "Can't attend" for one occurrence of a sync."""

    __tablename__ = "sync_absence"
    __table_args__ = (UniqueConstraint("schedule_id", "slot_key", "platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(index=True)
    slot_key: str = Field(max_length=64)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class Objection(SQLModel, table=True):
    """A customer objection in the practice library (seeded bilingual set plus team additions)."""

    __tablename__ = "objection"

    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(default=None, max_length=64, unique=True)  # seed key; None for team additions
    text_en: str = Field(sa_column=Column(Text, nullable=False))
    text_zh: str = Field(sa_column=Column(Text, nullable=False))
    area: str = Field(default="general", max_length=128)
    hint_en: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    hint_zh: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_by: str = Field(default="", max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class PracticeSession(SQLModel, table=True):
    """One posted practice scenario; rep answers in its thread are attempts."""

    __tablename__ = "practice_session"

    id: int | None = Field(default=None, primary_key=True)
    objection_id: int = Field(index=True)
    platform: str = Field(max_length=16)
    conversation: str = Field(max_length=255)
    dedupe_key: str = Field(max_length=255, unique=True)  # the outbox key; its row carries the message id
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class PracticeAttempt(SQLModel, table=True):
    """A rep's answer (practice thread or `objection <text>`), with the LSCPA steps it covered."""

    __tablename__ = "practice_attempt"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int | None = Field(default=None, index=True)  # None for on-demand coaching
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128, index=True)
    objection: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    covered: str = Field(default="", max_length=64)  # "listen,clarify"
    missed: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class SchedulerLease(SQLModel, table=True):
    """The scheduler leader's lease (SQLite and other databases without advisory locks)."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=255)
    expires_at: datetime = Field(sa_column=timestamp_column())
    heartbeat_at: datetime = Field(sa_column=timestamp_column())
