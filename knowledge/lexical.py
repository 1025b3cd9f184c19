"""The lexical candidate generator: BM25F over each section's heading / heading trail / body, plus the
evidence of the whole document the section belongs to.

`build_lexical_index(db)` streams the sections' stored terms from the database into compact arrays (the
index keeps no section texts: hits read theirs); `LexicalIndex.scores` scores every section for a question.
Nothing here knows a particular product: the only word lists are the stop words (`knowledge/data/`) and the
synonym groups a deployer may give (`SALESBRIDGE_SYNONYMS_FILE`).
"""

from __future__ import annotations

import ctypes
import logging
import sys
import time
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select as sa_select
from sqlmodel import col, select

from bot.database import Database
from bot.models.knowledge import KnowledgeDocument, KnowledgeSection
from knowledge.embedding import section_passages, text_hash
from knowledge.index import DOCUMENT_PARAMS, IndexBuilder, SectionIndex
from knowledge.retrieval_config import RetrievalConfig
from knowledge.store import section_without_text
from knowledge.synonyms import NO_SYNONYMS, SynonymGroups
from knowledge.tokenize import add_terms, drop_stop_terms, is_new_word, learn_corpus_words, tokens

if TYPE_CHECKING:
    from knowledge.types import Section

logger = logging.getLogger(__name__)

LOAD_CHUNK_ROWS = 500  # sections fetched per round trip while the index is built
# jieba's HMM finds the corpus's own technical words (外键); the ones found in at least this many sections
# are taught to the dictionary, so a question segmented without the HMM still yields them as one word.
LEARNED_WORD_MIN_SECTIONS = 3
SUBWORD_WEIGHT = 0.5  # jieba's search mode yields a compound and its parts: the parts count half
REPEAT_WEIGHT = 0.5  # a term the asker repeats counts 1 + REPEAT_WEIGHT per repetition
COMMON_SHARE = (
    0.5  # a term in at least this share of the documents is the knowledge base's own (`everywhere`)
)


@dataclass(frozen=True)
class LexicalIndex:
    sections: SectionIndex  # BM25F over heading / context (title + trail) / body
    documents: SectionIndex  # one unit per document
    document_of: Any  # np.ndarray: section number → document number in `documents`
    section_hashes: Sequence[tuple[str, ...]]  # section number → hashes of its passages (`knowledge.vectors`)
    synonyms: SynonymGroups = NO_SYNONYMS  # the deployer's query-expansion groups (none by default)

    @property
    def size(self) -> int:
        return self.sections.size

    def everywhere(self, term: str) -> bool:
        """Whether `term` is written in at least half of the documents (three or more): the knowledge base's
        own vocabulary — its product's name — which tells one question from another nothing."""
        documents = self.documents
        term_id = documents.vocabulary.get(term)
        if term_id is None:
            return False
        count = int(documents.offsets[term_id + 1] - documents.offsets[term_id])
        return count >= 3 and count >= COMMON_SHARE * documents.size

    def scores(self, terms: Sequence[str], *, language: str, config: RetrievalConfig) -> Any:
        """Every section's lexical score for the question's terms (and their synonyms): BM25F + the
        document's evidence, × `other_language_factor` for sections in another language."""
        import numpy as np

        index = self.sections
        distinct = list(dict.fromkeys(terms))
        expansions = self.synonyms.expand(distinct)
        weights = {**query_term_weights(terms), **expansions}
        query_terms = [*distinct, *expansions]
        scores = index.scores(query_terms, term_weights=weights)
        if config.document_weight and self.documents.size:
            document_scores = self.documents.scores(query_terms, term_weights=weights)
            scores = scores + config.document_weight * document_scores[self.document_of]
        return scores * np.where(index.languages == language, 1.0, config.other_language_factor)


def query_term_weights(terms: Sequence[str]) -> dict[str, float]:
    """Weights of the question's terms: repeated terms count more, parts of a Chinese compound half."""
    distinct = list(dict.fromkeys(terms))
    weights = {t: SUBWORD_WEIGHT for t in distinct if any(t != other and t in other for other in distinct)}
    for term, count in Counter(terms).items():
        if count > 1:
            weights[term] = weights.get(term, 1.0) * (1.0 + REPEAT_WEIGHT * (count - 1))
    return weights


def build_lexical_index(db: Database, *, synonyms: SynonymGroups = NO_SYNONYMS) -> LexicalIndex:
    """Build the indexes streaming the sections' stored terms from the database in chunks: each row is
    turned into term ids at once and sections are kept without their text — one compact copy."""
    import numpy as np

    started = time.perf_counter()
    sections, documents_builder = IndexBuilder(), IndexBuilder(DOCUMENT_PARAMS)
    document_of = array("i")
    hashes: list[tuple[str, ...]] = []
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
    with db.session() as session:
        documents = {doc.id: doc for doc in session.exec(select(KnowledgeDocument))}
        add_terms([doc.title for doc in documents.values() if doc.language == "zh"])
        rows = session.execute(
            sa_select(*columns)
            .order_by(col(KnowledgeSection.document_id), col(KnowledgeSection.position))
            .execution_options(yield_per=LOAD_CHUNK_ROWS)
        )
        first: Section | None = None  # the current document's first section
        document_terms: list[str] = []
        for section_id, document_id, heading, trail, text, heading_terms, context_terms, body_terms in rows:
            document = documents.get(document_id)
            if document is None:
                continue
            section = section_without_text(
                section_id=section_id, document=document, heading=heading, headings=trail
            )
            if first is None or first.document_id != document_id:
                if first is not None:
                    _add_document_unit(documents_builder, first=first, terms=document_terms)
                first, document_terms = section, []
            heading_content = " ".join(drop_stop_terms(heading_terms.split()))
            sections.add(section, (heading_content, context_terms, body_terms))
            document_terms.extend((heading_content, body_terms))
            document_of.append(len(documents_builder.sections))
            passages = section_passages(
                title=document.title, headings=section.headings, heading=heading, text=text
            )
            hashes.append(tuple(text_hash(passage) for passage in passages))
        if first is not None:
            _add_document_unit(documents_builder, first=first, terms=document_terms)
    index = sections.finish()
    learned = learn_corpus_words(_corpus_new_words(index, min_sections=LEARNED_WORD_MIN_SECTIONS))
    learn_corpus_words(synonyms.chinese_words())  # a question's colloquial synonym stays one word
    lexical = LexicalIndex(
        sections=index,
        documents=documents_builder.finish(),
        document_of=np.frombuffer(document_of, dtype=np.int32).copy(),
        section_hashes=hashes,
        synonyms=synonyms,
    )
    release_freed_memory()
    logger.info(
        "knowledge index: %d sections of %d documents (%d corpus words learned) in %.0f ms",
        index.size,
        lexical.documents.size,
        learned,
        (time.perf_counter() - started) * 1000,
    )
    return lexical


def _add_document_unit(builder: IndexBuilder, *, first: Section, terms: Sequence[str]) -> None:
    """One whole document as a unit: its title as context, its sections' terms as body."""

    builder.add(first, ("", " ".join(tokens(first.title)), " ".join(terms)))


def _corpus_new_words(index: SectionIndex, *, min_sections: int) -> list[str]:
    """Chinese words of the index that jieba's dictionary lacks and that occur in enough sections."""
    import numpy as np

    sections_with = np.diff(index.offsets)
    return [
        w
        for w, term_id in index.vocabulary.items()
        if sections_with[term_id] >= min_sections and is_new_word(w)
    ]


def release_freed_memory() -> bool:
    """Hand the heap pages freed after an index build back to the OS (`malloc_trim(0)`, glibc only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True
