"""The evidence a candidate section gives for answering a question: the features the decision weighs
(`knowledge.decision`). Computed from the lexical index and the dense similarities; nothing corpus-specific.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from knowledge.synonyms import NO_SYNONYMS, SynonymGroups
from knowledge.tokenize import asked_sentences, chinese_characters, named_word_forms, tokens

if TYPE_CHECKING:
    from knowledge.index import SectionIndex

# A Chinese question word the corpus lacks as a word but writes every character of (colloquial 压测, 更慢,
# clipped 修) is half unknown: it may be a paraphrase of the corpus's words as much as a missing subject.
PART_KNOWN_UNKNOWNNESS = 0.5
MIN_ASKED_TERMS = 2  # fewer content terms in the asking sentences ("Is it?"): they refer back
DENSE_GAP_RANK = 10  # the dense gap is measured against the question's 10th most similar section


def question_evidence(
    *, index: SectionIndex, query: str, terms: Sequence[str], synonyms: SynonymGroups = NO_SYNONYMS
) -> dict[str, Any]:
    """What is computed once per question: idf of its terms, which the corpus knows, unknown names."""
    related = synonyms.related
    distinct = list(dict.fromkeys(terms))
    known = {term: any(t in index.vocabulary for t in related(term)) for term in distinct}
    compounds = known_compound_parts(distinct, known)
    for term in compounds:
        known[term] = True
    unknown = unknown_subject_forms(query, vocabulary=index.vocabulary)
    return {
        "terms": distinct,
        "idf": {term: index.idf(term) for term in distinct},
        "known": known,
        "compounds": compounds,
        "unknown_names": [term for _, term in unknown],
        "unknown_words": tuple(dict.fromkeys(word for word, _ in unknown)),  # as the question writes them
        "related": related,
    }


def candidate_features(
    *,
    index: SectionIndex,
    question: dict[str, Any],
    number: int,
    lexical_score: float,
    similarities: Any | None,
    dense_floor: float,
) -> dict[str, float]:
    """The decision's features for section `number` (see `knowledge.decision`)."""
    related = question["related"]
    idf: dict[str, float] = question["idf"]
    total = sum(idf.values()) or 1.0
    in_section = {term: any(index.contains(number, t) for t in related(term)) for term in question["terms"]}
    for term, parts in question["compounds"].items():
        in_section[term] = all(in_section[part] for part in parts)
    covered = sum(weight for term, weight in idf.items() if in_section[term])
    unknown = sum(
        weight * unknownness(term, characters=index.characters)
        for term, weight in idf.items()
        if not question["known"][term]
    )
    best_possible = total * (index.params.k1 + 1.0)
    rarest_possible = math.log(1.0 + index.size) or 1.0  # about the idf of a term only one section has
    dense = float(similarities[number]) if similarities is not None else 0.0
    return {
        "coverage": covered / total,
        "unknown": unknown / total,
        "strength": float(lexical_score) / best_possible if best_possible else 0.0,
        "unknown_names": float(min(len(question["unknown_names"]), 1)),
        # how much the question says: one common word ("Teams?") is covered by chance, several rare ones not
        "information": sum(idf.values()) / rarest_possible,
        "dense": dense,
        "dense_gap": dense - dense_floor if similarities is not None else 0.0,
    }


def dense_floor(similarities: Any | None) -> float:
    """The question's DENSE_GAP_RANK-th highest similarity (0 without similarities)."""
    if similarities is None or len(similarities) == 0:
        return 0.0
    import numpy as np

    rank = min(DENSE_GAP_RANK, len(similarities)) - 1
    return float(-np.partition(-np.asarray(similarities), rank)[rank])


def known_compound_parts(terms: Sequence[str], known: dict[str, bool]) -> dict[str, list[str]]:
    """Chinese question words the corpus lacks whose every character lies in a known shorter question
    word inside them (jieba's search mode yields 中文论坛 and 中文, 论坛): word → its known parts."""

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
    """How unknown a term the corpus lacks is: PART_KNOWN_UNKNOWNNESS for a Chinese word whose every
    character the corpus writes, 1 otherwise."""

    chars = chinese_characters(term)
    if chars and len(chars) == len(term) and all(char in characters for char in chars):
        return PART_KNOWN_UNKNOWNNESS
    return 1.0


def unknown_subject_names(query: str, *, vocabulary: Any) -> list[str]:
    """Names the question asks about that the knowledge base has never seen (`AutoShard`, `OceanBase`).
    Names in a context sentence do not count unless the asking sentences only refer back ("… Is it?").
    A compound name is known when its parts are ("RAM-based")."""

    return [term for _, term in unknown_subject_forms(query, vocabulary=vocabulary)]


def unknown_subject_forms(query: str, *, vocabulary: Any) -> list[tuple[str, str]]:
    """`unknown_subject_names`, each with the word as the question writes it: ("WhatsApp", "whatsapp")."""
    asked = asked_sentences(query)
    subject = asked if len(set(tokens(asked, query=True))) >= MIN_ASKED_TERMS else query
    return [
        (word, name)
        for word, name, parts in named_word_forms(subject)
        if name not in vocabulary and (not parts or any(part not in vocabulary for part in parts))
    ]
