"""Database operations of the knowledge base (keyword-only data functions over the knowledge tables)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from bot.clock import as_utc
from bot.models.core import utcnow
from bot.models.knowledge import KnowledgeCalibration, KnowledgeDocument, KnowledgeSection, KnowledgeVersion
from knowledge.chunking import Chunk
from knowledge.decision import DecisionModel
from knowledge.tokenize import tokens
from knowledge.types import Section


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    path: str
    title: str
    language: str
    product: str | None
    owner: str | None
    updated: date | None
    kind: str
    sections: int
    source: str
    content_hash: str
    verify_by: date | None = None  # FAQ entries: when a PM should re-verify it


def content_hash(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


_LINK_TARGET = re.compile(r"(!?\[[^\]]*\])\([^)]*\)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def indexable_text(markdown: str) -> str:
    """Markdown without link targets and HTML tags: URLs and markup are not what a section is about."""
    return _HTML_TAG.sub(" ", _LINK_TARGET.sub(r"\1", markdown))


def section_terms(*, title: str, heading: str, headings: Sequence[str], text: str) -> tuple[str, str, str]:
    """The indexed fields of a section as space-separated terms: heading (stop words kept, so a question
    phrased like the heading can match it whole), context (title + trail) and body."""
    context = " \n ".join([title, *headings])
    return (
        " ".join(tokens(heading, keep_stop_words=True)),
        " ".join(tokens(context)),
        " ".join(tokens(indexable_text(text))),
    )


def bump_version(*, session: Session) -> None:
    row = session.get(KnowledgeVersion, 1)
    if row is None:
        session.add(KnowledgeVersion(id=1, version=1, changed_at=utcnow()))
        session.flush()
        return
    session.execute(
        update(KnowledgeVersion)
        .where(col(KnowledgeVersion.id) == 1)
        .values(version=KnowledgeVersion.version + 1, changed_at=utcnow())
    )


def current_version(*, session: Session) -> int:
    value = session.exec(select(KnowledgeVersion.version).where(col(KnowledgeVersion.id) == 1)).first()
    return int(value or 0)


def find_document(*, session: Session, path: str) -> KnowledgeDocument | None:
    return session.exec(select(KnowledgeDocument).where(col(KnowledgeDocument.path) == path)).first()


def save_document(
    *,
    session: Session,
    path: str,
    title: str,
    chunks: Sequence[Chunk],
    language: str,
    summary: str = "",
    product: str | None = None,
    owner: str | None = None,
    updated: date | None = None,
    kind: str = "doc",
    source: str = "",
    digest: str = "",
    internal: bool = False,
    verify_by: date | None = None,
) -> int:
    """Insert or replace a document and all its sections (one transaction); bumps the version."""
    existing = find_document(session=session, path=path)
    if existing is not None:
        session.execute(delete(KnowledgeSection).where(col(KnowledgeSection.document_id) == existing.id))
        document = existing
    else:
        document = KnowledgeDocument(path=path)
    document.title = title
    document.summary = summary
    document.language = language
    document.product = product
    document.owner = owner
    document.updated = updated
    document.verify_by = verify_by
    document.kind = kind
    document.internal = internal
    document.source = source
    document.content_hash = digest
    document.section_count = len(chunks)
    document.ingested_at = utcnow()
    session.add(document)
    session.flush()
    assert document.id is not None
    for position, chunk in enumerate(chunks):
        heading_terms, context_terms, body_terms = section_terms(
            title=title, heading=chunk.heading, headings=chunk.headings, text=chunk.text
        )
        session.add(
            KnowledgeSection(
                document_id=document.id,
                position=position,
                heading=chunk.heading,
                headings=json.dumps(list(chunk.headings), ensure_ascii=False),
                text=chunk.text,
                heading_terms=heading_terms,
                context_terms=context_terms,
                body_terms=body_terms,
            )
        )
    bump_version(session=session)
    return document.id


def delete_document(*, session: Session, path: str) -> bool:
    document = find_document(session=session, path=path)
    if document is None:
        return False
    session.execute(delete(KnowledgeSection).where(col(KnowledgeSection.document_id) == document.id))
    session.delete(document)
    bump_version(session=session)
    return True


def list_documents(*, session: Session, kind: str | None = None) -> list[DocumentInfo]:
    query = select(KnowledgeDocument).order_by(col(KnowledgeDocument.path))
    if kind is not None:
        query = query.where(col(KnowledgeDocument.kind) == kind)
    return [
        DocumentInfo(
            id=doc.id or 0,
            path=doc.path,
            title=doc.title,
            language=doc.language,
            product=doc.product,
            owner=doc.owner,
            updated=doc.updated,
            kind=doc.kind,
            sections=doc.section_count,
            source=doc.source,
            content_hash=doc.content_hash,
            verify_by=doc.verify_by,
        )
        for doc in session.exec(query)
    ]


def set_verify_by(*, session: Session, document_id: int, verify_by: date | None) -> bool:
    """Move a document's re-verification date (a PM re-verified the FAQ entry); bumps the version so every
    process's index carries the new date. False when there is no such document."""
    result = session.execute(
        update(KnowledgeDocument).where(col(KnowledgeDocument.id) == document_id).values(verify_by=verify_by)
    )
    if not getattr(result, "rowcount", 0):
        return False
    bump_version(session=session)
    return True


def count_sections(*, session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(KnowledgeSection)).one())


def to_section(row: KnowledgeSection, document: KnowledgeDocument) -> Section:
    return Section(
        id=row.id or 0,
        document_id=row.document_id,
        path=document.path,
        title=document.title,
        heading=row.heading,
        headings=tuple(json.loads(row.headings or "[]")),
        text=row.text,
        language=document.language,
        updated=document.updated,
        product=document.product,
        owner=document.owner,
        internal=document.internal,
        verify_by=document.verify_by,
    )


def section_without_text(
    *, section_id: int | None, document: KnowledgeDocument, heading: str, headings: str | None
) -> Section:
    """A section as the in-memory index keeps it: everything but its text (read for hits only, with
    `section_texts`); it shares the document's strings."""
    return Section(
        id=section_id or 0,
        document_id=document.id or 0,
        path=document.path,
        title=document.title,
        heading=heading,
        headings=tuple(json.loads(headings)) if headings and headings != "[]" else (),
        text="",
        language=document.language,
        updated=document.updated,
        product=document.product,
        owner=document.owner,
        internal=document.internal,
        verify_by=document.verify_by,
    )


def section_texts(*, session: Session, section_ids: Sequence[int]) -> dict[int, str]:
    """{section id: text} of the given sections that still exist."""
    wanted = list(dict.fromkeys(section_ids))
    rows = session.execute(
        select(KnowledgeSection.id, KnowledgeSection.text).where(col(KnowledgeSection.id).in_(wanted))
    )
    return {int(section_id): text for section_id, text in rows}


def last_changed(*, session: Session) -> str:
    row = session.get(KnowledgeVersion, 1)
    return as_utc(row.changed_at).isoformat() if row is not None and row.changed_at else ""


def stored_decision(*, session: Session, mode: str) -> DecisionModel | None:
    """The newest calibration of `mode` ("hybrid" / "lexical"), or None."""
    row = session.exec(
        select(KnowledgeCalibration)
        .where(col(KnowledgeCalibration.mode) == mode)
        .order_by(col(KnowledgeCalibration.id).desc())
        .limit(1)
    ).first()
    return DecisionModel.from_json(row.model) if row is not None else None


def save_decision(*, session: Session, mode: str, model: DecisionModel, questions: int) -> None:
    """Store a calibration (it is in force for every process from their next index check)."""
    session.add(KnowledgeCalibration(mode=mode, model=model.to_json(), questions=questions))
    bump_version(session=session)
