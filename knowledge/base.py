"""`KnowledgeBase`: the one object handlers, jobs and the CLI use to search and change the knowledge base.

The index lives in memory, built from the section terms stored in the database (lazily on the first
search, or warmed in a background thread by `serve`). Every change bumps a version row; each process
compares it (at most once per `version_check_seconds`) and rebuilds when another process changed the
knowledge base. Changes made through this object are visible to its very next search.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import select as sa_select
from sqlmodel import col, select

from bot.config import Settings
from bot.database import Database
from knowledge.abstention import DEFAULT_MODEL, AbstentionModel
from knowledge.dense import DenseIndex
from knowledge.embedding import Embedder, EmbeddingStatus
from knowledge.types import Hit, SearchResult, Section

if TYPE_CHECKING:
    from bot.llm import LLM
    from knowledge.index import IndexBuilder, SectionIndex
    from knowledge.parallel import Parallel
    from knowledge.store import DocumentInfo
    from knowledge.vectors import BackgroundEmbedder

logger = logging.getLogger(__name__)

OTHER_LANGUAGE_FACTOR = 0.75  # sections in another language than the question's rank lower, not out
CANDIDATES = 50
LOAD_CHUNK_ROWS = 500  # sections fetched per round trip while the index is built
HEADING_MATCH_WEIGHT = 0.5  # weight of the stop-words-kept heading index next to the BM25F score
DOCUMENT_WEIGHT = 0.3  # weight of the whole document's BM25 score added to each of its sections
QUESTION_HEADING_FACTOR = 1.2  # FAQ entries (headings that are questions) answer questions most directly
# Languages whose ranking is fused (reciprocal rank) with a plain word index — whitespace-separated words as
# written, nothing stemmed or dropped ("the same way", "committed data —", "nodes?"). English questions gain
# from the surface forms the analysed index normalises away (dev set: MRR 0.78 → 0.86, no question lost);
# Chinese questions lose (single characters are too weak a signal), so they keep the analysed ranking.
PLAIN_FUSION_LANGUAGES = frozenset({"en"})
SUPPORT_CANDIDATES = 3  # sections whose support for an answer is assessed (the best one counts)
# How unknown, in the answer/abstain decision, a Chinese question word is that the corpus never contains as
# a word but writes every character of: colloquial words and clippings of the documentation's words (压测,
# 更慢, 修 for 修复) as much as words of a subject it lacks (测评, 出具): half. Refitting the model on the
# features with it gives the same weights (within 0.2); 0.25 / 0.75 rank the calibration questions alike
# (docs/knowledge.md, experiment exp-abstzh).
PART_KNOWN_UNKNOWNNESS = 0.5
PLAIN_FUSION_WEIGHT = 0.7  # below 1: on a tie the analysed ranking wins (verbatim FAQ headings stay first)
# Weight of each model rewrite's ranking (`knowledge.query_rewrite`, with an LLM configured); below the
# question's 1.0, so the rep's own words decide near-ties.
REWRITE_FUSION_WEIGHT = 0.7
# Weight of the ranking for the asking sentences alone ("…context. Is there a way to batch it?") when a
# question also has sentences that do not ask; small, so the context still decides among near-ties.
ASKED_FUSION_WEIGHT = 0.3
# "What is the latest 8.5 patch?": a question about the newest release of a release line is answered by
# the sections that list that line's releases (release notes index, timeline), not by any one release's
# notes. Such sections get × (1 + RELEASE_LIST_BOOST · min(distinct versions of the line, CAP) / CAP).
RELEASE_LIST_BOOST = 1.0
RELEASE_LIST_CAP = 6
RELEASE_LIST_MIN_VERSIONS = 2  # a section naming fewer versions of the line is no list
RECENCY_WORDS = ("latest", "recent", "newest", "last", "最新", "最近")
# A question whose wording shows an intent (`knowledge.intent`: "which version first shipped…", "is there a
# cap…") lifts the sections of the kind that answers it by × (1 + boost), before and after rank fusion.
INTENT_BOOSTS = {"version": 0.3, "lifecycle": 0.3, "limit": 0.3, "compare": 0.3}
# A heading of at least HEADING_COVERAGE_MIN_WORDS content words that the question covers entirely — each
# word, or a word of its synonym group, is in the question ("Any version constraint … TiKV" covers
# "Limitations on TiKV version") — is strong evidence: its score × (1 + HEADING_COVERAGE_BOOST), before
# rank fusion. Shorter headings ("Limitations", "Size limit") are covered by chance. English questions
# only: a colloquial Chinese question segments into many short words that cover three-word headings by
# chance (tried: −1 rank-1 hit on dev, tune and check each). Tuned on tune / check: boost 1.0 and 2.0
# alike, 0.5 lifts less; at least 2 words loses tune MRR, at least 4 fires too rarely to help.
HEADING_COVERAGE_BOOST = 1.0
HEADING_COVERAGE_MIN_WORDS = 3
HEADING_COVERAGE_LANGUAGES = frozenset({"en"})
# Chinese questions are segmented without jieba's HMM (it glues colloquial words into "words" no document
# has); the words its HMM found in at least this many sections are taught to the dictionary instead, so a
# question still yields "外键" as one word. Tune: 2, 3 and 5 give the same figures, 20 loses check R@5.
LEARNED_WORD_MIN_SECTIONS = 3
# Parallel documents (`knowledge.parallel`: en/x.md ↔ zh/x.md): a section also gets this weight × its twin's
# score for the question translated term by term through the lexicon learned from the aligned sections
# (the question's identifiers, "TiCDC", "Resource Control", count in the twin as written). Chinese questions
# gain (tune MRR 0.758 → 0.776, check 0.780 → 0.800; 0.1 / 0.2 smaller gains, 0.5 loses check R@5); English
# questions lose (tune MRR −0.006 at 0.1, −0.05 at 0.3): their own words already match the English sections.
TWIN_EVIDENCE_WEIGHT = 0.3
TWIN_EVIDENCE_LANGUAGES = frozenset({"zh"})


@dataclass(frozen=True)
class Indexes:
    sections: SectionIndex  # BM25F over heading / context / body
    headings: SectionIndex  # headings with their stop words: "How to log in?"
    documents: SectionIndex  # one unit per document
    document_of: Any  # np.ndarray: section number → document number in `documents`
    plain: SectionIndex | None = None  # heading + text as lower-cased whitespace words (rank fusion)
    release_lists: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # "8.5" → (sections, share)
    kinds: Any = None  # np.ndarray of uint8: section number → bit mask of the intents it answers
    parallel: Parallel | None = None  # twin sections of parallel documents and their lexicon
    heading_words: SectionIndex | None = None  # each heading's content words (no compound parts)
    heading_sizes: Any = None  # np.ndarray: section number → number of its heading's content words
    section_hashes: Sequence[str] = ()  # section number → hash of its embedding text (`knowledge.vectors`)


class KnowledgeBase:
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        llm: LLM | None = None,
        abstention: AbstentionModel = DEFAULT_MODEL,
        version_check_seconds: float = 1.0,
        expand_queries: bool = True,
        embedder: Embedder | None = None,
        embedding_status: EmbeddingStatus | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.llm = llm
        self.abstention = abstention
        self.version_check_seconds = version_check_seconds
        self.expand_queries = expand_queries
        self._lock = threading.RLock()
        self._indexes: Indexes | None = None
        self._version = -1
        self._checked_at = 0.0
        self._stale = True
        self.embedder = embedder
        self.embedding_status = embedding_status or EmbeddingStatus(
            "none" if embedder is None else "custom", None if embedder is None else embedder.name
        )
        self._dense: DenseIndex | None = None  # vectors of the sections embedded so far
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
    ) -> int:
        """Add or replace a Markdown document (chunked by headings); returns its id. Searchable at once."""
        from knowledge.chunking import chunk_markdown, split_front_matter
        from knowledge.store import content_hash, save_document
        from knowledge.tokenize import add_terms, detect_language

        path = path.strip()
        if not path:
            raise ValueError("a document needs a path")
        _, body = split_front_matter(text)
        chunks = chunk_markdown(body)
        if not chunks:
            from knowledge.chunking import Chunk

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
            )
        self.embed_document(document_id)
        self.invalidate()
        return document_id

    def remove_document(self, *, path: str) -> bool:
        from knowledge.store import delete_document

        with self.db.session() as session:
            removed = delete_document(session=session, path=path)
        if removed:
            self.invalidate()
        return removed

    def invalidate(self) -> None:
        """Forget the in-memory index: the next search rebuilds it from the database."""
        with self._lock:
            self._stale = True

    # --- reading -------------------------------------------------------------------------------
    def documents(self, *, kind: str | None = None) -> list[DocumentInfo]:
        from knowledge.store import list_documents

        with self.db.session() as session:
            return list_documents(session=session, kind=kind)

    def section(self, section_id: int) -> Section | None:
        from bot.models.knowledge import KnowledgeDocument, KnowledgeSection
        from knowledge.store import to_section

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
            from knowledge.vectors import BackgroundEmbedder

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
        return self.indexes().sections.size

    # --- search --------------------------------------------------------------------------------
    def search(
        self, query: str, *, k: int = 5, language: str | None = None, product: str | None = None
    ) -> SearchResult:
        """Ranked sections for `query`, with a calibrated confidence and the answer/abstain decision.

        `language` is the asker's language (detected from the query when absent): sections in other
        languages still rank, a little lower. `product` restricts the search to that product's documents.
        """
        import numpy as np

        from knowledge.intent import asked_sentences
        from knowledge.tokenize import detect_language, tokens

        query = (query or "").strip()
        k = max(1, min(int(k), 100))
        indexes = self.indexes()  # first: loading it teaches jieba the product terms
        index = indexes.sections
        all_terms = tokens(query, query=True)
        terms = list(dict.fromkeys(all_terms))
        if not terms or index.size == 0:
            return SearchResult(query=query, hits=[], confidence=0.0, answerable=False)
        language = (language or detect_language(query)).strip().lower()[:2]  # "zh-CN" → "zh"
        scores, own_scores, prior_factors = self._analysed_scores(
            indexes, query, all_terms, language=language
        )
        mask = None
        if product:
            wanted = product.strip().lower()
            mask = np.array([(p or "").lower() == wanted for p in index.products], dtype=bool)
        ranked = index.top(scores, max(k, CANDIDATES), mask=mask)
        rankings, fusion_weights = [ranked], [1.0]
        if language in PLAIN_FUSION_LANGUAGES and indexes.plain is not None and ranked:
            plain = plain_ranking(
                indexes.plain, query, limit=max(k, CANDIDATES), language=language, mask=mask
            )
            rankings.append(plain)
            fusion_weights.append(PLAIN_FUSION_WEIGHT)
        dense, _similarities = self._dense_ranking(query, mask=mask)
        if dense:
            rankings.append(dense)
            fusion_weights.append(1.0)
        # "Context sentence. Actual question?": the asked sentence alone ranks too, so the ask is not
        # drowned by the context's words (which still count in the full question's rankings)
        asked = asked_sentences(query) if ASKED_FUSION_WEIGHT else query
        asked_terms = tokens(asked, query=True) if asked != query else []
        if asked_terms and asked_terms != all_terms:
            asked_scores, _, _ = self._analysed_scores(indexes, asked, asked_terms, language=language)
            rankings.append(index.top(asked_scores, max(k, CANDIDATES), mask=mask))
            fusion_weights.append(ASKED_FUSION_WEIGHT)
        for rewrite in self._rewrites(query, language=language):
            rewrite_terms = tokens(rewrite, query=True)
            if rewrite_terms:
                rewrite_scores, _, _ = self._analysed_scores(
                    indexes, rewrite, rewrite_terms, language=language
                )
                rankings.append(index.top(rewrite_scores, max(k, CANDIDATES), mask=mask))
                fusion_weights.append(REWRITE_FUSION_WEIGHT)
        if len(rankings) > 1:
            ranked = _reciprocal_rank_fusion(rankings, weights=fusion_weights, factors=prior_factors)
        texts = self._section_texts([index.sections[number].id for number in ranked[:k]])
        hits = [
            Hit(
                section=replace(index.sections[number], text=texts[index.sections[number].id]),
                score=float(own_scores[number]),
                rank=rank,
                signals={"bm25": float(own_scores[number])},
            )
            for rank, number in enumerate(
                [number for number in ranked[:k] if index.sections[number].id in texts], 1
            )
        ]
        if not hits:
            return SearchResult(query=query, hits=[], confidence=0.0, answerable=False)
        # Support is judged on the best of the first few sections, not the first alone: rank fusion may put a
        # section that shares the question's wording first while the next one holds the answer.
        unknown_names = unknown_subject_names(query, vocabulary=index.vocabulary)  # the same for each
        candidates = [
            self.abstention_features(
                index=index,
                terms=terms,
                unknown_names=unknown_names,
                top=number,
                top_score=own_scores[number],
                language=language,
            )
            for number in ranked[:SUPPORT_CANDIDATES]
        ]
        features = max(candidates, key=lambda f: self.abstention.confidence(**f))
        confidence = self.abstention.confidence(**features)
        hits[0] = Hit(
            section=hits[0].section, score=hits[0].score, rank=1, signals={**hits[0].signals, **features}
        )
        return SearchResult(
            query=query,
            hits=hits,
            confidence=round(confidence, 4),
            answerable=confidence >= self.abstention.threshold,
            support=(
                "strong"
                if confidence >= self.abstention.threshold
                else "weak"
                if confidence >= self.abstention.weak_threshold
                else "none"
            ),
        )

    def _analysed_scores(
        self, indexes: Indexes, query: str, all_terms: Sequence[str], *, language: str
    ) -> tuple[Any, Any, Any | None]:
        """Scores of every section for the question's terms (BM25F + heading match + document evidence,
        with expansions and priors) to rank by — with the twin sections' evidence (`TWIN_EVIDENCE_WEIGHT`)
        and the heading-coverage lift (`heading_coverage_factors`) — and without them (what the hits show
        and the answer/abstain decision judges: the question's own match), and the release-list / intent
        factors applied to them (or None)."""
        import numpy as np

        from knowledge.synonyms import expand
        from knowledge.tokenize import tokens

        index = indexes.sections
        terms = list(dict.fromkeys(all_terms))
        expansions = expand(terms) if self.expand_queries else {}
        weights = query_term_weights(all_terms)
        scores = index.scores([*terms, *expansions], term_weights={**weights, **expansions})
        # a question phrased like a heading ranks that heading first
        full_terms = list(dict.fromkeys(tokens(query, keep_stop_words=True, query=True)))
        scores = scores + HEADING_MATCH_WEIGHT * indexes.headings.scores(full_terms)
        if indexes.documents.size:
            document_scores = indexes.documents.scores(
                [*terms, *expansions], term_weights={**weights, **expansions}
            )
            scores = scores + DOCUMENT_WEIGHT * document_scores[indexes.document_of]
        prior_factors = combine_factors(
            release_list_factors(indexes.release_lists, all_terms, size=index.size),
            intent_factors(indexes.kinds, query),
        )
        factors = np.where(index.languages == language, 1.0, OTHER_LANGUAGE_FACTOR)
        if prior_factors is not None:
            factors = factors * prior_factors
        factors = np.where(index.question_headings, factors * QUESTION_HEADING_FACTOR, factors)
        own = scores * factors
        twin = twin_scores(indexes, terms, weights, language=language)
        ranking = own if twin is None else (scores + TWIN_EVIDENCE_WEIGHT * twin) * factors
        heading_factors = heading_coverage_factors(indexes, terms, language=language)
        if heading_factors is not None:
            ranking = ranking * heading_factors
        return ranking, own, prior_factors

    def _rewrites(self, query: str, *, language: str) -> list[str]:
        """Documentation-style rewrites of the question by the configured model (none without one)."""
        if self.llm is None or not self.settings.query_rewrite:
            return []
        if self._rewriter is None:
            from knowledge.query_rewrite import QueryRewriter

            self._rewriter = QueryRewriter(llm=self.llm)
        rewrites: list[str] = self._rewriter.rewrite(query, language=language)
        return rewrites

    def _section_texts(self, section_ids: Sequence[int]) -> dict[int, str]:
        """Texts of the hits, read from the database (the index keeps no texts). A section removed since
        the index was built is missing: its hit is dropped."""
        from knowledge.store import section_texts

        if not section_ids:
            return {}
        with self.db.session() as session:
            return section_texts(session=session, section_ids=section_ids)

    @staticmethod
    def abstention_features(
        *,
        index: SectionIndex,
        terms: Sequence[str],
        unknown_names: Sequence[str],
        top: int,
        top_score: float,
        language: str,
    ) -> dict[str, float]:
        from knowledge.synonyms import related

        idf = {term: index.idf(term) for term in terms}
        total = sum(idf.values()) or 1.0
        # a term is covered (known) when the section (corpus) has it or a word interchangeable with it:
        # "收费" is answered by a section that says "计价", "fee" by one that says "price"
        in_top = {term: any(index.contains(top, t) for t in related(term)) for term in terms}
        known = {term: any(t in index.vocabulary for t in related(term)) for term in terms}
        # a Chinese compound is known (covered) by its known (covered) sub-words, like "RAM-based" by its parts
        for term, parts in known_compound_parts(terms, known).items():
            known[term] = True
            in_top[term] = all(in_top[part] for part in parts)
        covered = sum(weight for term, weight in idf.items() if in_top[term])
        unknown = sum(
            weight * unknownness(term, characters=index.characters)
            for term, weight in idf.items()
            if not known[term]
        )
        k1 = index.params.k1
        best_possible = sum(idf.values()) * (k1 + 1.0)
        return {
            "coverage": covered / total,
            "unknown": unknown / total,
            "strength": float(top_score) / best_possible if best_possible else 0.0,
            "unknown_names": float(len(unknown_names)),
            "chinese": float(language == "zh"),
            "uncovered_commercial": float(
                any(term in _commercial_terms() and not in_top[term] for term in terms)
            ),
        }

    # --- index lifecycle -----------------------------------------------------------------------
    def indexes(self) -> Indexes:
        """The current in-memory indexes (an immutable snapshot; rebuilt when the knowledge base changed)."""
        with self._lock:
            now = time.monotonic()
            current = self._indexes
            if (
                current is not None
                and not self._stale
                and now - self._checked_at < self.version_check_seconds
            ):
                return current
            from knowledge.store import current_version

            with self.db.session() as session:
                version = current_version(session=session)
            self._checked_at = now
            if current is None or self._stale or version != self._version:
                current = self._indexes = self._load_index()
                self._version = version
                self._stale = False
            return current

    def _load_index(self) -> Indexes:
        """Build the indexes streaming the sections' stored terms from the database in chunks: each row
        is turned into term ids at once, nothing keeps the rows, and sections are kept without their
        text (`search` reads the texts of its hits only) — one copy of the corpus, in compact arrays."""
        import numpy as np

        from bot.models.knowledge import KnowledgeDocument, KnowledgeSection
        from knowledge.embedding import section_text, text_hash
        from knowledge.index import DOCUMENT_PARAMS, HEADING_PARAMS, PLAIN_PARAMS, IndexBuilder
        from knowledge.intent import INTENT_BITS, section_kinds
        from knowledge.store import section_without_text
        from knowledge.synonyms import chinese_words as synonym_words
        from knowledge.tokenize import add_terms, drop_stop_terms, learn_corpus_words

        started = time.perf_counter()
        sections, headings, plain = IndexBuilder(), IndexBuilder(HEADING_PARAMS), IndexBuilder(PLAIN_PARAMS)
        heading_words = IndexBuilder(HEADING_PARAMS)
        documents_builder = IndexBuilder(DOCUMENT_PARAMS)
        line_counts: dict[str, list[tuple[int, int]]] = {}
        document_of = array("i")  # section number → document number
        kinds = array("B")  # section number → intents it answers (`section_kinds`)
        hashes: list[str] = []
        columns: tuple[Any, ...] = (
            KnowledgeSection.id,
            KnowledgeSection.document_id,
            KnowledgeSection.heading,
            KnowledgeSection.headings,
            KnowledgeSection.text,
            KnowledgeSection.heading_terms,
            KnowledgeSection.context_terms,
            KnowledgeSection.body_terms,
        )
        with self.db.session() as session:
            documents = {doc.id: doc for doc in session.exec(select(KnowledgeDocument))}
            add_terms([doc.title for doc in documents.values() if doc.language == "zh"])
            rows = session.execute(
                sa_select(*columns)
                .order_by(col(KnowledgeSection.document_id), col(KnowledgeSection.position))
                .execution_options(yield_per=LOAD_CHUNK_ROWS)
            )
            first: Section | None = None  # the current document's first section
            document_terms: list[str] = []  # the current document's heading and body terms
            for row in rows:
                section_id, document_id, heading, trail, text, heading_terms, context_terms, body_terms = row
                document = documents.get(document_id)
                if document is None:
                    continue
                section = section_without_text(
                    section_id=section_id, document=document, heading=heading, headings=trail
                )
                hashes.append(
                    text_hash(
                        section_text(title=document.title, headings=section.headings, heading=heading, text=text)
                    )
                )
                if first is None or first.document_id != document_id:
                    if first is not None:
                        add_document_unit(documents_builder, first=first, terms=document_terms)
                    first, document_terms = section, []
                heading_content = " ".join(drop_stop_terms(heading_terms.split()))
                number = len(sections.sections)
                sections.add(section, (heading_content, context_terms, body_terms))
                headings.add(section, (heading_terms, "", ""))
                heading_words.add(section, (" ".join(whole_words(heading_content.split())), "", ""))
                written = f"{heading}\n{text}"
                plain.add(section, ("", "", " ".join(plain_words(written))))
                document_terms.extend((heading_content, body_terms))
                document_of.append(len(documents_builder.sections))
                lists_releases = False
                for line, versions in versions_by_line(written).items():
                    if len(versions) >= RELEASE_LIST_MIN_VERSIONS:
                        line_counts.setdefault(line, []).append((number, len(versions)))
                        lists_releases = True
                kinds.append(
                    section_kinds(title=section.title, headings=section.headings, heading=heading)
                    | (INTENT_BITS["lifecycle"] if lists_releases else 0)
                )
            if first is not None:
                add_document_unit(documents_builder, first=first, terms=document_terms)
        index = sections.finish()
        heading_word_index = heading_words.finish()
        learned = learn_corpus_words(corpus_new_words(index, min_sections=LEARNED_WORD_MIN_SECTIONS))
        learn_corpus_words(synonym_words())  # a question's "拉黑" stays one word, found in its group
        # Whole documents as one unit each: a section of a document that is about the question's subject
        # as a whole ranks above a same-named section ("Limitations") of an unrelated document.
        indexes = Indexes(
            sections=index,
            headings=headings.finish(),
            documents=documents_builder.finish(),
            document_of=np.frombuffer(document_of, dtype=np.int32).copy(),
            plain=plain.finish(),
            release_lists={
                line: (
                    np.array([n for n, _ in counts], dtype=np.int64),
                    np.array([min(c, RELEASE_LIST_CAP) / RELEASE_LIST_CAP for _, c in counts]),
                )
                for line, counts in line_counts.items()
            },
            kinds=np.frombuffer(kinds, dtype=np.uint8).copy(),
            heading_words=heading_word_index,
            heading_sizes=np.bincount(heading_word_index.posting_sections, minlength=index.size),
            section_hashes=hashes,
        )
        if TWIN_EVIDENCE_WEIGHT and TWIN_EVIDENCE_LANGUAGES:
            from knowledge.parallel import build_parallel

            indexes = replace(indexes, parallel=build_parallel(index))
        release_freed_memory()
        logger.info(
            "knowledge index: %d sections of %d documents (%d corpus words learned) in %.0f ms",
            index.size,
            indexes.documents.size,
            learned,
            (time.perf_counter() - started) * 1000,
        )
        return indexes

    # --- dense retrieval ------------------------------------------------------------------------
    def embed_document(self, document_id: int) -> int:
        """Embed one document's sections now (an FAQ entry, a PM answer, a notice: a few sections), so
        it is found by meaning at once; bulk ingests are embedded in the background (`kb embed`)."""
        if self.embedder is None:
            return 0
        from knowledge.vectors import document_texts_to_embed, embed_texts

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

    def _dense_ranking(self, query: str, *, mask: Any | None) -> tuple[list[int], Any | None]:
        """Sections by cosine similarity to the question (those embedded so far), and the similarities
        of every section (None without embeddings or before any section is embedded)."""
        dense = self._current_dense()
        if dense is None or dense.size == 0 or self.embedder is None:
            return [], None
        try:
            vector = self.embedder.query(query)
        except Exception:
            logger.warning("query embedding failed; using the lexical index only", exc_info=True)
            return [], None
        similarities = dense.similarities(vector, size=self.indexes().sections.size)
        return dense.top(similarities, CANDIDATES, mask=mask), similarities

    def _current_dense(self) -> DenseIndex | None:
        if self.embedder is None:
            return None
        indexes = self.indexes()
        with self._lock:
            dense = self._dense
            if dense is None or dense.hashes is not indexes.section_hashes:
                dense = self._dense = DenseIndex(model=self.embedder.name, hashes=indexes.section_hashes)
            dense.refresh(db=self.db)
            return dense


def twin_scores(
    indexes: Indexes, terms: Sequence[str], weights: dict[str, float], *, language: str
) -> Any | None:
    """Per section in the question's language, the score of its twin section(s) in the other language
    for the question's distinct `terms` and their translations through the parallel lexicon (None without
    parallel documents, or for a language outside TWIN_EVIDENCE_LANGUAGES)."""
    parallel = indexes.parallel
    if parallel is None or language not in parallel.languages or language not in TWIN_EVIDENCE_LANGUAGES:
        return None
    import numpy as np

    translated = translate_terms(parallel, terms, weights, language=language)
    index = indexes.sections
    scores = index.scores([*terms, *translated], term_weights={**weights, **translated})
    return np.where(index.languages == language, parallel.twin_scores(scores), 0.0)


def translate_terms(
    parallel: Parallel, terms: Sequence[str], weights: dict[str, float], *, language: str
) -> dict[str, float]:
    """The question's terms in the parallel documents' other language(s): each translation weighs its Dice
    coefficient × the source term's weight (the best source counts); the question's own terms are left out."""
    translated: dict[str, float] = {}
    for target in parallel.languages - {language}:
        for term in terms:
            for word, dice in parallel.translate(term, language, target):
                if word not in terms:
                    translated[word] = max(translated.get(word, 0.0), dice * weights.get(term, 1.0))
    return translated


def add_document_unit(builder: IndexBuilder, *, first: Section, terms: Sequence[str]) -> None:
    """Add one whole document to the documents index: its title as context, its sections' heading and
    body terms as body; `first` (its first section) stands for it."""
    from knowledge.tokenize import tokens

    builder.add(first, ("", " ".join(tokens(first.title)), " ".join(terms)))


def corpus_new_words(index: SectionIndex, *, min_sections: int) -> list[str]:
    """Chinese words of the index that jieba's dictionary lacks (its HMM found them in the documents) and
    that occur in at least `min_sections` sections: the corpus's own technical vocabulary, not one-off
    glued characters."""
    import numpy as np

    from knowledge.tokenize import is_new_word

    sections_with = np.diff(index.offsets)
    return [
        word
        for word, term_id in index.vocabulary.items()
        if sections_with[term_id] >= min_sections and is_new_word(word)
    ]


def release_freed_memory() -> bool:
    """Hand the heap pages freed after an index build back to the OS (`malloc_trim(0)`, glibc only):
    without it glibc keeps the build's transient peak as resident memory. False where unavailable."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl and other libcs: no malloc_trim
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True


MIN_ASKED_TERMS = 2  # fewer content terms in the asking sentences ("Is it?", "Supported?"): they refer back


def known_compound_parts(terms: Sequence[str], known: dict[str, bool]) -> dict[str, list[str]]:
    """Chinese question words the corpus lacks whose every character lies in a known shorter question word
    inside them: jieba's search mode yields a long word and its dictionary sub-words (中文论坛 → 中文, 论坛),
    and the corpus may hold the parts only. Word → its known parts."""
    from knowledge.tokenize import chinese_characters

    compounds: dict[str, list[str]] = {}
    for term in terms:
        if known[term] or len(term) < 3 or len(chinese_characters(term)) != len(term):
            continue
        parts = [t for t in terms if known[t] and 2 <= len(t) < len(term) and t in term]
        spanned: set[int] = set()
        for part in parts:
            start = term.find(part)
            spanned.update(range(start, start + len(part)))
        if len(spanned) == len(term):
            compounds[term] = parts
    return compounds


def unknownness(term: str, *, characters: frozenset[str]) -> float:
    """How unknown a term the corpus lacks is: `PART_KNOWN_UNKNOWNNESS` for a Chinese word whose characters
    the corpus writes (its words' characters), 1 otherwise."""
    from knowledge.tokenize import chinese_characters

    chars = chinese_characters(term)
    if chars and len(chars) == len(term) and all(char in characters for char in chars):
        return PART_KNOWN_UNKNOWNNESS
    return 1.0


def unknown_subject_names(query: str, *, vocabulary: Any) -> list[str]:
    """Names the question asks about that the knowledge base has never seen (`AutoShard`, `OceanBase`).

    The subject is in the sentences that ask: "Customer's Qualys scan flags the version string. Can they
    change it?" asks about the version string, Qualys is context — unless the asking sentences only refer
    back ("A prospect asks whether it is FedRAMP authorized. Is it?"), then the whole question counts. A
    compound name is known when its parts are ("RAM-based", "app-to-DB")."""
    from knowledge.intent import asked_sentences
    from knowledge.tokenize import named_words, tokens

    asked = asked_sentences(query)
    subject = asked if len(set(tokens(asked, query=True))) >= MIN_ASKED_TERMS else query
    return [
        name
        for name, parts in named_words(subject)
        if name not in vocabulary and (not parts or any(part not in vocabulary for part in parts))
    ]


@lru_cache(maxsize=1)
def _commercial_terms() -> frozenset[str]:
    from knowledge.abstention import commercial_terms

    return commercial_terms()


SUBWORD_WEIGHT = 0.5


REPEAT_WEIGHT = 0.5


def query_term_weights(all_terms: Sequence[str]) -> dict[str, float]:
    """Weights of the question's terms: a term the rep repeats ("from a cluster to a cluster") counts
    `1 + REPEAT_WEIGHT` per repetition; parts of a Chinese compound count half (`subword_weights`)."""
    weights = subword_weights(list(dict.fromkeys(all_terms)))
    for term, count in Counter(all_terms).items():
        if count > 1:
            weights[term] = weights.get(term, 1.0) * (1.0 + REPEAT_WEIGHT * (count - 1))
    return weights


def subword_weights(terms: Sequence[str]) -> dict[str, float]:
    """jieba's search mode yields a compound and its parts ("使用限制", "使用", "限制"); the parts count half,
    so a compound in the question does not score three times against a generic heading."""
    weights: dict[str, float] = {}
    for term in terms:
        if any(term != other and term in other for other in terms):
            weights[term] = SUBWORD_WEIGHT
    return weights


_FULL_VERSION = re.compile(r"(?<![\w.])v?(\d+)\.(\d+)\.(\d+)(?![\w.]*\d)")
_RELEASE_LINE = re.compile(r"^\d+\.\d+$")


def versions_by_line(text: str) -> dict[str, set[str]]:
    """Full version numbers written in `text`, by release line: {"8.5": {"8.5.0", "8.5.7"}}."""
    lines: dict[str, set[str]] = {}
    for match in _FULL_VERSION.finditer(text):
        lines.setdefault(f"{match.group(1)}.{match.group(2)}", set()).add(match.group(0).lstrip("v"))
    return lines


@lru_cache(maxsize=1)
def _recency_terms() -> frozenset[str]:
    from knowledge.tokenize import tokens

    return frozenset(term for word in RECENCY_WORDS for term in tokens(word, keep_stop_words=True))


def release_list_factors(
    release_lists: dict[str, tuple[Any, Any]], terms: Sequence[str], *, size: int
) -> Any | None:
    """Score factors lifting the sections that list a release line's versions when the question asks for
    the newest release of that line ("latest 8.5 patch", "8.5 最新版本": a bare line, no full version of
    it, a recency word); None when the question is not such a question."""
    if not release_lists or not _recency_terms().intersection(terms):
        return None
    import numpy as np

    full_lines = {term.rsplit(".", 1)[0] for term in terms if term.count(".") >= 2}
    lines = [t for t in dict.fromkeys(terms) if _RELEASE_LINE.match(t) and t not in full_lines]
    factors = None
    for line in lines:
        if line in release_lists:
            numbers, share = release_lists[line]
            factors = np.ones(size) if factors is None else factors
            factors[numbers] = np.maximum(factors[numbers], 1.0 + RELEASE_LIST_BOOST * share)
    return factors


def intent_factors(kinds: Any | None, query: str) -> Any | None:
    """Score factors lifting the sections of the kinds the question's intents ask for (`INTENT_BOOSTS`;
    a section of several asked-for kinds gets the largest); None when the question shows no intent."""
    from knowledge.intent import INTENT_BITS, question_intents

    intents = question_intents(query)
    if kinds is None or not intents:
        return None
    import numpy as np

    factors = np.ones(len(kinds))
    for intent in intents:
        boost = INTENT_BOOSTS.get(intent, 0.0)
        if boost:
            lifted = (kinds & INTENT_BITS[intent]) != 0
            factors = np.where(lifted, np.maximum(factors, 1.0 + boost), factors)
    return factors


def whole_words(terms: Sequence[str]) -> list[str]:
    """Distinct terms that are no part of another term: a heading's words, without jieba's sub-words of a
    compound ("使用限制", not also "使用", "限制") or an identifier's parts."""
    distinct = list(dict.fromkeys(terms))
    joined = " ".join(distinct)  # a term found more than once in it is also inside another term
    return [term for term in distinct if joined.count(term) == 1]


def heading_coverage_factors(indexes: Indexes, terms: Sequence[str], *, language: str) -> Any | None:
    """Score factors: × (1 + HEADING_COVERAGE_BOOST) for the sections whose heading the question covers
    (`covered_headings`); None for questions in other languages than HEADING_COVERAGE_LANGUAGES."""
    if language not in HEADING_COVERAGE_LANGUAGES:
        return None
    import numpy as np

    return np.where(covered_headings(indexes, terms), 1.0 + HEADING_COVERAGE_BOOST, 1.0)


def covered_headings(indexes: Indexes, terms: Sequence[str]) -> Any:
    """Per section: whether its heading has at least HEADING_COVERAGE_MIN_WORDS content words and the
    question contains every one of them, or a word of its synonym group (`knowledge.synonyms.related`)."""
    import numpy as np

    from knowledge.synonyms import related

    words, sizes = indexes.heading_words, indexes.heading_sizes
    if words is None or sizes is None:
        return np.zeros(indexes.sections.size, dtype=bool)
    covered = np.zeros(words.size, dtype=np.int64)
    for word in {word for term in terms for word in related(term)}:
        term_id = words.vocabulary.get(word)
        if term_id is not None:
            covered[words.postings(term_id)[0]] += 1
    return (sizes >= HEADING_COVERAGE_MIN_WORDS) & (covered >= sizes)


def combine_factors(first: Any | None, second: Any | None) -> Any | None:
    """The product of two optional factor arrays (None stands for all ones)."""
    if first is None:
        return second
    if second is None:
        return first
    return first * second


_MARKUP = re.compile(r"[`*_\[\](){}<>\"'|]")
_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


def plain_words(text: str) -> list[str]:
    """Words of the plain index: whitespace-separated and lower-cased as written (`baseline_tokens`) once
    Markdown markup is gone — "`Dump`" is "dump" — sentence punctuation kept ("consistent?")."""
    from knowledge.tokenize import baseline_tokens

    return baseline_tokens(_MARKUP.sub(" ", text))


def plain_ranking(
    plain: SectionIndex, query: str, *, limit: int, language: str, mask: Any | None = None
) -> list[int]:
    """Sections by plain BM25 over the question's words as written (nothing stemmed or dropped), best
    first; other languages' sections × OTHER_LANGUAGE_FACTOR as in the analysed ranking. Only sections
    sharing a content word (not a stop word) with the question take part: in a small knowledge base
    "what" alone is rare enough to look informative."""
    import numpy as np

    from knowledge.tokenize import STOP_EN

    words = plain_words(query)
    content = [word for word in words if _EDGE_PUNCTUATION.sub("", word) not in STOP_EN]
    if not content:
        return []
    scores = np.where(plain.scores(content) > 0, plain.scores(words), 0.0)
    scores = np.where(plain.languages == language, scores, scores * OTHER_LANGUAGE_FACTOR)
    return plain.top(scores, limit, mask=mask)


def _reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]],
    *,
    k: int = 60,
    weights: Sequence[float] | None = None,
    factors: Any | None = None,
) -> list[int]:
    """Weighted reciprocal rank fusion (Cormack et al. 2009): Σ weight / (k + rank), times the section's
    prior factor (`factors[number]`) when given."""
    fused: dict[int, float] = {}
    for number_of_ranking, ranking in enumerate(rankings):
        weight = weights[number_of_ranking] if weights is not None else 1.0
        for rank, number in enumerate(ranking, 1):
            fused[number] = fused.get(number, 0.0) + weight / (k + rank)
    if factors is not None:
        fused = {number: value * float(factors[number]) for number, value in fused.items()}
    return sorted(fused, key=lambda n: -fused[n])


def section_json(section: Section, *, score: float) -> dict[str, Any]:
    """The JSON shape of one search result (`kb search --json`)."""
    return {
        "path": section.path,
        "heading": section.heading,
        "headings": list(section.headings),
        "title": section.title,
        "score": round(score, 4),
        "text": section.text,
    }


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
