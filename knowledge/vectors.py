"""Stored vectors of the knowledge base's sections, and the incremental embedder that fills them.

A vector is keyed by (model, hash of the text it saw): embedding is incremental (only texts without a vector
are embedded), resumable (each batch is committed), shared by every process on the database, and survives a
re-ingest of unchanged documents. Search uses whatever is embedded so far.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.database import Database
from bot.models.knowledge import KnowledgeDocument, KnowledgeSection, KnowledgeVector
from knowledge.embedding import Embedder, section_passages, text_hash

logger = logging.getLogger(__name__)

BATCH_SIZE = 16  # sections per forward pass and per commit


@dataclass(frozen=True)
class EmbeddingProgress:
    embedded: int  # distinct section texts with a vector of the model
    total: int  # distinct section texts

    @property
    def share(self) -> float:
        return self.embedded / self.total if self.total else 1.0


def section_texts_to_embed(*, session: Session) -> dict[str, str]:
    """Every section's embedding text by its hash (sections with the same text share one vector)."""
    rows = session.exec(
        select(
            KnowledgeDocument.title,
            KnowledgeSection.headings,
            KnowledgeSection.heading,
            KnowledgeSection.text,
        ).where(col(KnowledgeSection.document_id) == col(KnowledgeDocument.id))
    )
    heads: dict[str, str] = {}
    windows: dict[str, str] = {}
    for title, trail, heading, text in rows:
        head, *rest = section_passages(
            title=title, headings=json.loads(trail or "[]"), heading=heading, text=text
        )
        heads[text_hash(head)] = head
        windows.update((text_hash(window), window) for window in rest)
    return {**heads, **windows}  # every section's first window before any further one


def document_texts_to_embed(*, session: Session, document_id: int) -> dict[str, str]:
    """One document's sections' embedding texts by hash."""
    document = session.get(KnowledgeDocument, document_id)
    if document is None:
        return {}
    rows = session.exec(select(KnowledgeSection).where(col(KnowledgeSection.document_id) == document_id))
    texts: dict[str, str] = {}
    for row in rows:
        passages = section_passages(
            title=document.title,
            headings=json.loads(row.headings or "[]"),
            heading=row.heading,
            text=row.text,
        )
        texts.update((text_hash(passage), passage) for passage in passages)
    return texts


def stored_hashes(*, session: Session, model: str) -> set[str]:
    return set(session.exec(select(KnowledgeVector.text_hash).where(col(KnowledgeVector.model) == model)))


def count_vectors(*, session: Session, model: str) -> int:
    statement = select(func.count()).select_from(KnowledgeVector).where(col(KnowledgeVector.model) == model)
    return int(session.exec(statement).one())


def embedding_progress(*, session: Session, model: str) -> EmbeddingProgress:
    texts = section_texts_to_embed(session=session)
    done = stored_hashes(session=session, model=model)
    return EmbeddingProgress(embedded=sum(1 for h in texts if h in done), total=len(texts))


def embedding_progress_by_document(
    *, session: Session, model: str
) -> tuple[EmbeddingProgress, dict[int, EmbeddingProgress]]:
    """The whole knowledge base's progress (as `embedding_progress`) and, per document id, how many of its
    distinct section texts have a vector of `model` (the dashboard's per-document status), in one pass."""
    columns: tuple[Any, ...] = (
        KnowledgeSection.document_id,
        KnowledgeDocument.title,
        KnowledgeSection.headings,
        KnowledgeSection.heading,
        KnowledgeSection.text,
    )
    rows = session.execute(
        sa_select(*columns).where(col(KnowledgeSection.document_id) == col(KnowledgeDocument.id))
    )
    hashes: dict[int, set[str]] = {}
    for document_id, title, trail, heading, text in rows:
        passages = section_passages(
            title=title, headings=json.loads(trail or "[]"), heading=heading, text=text
        )
        hashes.setdefault(document_id, set()).update(text_hash(passage) for passage in passages)
    done = stored_hashes(session=session, model=model)
    every = set().union(*hashes.values()) if hashes else set()
    overall = EmbeddingProgress(embedded=len(every & done), total=len(every))
    return overall, {
        document_id: EmbeddingProgress(embedded=len(texts & done), total=len(texts))
        for document_id, texts in hashes.items()
    }


def load_vectors(*, session: Session, model: str, hashes: Iterable[str]) -> dict[str, bytes]:
    """The stored vectors of `hashes` (those that have one)."""
    wanted = list(dict.fromkeys(hashes))
    found: dict[str, bytes] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.exec(
            select(KnowledgeVector.text_hash, KnowledgeVector.vector).where(
                col(KnowledgeVector.model) == model, col(KnowledgeVector.text_hash).in_(chunk)
            )
        )
        found.update({h: bytes(v) for h, v in rows})
    return found


def save_vectors(*, db: Database, model: str, items: Sequence[tuple[str, Any]]) -> None:
    """Store vectors (hash, float32 array); a vector another process stored meanwhile is kept as it is."""
    import numpy as np

    with db.session() as session:
        done = stored_hashes_among(session=session, model=model, hashes=[h for h, _ in items])
        for digest, vector in items:
            if digest not in done:
                blob = np.asarray(vector, dtype=np.float32).tobytes()
                session.add(KnowledgeVector(model=model, text_hash=digest, vector=blob))
        try:
            session.commit()
        except IntegrityError:  # a concurrent embedder stored the same text first: same vector
            session.rollback()


def stored_hashes_among(*, session: Session, model: str, hashes: Sequence[str]) -> set[str]:
    return set(load_vectors(session=session, model=model, hashes=hashes))


def embed_texts(
    *,
    db: Database,
    embedder: Embedder,
    texts: dict[str, str],
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Embed and store the texts (hash → text) that have no vector of the embedder's model yet; each
    batch is committed, so a stopped run resumes where it stopped. Returns how many were embedded."""
    with db.session() as session:
        done = stored_hashes(session=session, model=embedder.name)
    todo = [(digest, text) for digest, text in texts.items() if digest not in done]
    embedded = 0
    for start in range(0, len(todo), batch_size):
        if stop is not None and stop.is_set():
            break
        batch = todo[start : start + batch_size]
        vectors = embedder.passages([text for _, text in batch])
        save_vectors(
            db=db, model=embedder.name, items=[(d, v) for (d, _), v in zip(batch, vectors, strict=True)]
        )
        embedded += len(batch)
        if progress is not None:
            progress(embedded, len(todo))
    return embedded


def embed_pending_sections(
    *,
    db: Database,
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Embed every section whose text has no vector yet (`kb embed`, the background embedder)."""
    with db.session() as session:
        texts = section_texts_to_embed(session=session)
    return embed_texts(db=db, embedder=embedder, texts=texts, progress=progress, stop=stop)


class BackgroundEmbedder:
    """A daemon thread that embeds new sections whenever it is woken (after an ingest, at start-up) and
    every `poll_seconds` (sections another process ingested). Errors are logged and retried later."""

    def __init__(self, *, db: Database, embedder: Embedder, poll_seconds: float = 60.0) -> None:
        self.db = db
        self.embedder = embedder
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.running = False  # embedding right now

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="knowledge-embedder", daemon=True)
            self._thread.start()
            self.wake()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            if self._stop.is_set():
                return
            self.running = True
            started = time.perf_counter()
            try:
                count = embed_pending_sections(db=self.db, embedder=self.embedder, stop=self._stop)
            except Exception:
                logger.exception("background embedding failed; retrying in %.0f s", self.poll_seconds)
                count = 0
            finally:
                self.running = False
            if count:
                logger.info("embedded %d sections in %.1f s", count, time.perf_counter() - started)
