"""Tables of the knowledge base: documents, their sections (with pre-computed retrieval terms),
optional embeddings, and a version counter every process watches to notice changes made elsewhere."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, Text
from sqlmodel import Field, SQLModel

from bot.models.core import timestamp_column, utcnow


class KnowledgeDocument(SQLModel, table=True):
    """One ingested file (or chat-made FAQ entry / announcement); its sections are its retrievable units."""

    __tablename__ = "knowledge_document"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(max_length=1000, unique=True)  # relative to the ingested folder, URL or "faq:<id>"
    title: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    language: str = Field(default="en", max_length=8, index=True)
    product: str | None = Field(default=None, max_length=255, index=True)
    owner: str | None = Field(default=None, max_length=255)
    updated: date | None = None
    # an FAQ entry's re-verification date: past it, the dashboard lists the entry for re-verification and
    # answers quoting it say "unverified since <date>" (None: not an entry that is re-verified)
    verify_by: date | None = None
    kind: str = Field(default="doc", max_length=32, index=True)  # doc | faq | announcement | …
    internal: bool = False  # not for customers (front matter `audience: internal` or a notice in the text)
    source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # absolute file path
    content_hash: str = Field(default="", max_length=64)
    section_count: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    ingested_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class KnowledgeSection(SQLModel, table=True):
    """One heading's section (or one overlapping part of a long section) of a document."""

    __tablename__ = "knowledge_section"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("knowledge_document.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    position: int = 0
    heading: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    headings: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))  # JSON list
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Retrieval terms, space-separated, computed once at ingest so loading the index never re-tokenises:
    heading_terms: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    context_terms: str = Field(
        default="", sa_column=Column(Text, nullable=False, default="")
    )  # title + trail
    body_terms: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class KnowledgeVector(SQLModel, table=True):
    """A dense vector (float32 bytes, L2-normalised) of one embedded text for one embedding model.

    Keyed by the hash of the text the vector saw (`knowledge.embedding.section_passages`: a section has one
    or more), not by section: a re-ingested document whose sections did not change keeps its vectors, and an
    interrupted embedding run resumes where it stopped."""

    __tablename__ = "knowledge_vector"

    model: str = Field(max_length=255, primary_key=True)
    text_hash: str = Field(max_length=64, primary_key=True)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class KnowledgeCalibration(SQLModel, table=True):
    """A team's own answer decision (`salesbridge kb calibrate`): the newest row per mode is in force."""

    __tablename__ = "knowledge_calibration"

    id: int | None = Field(default=None, primary_key=True)
    mode: str = Field(max_length=16, index=True)  # "hybrid" (with embeddings) | "lexical"
    model: str = Field(sa_column=Column(Text, nullable=False))  # DecisionModel as JSON
    questions: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class KnowledgeVersion(SQLModel, table=True):
    """A single row whose counter is bumped by every change: each process rebuilds its index when it moves."""

    __tablename__ = "knowledge_version"

    id: int = Field(default=1, primary_key=True)
    version: int = 0
    changed_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
