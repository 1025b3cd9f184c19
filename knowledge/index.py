"""An in-memory BM25F index over sections, built from the terms stored at ingest (no re-tokenising).

Each section has three fields — its own heading, its context (document title + heading trail) and its
body — each length-normalised on its own and weighted (BM25F, Robertson & Zaragoza 2009). Postings are
numpy arrays per term holding the section numbers and their saturated BM25F weights *without* idf, so a
query is a handful of vectorised additions. numpy is imported when an index is built.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge.types import Section

FIELDS = ("heading", "context", "body")


@dataclass(frozen=True)
class BM25FParams:
    k1: float = 1.2
    weights: tuple[float, float, float] = (3.0, 1.5, 1.0)  # heading, context, body
    b: tuple[float, float, float] = (0.3, 0.5, 0.75)


DOCUMENT_PARAMS = BM25FParams(k1=1.2, weights=(0.0, 2.0, 1.0), b=(0.0, 0.3, 0.75))
HEADING_PARAMS = BM25FParams(k1=1.2, weights=(1.0, 0.0, 0.0), b=(0.75, 0.0, 0.0))
PLAIN_PARAMS = BM25FParams(k1=1.2, weights=(0.0, 0.0, 1.0), b=(0.0, 0.0, 0.75))  # classic BM25, one field


@dataclass(frozen=True)
class IndexedSection:
    section: Section
    fields: tuple[str, str, str]  # stored terms, space-separated, per field


@dataclass
class Ranking:
    ids: list[int]  # section numbers (positions in the index), best first
    scores: list[float]
    query_terms: list[str]  # unique, in query order
    idf: dict[str, float]


@dataclass
class SectionIndex:
    sections: list[Section]
    vocabulary: dict[str, int]
    postings_ids: list[Any]  # per term id: np.ndarray[int32] of section numbers (sorted)
    postings_tf: list[Any]  # per term id: np.ndarray[float32] saturated BM25F term weight (no idf)
    idf_values: Any  # np.ndarray[float64] per term id
    languages: Any  # np.ndarray[str] per section
    products: list[str | None]
    question_headings: Any  # np.ndarray[bool]: the section's heading is a question (an FAQ entry)
    params: BM25FParams = field(default_factory=BM25FParams)

    @property
    def size(self) -> int:
        return len(self.sections)

    @classmethod
    def build(cls, items: Sequence[IndexedSection], *, params: BM25FParams | None = None) -> SectionIndex:
        import numpy as np

        params = params or BM25FParams()
        n = len(items)
        vocabulary: dict[str, int] = {}
        lengths = np.zeros((n, 3), dtype=np.float64)
        occurrence_sections: list[Any] = []
        occurrence_terms: list[Any] = []
        occurrence_fields: list[Any] = []
        for f in range(3):
            if params.weights[f] == 0.0:
                continue
            term_ids: list[int] = []
            counts: list[int] = []
            for item in items:
                terms = item.fields[f].split()
                counts.append(len(terms))
                term_ids.extend([vocabulary.setdefault(term, len(vocabulary)) for term in terms])
            lengths[:, f] = counts
            occurrence_sections.append(np.repeat(np.arange(n, dtype=np.int64), counts))
            occurrence_terms.append(np.asarray(term_ids, dtype=np.int64))
            occurrence_fields.append(np.full(len(term_ids), f, dtype=np.int64))
        averages = np.maximum(lengths.mean(axis=0), 1.0) if n else np.ones(3)
        norms = 1.0 - np.array(params.b) + np.array(params.b) * (lengths / averages)  # (n, 3)
        vocabulary_size = max(len(vocabulary), 1)
        empty = np.zeros(0, dtype=np.int64)
        sections: Any = np.concatenate(occurrence_sections) if occurrence_sections else empty
        term_numbers: Any = np.concatenate(occurrence_terms) if occurrence_terms else empty
        fields: Any = np.concatenate(occurrence_fields) if occurrence_fields else empty
        # Each occurrence contributes w_f / norm_f(section) to its (term, section) pseudo-frequency.
        contribution = (
            np.asarray(params.weights)[fields] / norms[sections, fields] if len(fields) else np.zeros(0)
        )
        keys, inverse = np.unique(
            term_numbers * n + sections, return_inverse=True
        )  # sorted by term, then section
        tf = np.bincount(inverse, weights=contribution, minlength=len(keys)).astype(np.float32)
        k1 = params.k1
        saturated = tf * (k1 + 1.0) / (tf + k1)
        key_terms = keys // max(n, 1)
        key_sections = (keys % max(n, 1)).astype(np.int32)
        bounds = np.searchsorted(key_terms, np.arange(vocabulary_size + 1))
        postings_ids = [key_sections[bounds[t] : bounds[t + 1]] for t in range(len(vocabulary))]
        postings_tf = [saturated[bounds[t] : bounds[t + 1]] for t in range(len(vocabulary))]
        df = np.diff(bounds)[: len(vocabulary)].astype(np.float64)
        idf_values = np.log(1.0 + (n - df + 0.5) / (df + 0.5)) if len(df) else np.zeros(0)
        return cls(
            sections=[item.section for item in items],
            vocabulary=vocabulary,
            postings_ids=postings_ids,
            postings_tf=postings_tf,
            idf_values=idf_values,
            languages=np.array([item.section.language for item in items], dtype=object),
            products=[item.section.product for item in items],
            question_headings=np.array(
                [item.section.heading.rstrip().endswith(("?", "？")) for item in items], dtype=bool
            ),
            params=params,
        )

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
            scores[self.postings_ids[term_id]] += weight * self.postings_tf[term_id]
        return scores

    def contains(self, number: int, term: str) -> bool:
        import numpy as np

        term_id = self.vocabulary.get(term)
        if term_id is None:
            return False
        ids = self.postings_ids[term_id]
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
