"""An in-memory BM25F index over sections, built from the terms stored at ingest (no re-tokenising).

Each section has three fields — its own heading, its context (document title + heading trail) and its
body — each length-normalised on its own and weighted (BM25F, Robertson & Zaragoza 2009). Postings are
stored CSR-style: one int32 array of section numbers and one float32 array of saturated BM25F weights
*without* idf, term after term, plus an offsets array — so a query is a handful of vectorised additions
and the index costs ~8 bytes per (term, section) pair. `IndexBuilder` takes sections one at a time
(streamed from the database) into 4-byte term-id arrays. numpy is imported when an index is built.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge.tokenize import chinese_characters
from knowledge.types import Section

FIELDS = ("heading", "context", "body")


@dataclass(frozen=True)
class BM25FParams:
    k1: float = 1.2
    weights: tuple[float, float, float] = (3.0, 1.5, 1.0)  # heading, context, body
    b: tuple[float, float, float] = (0.3, 0.5, 0.75)


DOCUMENT_PARAMS = BM25FParams(k1=1.2, weights=(0.0, 2.0, 1.0), b=(0.0, 0.3, 0.75))
PLAIN_PARAMS = BM25FParams(k1=1.2, weights=(0.0, 0.0, 1.0), b=(0.0, 0.0, 0.75))  # classic BM25, one field


@dataclass(frozen=True)
class IndexedSection:
    section: Section
    fields: tuple[str, str, str]  # stored terms, space-separated, per field


class IndexBuilder:
    """Collects sections one at a time into compact term-id arrays (4 bytes per term occurrence), so a
    large knowledge base is streamed from the database without holding its term strings or Python lists
    of ints; `finish` turns them into a `SectionIndex`."""

    def __init__(self, params: BM25FParams | None = None) -> None:
        self.params = params or BM25FParams()
        self.vocabulary: dict[str, int] = {}
        self._terms = [array("i") for _ in FIELDS]  # per field: term ids, section after section
        self._lengths = [array("i") for _ in FIELDS]  # per field: terms per section
        self.sections: list[Section] = []

    def add(self, section: Section, fields: tuple[str, str, str]) -> None:
        """Add one section with its stored terms (space-separated) per field."""
        vocabulary = self.vocabulary
        for f in range(3):
            if self.params.weights[f] == 0.0:
                self._lengths[f].append(0)
                continue
            terms = fields[f].split()
            self._lengths[f].append(len(terms))
            self._terms[f].extend([vocabulary.setdefault(term, len(vocabulary)) for term in terms])
        self.sections.append(section)

    def finish(self) -> SectionIndex:
        import numpy as np

        params, sections = self.params, self.sections
        n = len(sections)
        vocabulary_size = len(self.vocabulary)
        lengths = np.zeros((n, 3), dtype=np.float64)
        for f in range(3):
            lengths[:, f] = np.frombuffer(self._lengths[f], dtype=np.int32) if n else 0
        averages = np.maximum(lengths.mean(axis=0), 1.0) if n else np.ones(3)
        norms = 1.0 - np.array(params.b) + np.array(params.b) * (lengths / averages)  # (n, 3)
        del lengths
        # Occurrences field after field (the order the pseudo-frequencies are summed in), as int64 keys
        # term · n + section, sorted by term then section, and each one's contribution w_f / norm_f.
        keys_parts: list[Any] = []
        contribution_parts: list[Any] = []
        for f in range(3):
            counts = np.frombuffer(self._lengths[f], dtype=np.int32)
            if params.weights[f] == 0.0 or not len(self._terms[f]):
                continue
            occurrence_sections = np.repeat(np.arange(n, dtype=np.int64), counts)
            keys_parts.append(np.frombuffer(self._terms[f], dtype=np.int32).astype(np.int64) * n)
            keys_parts[-1] += occurrence_sections
            contribution_parts.append(params.weights[f] / norms[occurrence_sections, f])
            del occurrence_sections
            self._terms[f] = array("i")
        del norms
        if keys_parts:
            occurrence_keys = np.concatenate(keys_parts) if len(keys_parts) > 1 else keys_parts[0]
            contribution = (
                np.concatenate(contribution_parts) if len(contribution_parts) > 1 else contribution_parts[0]
            )
            del keys_parts, contribution_parts
            keys, inverse = np.unique(occurrence_keys, return_inverse=True)
            del occurrence_keys
            tf = np.bincount(inverse, weights=contribution, minlength=len(keys)).astype(np.float32)
            del inverse, contribution
        else:
            keys, tf = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k1 = params.k1
        saturated = (tf * (k1 + 1.0) / (tf + k1)).astype(np.float32)
        del tf
        width = max(n, 1)
        posting_sections = (keys % width).astype(np.int32)
        offsets = np.searchsorted(keys // width, np.arange(vocabulary_size + 1)).astype(np.int64)
        del keys
        df = np.diff(offsets).astype(np.float64)
        idf_values = np.log(1.0 + (n - df + 0.5) / (df + 0.5)) if len(df) else np.zeros(0)
        self._lengths = [array("i") for _ in FIELDS]
        return SectionIndex(
            sections=sections,
            vocabulary=self.vocabulary,
            offsets=offsets,
            posting_sections=posting_sections,
            posting_weights=saturated,
            idf_values=idf_values,
            languages=np.array([section.language for section in sections], dtype=object),
            products=[section.product for section in sections],
            params=params,
        )


@dataclass
class SectionIndex:
    sections: list[Section]
    vocabulary: dict[str, int]
    offsets: Any  # np.ndarray[int64], vocabulary size + 1: term t's postings are [offsets[t], offsets[t+1])
    posting_sections: Any  # np.ndarray[int32]: section numbers, sorted within each term (CSR layout)
    posting_weights: Any  # np.ndarray[float32]: saturated BM25F term weight (no idf), per posting
    idf_values: Any  # np.ndarray[float64] per term id
    languages: Any  # np.ndarray[str] per section
    products: list[str | None]
    params: BM25FParams = field(default_factory=BM25FParams)
    _characters: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def size(self) -> int:
        return len(self.sections)

    @property
    def characters(self) -> frozenset[str]:
        """The Chinese characters the vocabulary's terms are written with (collected on first use)."""
        if self._characters is None:
            self._characters = frozenset(c for term in self.vocabulary for c in chinese_characters(term))
        return self._characters

    @classmethod
    def build(cls, items: Sequence[IndexedSection], *, params: BM25FParams | None = None) -> SectionIndex:
        builder = IndexBuilder(params)
        for item in items:
            builder.add(item.section, item.fields)
        return builder.finish()

    def postings(self, term_id: int) -> tuple[Any, Any]:
        """(section numbers, saturated weights) of one term: views into the CSR arrays."""
        start, end = int(self.offsets[term_id]), int(self.offsets[term_id + 1])
        return self.posting_sections[start:end], self.posting_weights[start:end]

    @property
    def postings_ids(self) -> list[Any]:
        """Per term id, its section numbers (views; for inspection and benchmarks, not the hot path)."""
        return [self.postings(t)[0] for t in range(len(self.offsets) - 1)]

    @property
    def postings_tf(self) -> list[Any]:
        """Per term id, its saturated weights (views; for inspection and benchmarks)."""
        return [self.postings(t)[1] for t in range(len(self.offsets) - 1)]

    def idf(self, term: str) -> float:
        """idf of a term; a term the corpus never saw gets the idf of a term seen once (it is informative)."""
        term_id = self.vocabulary.get(term)
        if term_id is None:
            return math.log(1.0 + (self.size - 1 + 0.5) / 1.5) if self.size else 0.0
        return float(self.idf_values[term_id])

    def scores(self, query_terms: Sequence[str], *, term_weights: dict[str, float] | None = None) -> Any:
        import numpy as np

        scores = np.zeros(self.size, dtype=np.float64)
        for term in dict.fromkeys(query_terms):
            term_id = self.vocabulary.get(term)
            if term_id is None:
                continue
            weight = float(self.idf_values[term_id]) * (term_weights or {}).get(term, 1.0)
            ids, weights = self.postings(term_id)
            scores[ids] += weight * weights
        return scores

    def contains(self, number: int, term: str) -> bool:
        import numpy as np

        term_id = self.vocabulary.get(term)
        if term_id is None:
            return False
        ids, _ = self.postings(term_id)
        position = int(np.searchsorted(ids, number))
        return position < len(ids) and int(ids[position]) == number

    def top(self, scores: Any, k: int, *, mask: Any | None = None) -> list[int]:
        import numpy as np

        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        positive = int(np.count_nonzero(scores > 0))
        k = min(k, positive)
        if k <= 0:
            return []
        candidates = np.argpartition(-scores, k - 1)[:k]
        return [int(i) for i in candidates[np.argsort(-scores[candidates], kind="stable")]]
