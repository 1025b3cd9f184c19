"""`KnowledgeBase`: the one object handlers, jobs and the CLI use to search and change the knowledge base.

It owns the lifecycle — the in-memory lexical index (built from the section terms stored in the database,
lazily on the first search or warmed by `serve`), the dense vectors (filled by the background embedder),
the decision model (the defaults, or the team's own from `kb calibrate`) — and runs the retrieval
pipeline (`knowledge.retrieval`) for each question. Every change bumps a version row; each process compares
it (at most once per `version_check_seconds`) and rebuilds when another process changed the knowledge
base. Changes made through this object are visible to its very next search.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.database import Database
from bot.i18n import detect_language
from bot.models.knowledge import KnowledgeDocument, KnowledgeSection
from knowledge.chunking import Chunk, chunk_markdown, split_front_matter
from knowledge.decision import DEFAULT_CROSS_LANGUAGE, DEFAULTS, DecisionModel
from knowledge.dense import DenseIndex
from knowledge.embedding import SECTION_TOKEN_BUDGET, Embedder, EmbeddingStatus, truncate_to_tokens
from knowledge.lexical import LexicalIndex, build_lexical_index
from knowledge.query_rewrite import QueryRewriter
from knowledge.retrieval import RetrievalConfig, Retrieved, retrieve
from knowledge.store import (
    DocumentInfo,
    content_hash,
    current_version,
    delete_document,
    list_documents,
    save_document,
    section_texts,
    set_verify_by,
    stored_decision,
    to_section,
)
from knowledge.synonyms import NO_SYNONYMS, load_synonyms
from knowledge.tokenize import add_terms, tokens
from knowledge.types import Hit, SearchResult, Section
from knowledge.vectors import BackgroundEmbedder, document_texts_to_embed, embed_texts

if TYPE_CHECKING:
    from bot.llm import LLM

logger = logging.getLogger(__name__)


class KnowledgeBase:
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        llm: LLM | None = None,
        embedder: Embedder | None = None,
        embedding_status: EmbeddingStatus | None = None,
        config: RetrievalConfig | None = None,
        decision: DecisionModel | None = None,
        closest_decision: DecisionModel | None = DEFAULT_CROSS_LANGUAGE,
        version_check_seconds: float = 1.0,
    ) -> None:
        self.db = db
        self.settings = settings
        self.llm = llm
        self.embedder = embedder
        self.embedding_status = embedding_status or EmbeddingStatus(
            "none" if embedder is None else "custom", None if embedder is None else embedder.name
        )
        self.config = config or RetrievalConfig()
        self._decision = decision  # None: the stored calibration, else the defaults
        self._closest = closest_decision  # judges other-language candidates when `decision` does not answer
        self.version_check_seconds = version_check_seconds
        self._lock = threading.RLock()
        self._lexical: LexicalIndex | None = None
        self._version = -1
        self._checked_at = 0.0
        self._stale = True
        self._dense: DenseIndex | None = None  # vectors of the sections embedded so far
        self._stored_decisions: dict[str, DecisionModel] = {}  # `kb calibrate`, by mode
        self.background: BackgroundEmbedder | None = None  # started by `start_background_embedding`
        self._rewriter: Any = None  # knowledge.query_rewrite.QueryRewriter, built on first use

    # --- changes -------------------------------------------------------------------------------
    def add_document(
        self,
        *,
        path: str,
        title: str,
        text: str,
        language: str | None = None,
        product: str | None = None,
        owner: str | None = None,
        updated: date | None = None,
        kind: str = "doc",
        verify_by: date | None = None,
    ) -> int:
        """Add or replace a Markdown document (chunked by headings); returns its id. Searchable at once.
        `verify_by`: an FAQ entry's re-verification date (answers quoting it after that date say so)."""

        path = path.strip()
        if not path:
            raise ValueError("a document needs a path")
        _, body = split_front_matter(text)
        chunks = chunk_markdown(body)
        if not chunks:
            chunks = [Chunk(heading=title, headings=(), text=title)]
        language = language or detect_language(title + "\n" + body)
        add_terms([title])
        with self.db.session() as session:
            document_id = save_document(
                session=session,
                path=path,
                title=title.strip() or path,
                chunks=chunks,
                language=language,
                product=product,
                owner=owner,
                updated=updated,
                kind=kind,
                digest=content_hash(text),
                verify_by=verify_by,
            )
        self.embed_document(document_id)
        self.invalidate()
        return document_id

    def remove_document(self, *, path: str) -> bool:

        with self.db.session() as session:
            removed = delete_document(session=session, path=path)
        if removed:
            self.invalidate()
        return removed

    def set_verify_by(self, *, document_id: int, verify_by: date | None) -> bool:
        """Move a document's re-verification date; visible to the next search here and, through the version
        row, in every other process. False when there is no such document."""
        with self.db.session() as session:
            changed = set_verify_by(session=session, document_id=document_id, verify_by=verify_by)
        if changed:
            self.invalidate()
        return changed

    def invalidate(self) -> None:
        """Forget the in-memory index: the next search rebuilds it from the database."""
        with self._lock:
            self._stale = True

    # --- reading -------------------------------------------------------------------------------
    def documents(self, *, kind: str | None = None) -> list[DocumentInfo]:

        with self.db.session() as session:
            return list_documents(session=session, kind=kind)

    def section(self, section_id: int) -> Section | None:

        with self.db.session() as session:
            row = session.get(KnowledgeSection, section_id)
            if row is None:
                return None
            document = session.get(KnowledgeDocument, row.document_id)
            return to_section(row, document) if document is not None else None

    def warm(self) -> None:
        """Build the index now (start-up), so the first question does not pay for it."""
        self.indexes()

    def start_background_embedding(self) -> None:
        """Embed sections without a vector in a daemon thread, now and after every change (`serve`)."""
        if self.embedder is not None and self.background is None:
            self.background = BackgroundEmbedder(db=self.db, embedder=self.embedder)
            self.background.start()

    def stop_background_embedding(self) -> None:
        if self.background is not None:
            self.background.stop()
            self.background = None

    def warm_in_background(self) -> threading.Thread:
        def run() -> None:
            try:
                self.warm()
            except Exception:
                logger.exception("warming the knowledge index failed")

        thread = threading.Thread(target=run, name="knowledge-warm", daemon=True)
        thread.start()
        return thread

    @property
    def size(self) -> int:
        return self.indexes().size

    # --- search --------------------------------------------------------------------------------
    def search(
        self, query: str, *, k: int = 5, language: str | None = None, product: str | None = None
    ) -> SearchResult:
        """Ranked sections for `query`, with a calibrated confidence and the answer decision.

        `language` is the asker's language (detected from the query when absent): sections in other
        languages still rank, a little lower. `product` restricts the search to that product's documents.
        """

        query = (query or "").strip()
        k = max(1, min(int(k), 100))
        lexical = self.indexes()  # first: loading it teaches jieba the product terms
        language = (language or detect_language(query)).strip().lower()[:2]  # "zh-CN" → "zh"
        retrieved = self.retrieve(query, language=language, mask=self._product_mask(lexical, product))
        if retrieved is None:
            return SearchResult(query=query, hits=[], confidence=0.0, answerable=False)
        sections = lexical.sections.sections
        top = retrieved.ranked[:k]
        texts = self._section_texts([sections[number].id for number in top])
        hits: list[Hit] = []
        for number in top:
            section = sections[number]
            if section.id not in texts:  # removed since the index was built
                continue
            signals = {"lexical": float(retrieved.lexical_scores[number])}
            if retrieved.similarities is not None:
                signals["dense"] = float(retrieved.similarities[number])
            hits.append(
                Hit(
                    section=replace(section, text=texts[section.id]),
                    score=float(retrieved.lexical_scores[number]),
                    rank=len(hits) + 1,
                    signals=signals,
                )
            )
        if not hits:
            return SearchResult(query=query, hits=[], confidence=0.0, answerable=False)
        hits[0] = replace(hits[0], signals={**hits[0].signals, **retrieved.features})
        return SearchResult(
            query=query,
            hits=hits,
            confidence=round(retrieved.confidence, 4),
            answerable=retrieved.support == "strong",
            support=retrieved.support,
            term_weights={term: lexical.sections.idf(term) for term in tokens(query)},
            supporting=frozenset(sections[number].id for number in retrieved.supporting),
            unknown_names=retrieved.unknown_names,
            about_question=self._about_question(retrieved),
        )

    def retrieve(self, query: str, *, language: str, mask: Any | None = None) -> Retrieved | None:
        """The pipeline's raw output for one question (section numbers of `indexes()`): search and the
        calibration use it."""
        lexical = self.indexes()
        dense = self._current_dense()
        return retrieve(
            query=query,
            language=language,
            lexical=lexical,
            dense=dense,
            decision=self._decision_for("hybrid" if dense is not None else "lexical"),
            closest=self._closest if dense is not None else None,
            config=self.config,
            mask=mask,
            rewrites=self._rewrites(query, language=language),
            query_vector=self._query_vector,
        )

    def decision(self) -> DecisionModel:
        """The answer decision in force: given, else the team's calibration (`kb calibrate`) for the
        retrieval mode in use, else the defaults."""
        self.indexes()  # (re)loads the stored calibrations with the index
        return self._decision_for(self.decision_mode())

    def _decision_for(self, mode: str) -> DecisionModel:
        if self._decision is not None:
            return self._decision
        return self._stored_decisions.get(mode) or DEFAULTS[mode]

    def decision_mode(self) -> str:
        """ "hybrid" when semantic evidence exists for the decision to weigh (vectors stored), else "lexical"."""
        return "hybrid" if self._current_dense() is not None else "lexical"

    def _about_question(self, retrieved: Retrieved) -> Callable[[str, Sequence[Hit]], bool] | None:
        """Whether what an answer quotes is about the question by meaning: the first section it quotes, or
        the quoted text itself, at least `min_quote_gap` more similar to the question than the question's
        10th most similar section (None without the question's embedding). A quote sharing the question's
        words can still say something else: "Rest Api" in a table of services is no answer to how a CI
        pipeline gets an API token."""
        embedder, vector = self.embedder, retrieved.vector
        if embedder is None or vector is None:
            return None
        least = retrieved.dense_floor + self.config.min_quote_gap

        def about(text: str, hits: Sequence[Hit]) -> bool:
            if hits and hits[0].signals.get("dense", -1.0) >= least:
                return True
            try:
                quote = truncate_to_tokens(text, SECTION_TOKEN_BUDGET)  # as long as a passage at most
                return float(embedder.passages([quote])[0] @ vector) >= least
            except Exception:
                logger.warning("quote embedding failed; not checking the quote", exc_info=True)
                return True

        return about

    def _query_vector(self, query: str) -> Any | None:
        if self.embedder is None:
            return None
        try:
            return self.embedder.query(query)
        except Exception:
            logger.warning("query embedding failed; using the lexical index only", exc_info=True)
            return None

    @staticmethod
    def _product_mask(lexical: LexicalIndex, product: str | None) -> Any | None:
        if not product:
            return None
        import numpy as np

        wanted = product.strip().lower()
        return np.array([(p or "").lower() == wanted for p in lexical.sections.products], dtype=bool)

    def _rewrites(self, query: str, *, language: str) -> list[str]:
        """Documentation-style rewrites of the question by the configured model (none without one)."""
        if self.llm is None or not self.settings.query_rewrite:
            return []
        if self._rewriter is None:
            self._rewriter = QueryRewriter(llm=self.llm)
        rewrites: list[str] = self._rewriter.rewrite(query, language=language)
        return rewrites

    def _section_texts(self, section_ids: Sequence[int]) -> dict[int, str]:
        """Texts of the hits, read from the database (the index keeps no texts)."""

        if not section_ids:
            return {}
        with self.db.session() as session:
            return section_texts(session=session, section_ids=section_ids)

    # --- index lifecycle -----------------------------------------------------------------------
    def indexes(self) -> LexicalIndex:
        """The current lexical index (an immutable snapshot; rebuilt when the knowledge base changed)."""
        with self._lock:
            now = time.monotonic()
            current = self._lexical
            if (
                current is not None
                and not self._stale
                and now - self._checked_at < self.version_check_seconds
            ):
                return current

            with self.db.session() as session:
                version = current_version(session=session)
            self._checked_at = now
            if current is None or self._stale or version != self._version:
                synonyms = (
                    load_synonyms(self.settings.synonyms_file) if self.settings.synonyms_file else NO_SYNONYMS
                )
                current = self._lexical = build_lexical_index(self.db, synonyms=synonyms)
                self._version = version
                self._stale = False
                with self.db.session() as session:
                    self._stored_decisions = {
                        mode: model
                        for mode in ("hybrid", "lexical")
                        if (model := stored_decision(session=session, mode=mode)) is not None
                    }
            return current

    # --- dense retrieval ------------------------------------------------------------------------
    def embed_document(self, document_id: int) -> int:
        """Embed one document's sections now (an FAQ entry, a PM answer, a notice: a few sections), so
        it is found by meaning at once; bulk ingests are embedded in the background (`kb embed`)."""
        if self.embedder is None:
            return 0

        with self.db.session() as session:
            texts = document_texts_to_embed(session=session, document_id=document_id)
        try:
            return embed_texts(db=self.db, embedder=self.embedder, texts=texts)
        except Exception:
            logger.exception("embedding document %s failed; the background embedder retries", document_id)
            return 0

    def embed_missing(self) -> int:
        """After a bulk change (`kb ingest`): wake the background embedder when this process runs one
        (`serve`); otherwise `kb embed` or a running `serve` embeds the new sections. Returns 0."""
        if self.background is not None:
            self.background.wake()
        return 0

    def _current_dense(self) -> DenseIndex | None:
        """The vectors of the current index's sections (None without an embedder or before any section
        is embedded)."""
        if self.embedder is None:
            return None
        lexical = self.indexes()
        with self._lock:
            dense = self._dense
            if dense is None or dense.hashes is not lexical.section_hashes:
                dense = self._dense = DenseIndex(model=self.embedder.name, hashes=lexical.section_hashes)
            dense.refresh(db=self.db, every_seconds=max(self.version_check_seconds, 0.0) * 2)
        return dense if dense.size else None


def section_json(section: Section, *, score: float) -> dict[str, Any]:
    """The JSON shape of one search result (`kb search --json`)."""
    return {
        "path": section.path,
        "heading": section.heading,
        "headings": list(section.headings),
        "title": section.title,
        "score": round(score, 4),
        "internal": section.internal,
        "text": section.text,
    }


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
