"""Tables of knowledge-base Q&A: every question asked with the answer given and its sources, escalations
to the product managers, 👍/👎 feedback, and the last question of each thread (follow-up context)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.core import timestamp_column, utcnow


class QaEscalation(SQLModel, table=True):
    """A question the bot could not answer, posted to the PM channels. One open escalation per distinct
    question: a rep asking the same thing again joins it instead of pinging the PMs twice."""

    __tablename__ = "qa_escalation"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    normalized: str = Field(max_length=500, index=True)  # lower-cased, punctuation-free: finds repeats
    language: str = Field(default="en", max_length=8)
    status: str = Field(default="open", max_length=16, index=True)  # open | answered
    answer: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    answered_by: str | None = Field(default=None, max_length=128)
    answered_platform: str | None = Field(default=None, max_length=16)
    answered_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    revision: int = 0  # how many times an answer was given (a PM may correct it)
    faq_document_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))


class QaQuestion(SQLModel, table=True):
    """One question asked (chat or CLI) and what the bot answered, with its sources (JSON)."""

    __tablename__ = "qa_question"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(default="", max_length=128)
    conversation: str = Field(default="", max_length=255)
    thread: str | None = Field(default=None, max_length=255)
    user_id: str = Field(max_length=128)
    address: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # Address JSON
    question: str = Field(sa_column=Column(Text, nullable=False))
    search_query: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    normalized: str = Field(max_length=500, index=True)
    language: str = Field(default="en", max_length=8)
    answered: bool = Field(default=False, index=True)
    answer: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sources: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))  # JSON list
    confidence: float = 0.0
    method: str = Field(default="extractive", max_length=16)  # extractive | llm | none
    escalation_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("qa_escalation.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    asked_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))


class QaFeedback(SQLModel, table=True):
    """One vote per user per answer (+1 / -1); a second click changes it."""

    __tablename__ = "qa_feedback"
    __table_args__ = (UniqueConstraint("question_id", "platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("qa_question.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)
    vote: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class QaThread(SQLModel, table=True):
    """The last question asked in a thread, so "and on the Pro plan?" can be understood."""

    __tablename__ = "qa_thread"
    __table_args__ = (UniqueConstraint("platform", "conversation", "thread"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    conversation: str = Field(max_length=255)
    thread: str = Field(max_length=255)
    question_id: int | None = None
    question: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
