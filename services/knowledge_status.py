"""The knowledge base's health, as `salesbridge kb status` reports it and per document: when each was
ingested, its sections, and how many of them have a vector of the embedding model in use (semantic retrieval
uses what is embedded so far; `serve` embeds the rest in the background)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, func, select

from bot.clock import as_utc
from bot.models.knowledge import KnowledgeDocument
from knowledge.store import count_sections, last_changed
from knowledge.vectors import EmbeddingProgress, embedding_progress_by_document
from services.context import Services

MAX_DOCUMENTS = 2000


@dataclass(frozen=True)
class DocumentStatus:
    id: int
    path: str
    title: str
    kind: str  # doc | faq | eos | …
    language: str
    product: str | None
    owner: str | None
    updated: date | None
    internal: bool
    sections: int
    ingested_at: datetime
    embedded: int | None  # distinct section texts with a vector (None: semantic retrieval is off)
    texts: int  # distinct section texts

    @property
    def state(self) -> str:
        """embedded | partial | pending | off"""
        if self.embedded is None:
            return "off"
        if self.embedded >= self.texts:
            return "embedded"
        return "partial" if self.embedded else "pending"


@dataclass(frozen=True)
class KnowledgeStatus:
    documents: list[DocumentStatus]
    total_documents: int
    sections: int
    semantic: str  # e.g. "bundled multilingual-e5-small" or why it is off (`EmbeddingStatus.describe`)
    embedded: EmbeddingProgress | None
    decision: str  # the answer decision in force: defaults or the team's calibration
    changed: str  # ISO time of the last change, "" before the first


def knowledge_status(*, services: Services, kind: str = "") -> KnowledgeStatus:
    """Every document (newest ingest first, at most MAX_DOCUMENTS; `kind` narrows) with its status."""
    knowledge = services.knowledge
    embedder = knowledge.embedder
    with services.db.session() as session:
        query = select(KnowledgeDocument).order_by(col(KnowledgeDocument.ingested_at).desc())
        counted = select(func.count()).select_from(KnowledgeDocument)
        if kind:
            query = query.where(col(KnowledgeDocument.kind) == kind)
            counted = counted.where(col(KnowledgeDocument.kind) == kind)
        rows = list(session.exec(query.limit(MAX_DOCUMENTS)))
        total = int(session.exec(counted).one())
        sections = count_sections(session=session)
        overall: EmbeddingProgress | None = None
        per_document: dict[int, EmbeddingProgress] = {}
        if embedder is not None:
            overall, per_document = embedding_progress_by_document(session=session, model=embedder.name)
        changed = last_changed(session=session)
    documents = []
    for row in rows:
        progress = per_document.get(row.id or 0)
        documents.append(
            DocumentStatus(
                id=row.id or 0,
                path=row.path,
                title=row.title,
                kind=row.kind,
                language=row.language,
                product=row.product,
                owner=row.owner,
                updated=row.updated,
                internal=row.internal,
                sections=row.section_count,
                ingested_at=as_utc(row.ingested_at),
                embedded=None if embedder is None else (progress.embedded if progress else 0),
                texts=progress.total if progress else row.section_count,
            )
        )
    return KnowledgeStatus(
        documents=documents,
        total_documents=total,
        sections=sections,
        semantic=knowledge.embedding_status.describe(),
        embedded=overall,
        decision=knowledge.decision().source,
        changed=changed,
    )
