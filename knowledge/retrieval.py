"""Retrieval as a short pipeline of named stages, configured by one `RetrievalConfig`:

1. candidates — the lexical generator (`knowledge.lexical`: BM25F + document evidence, for the question
   and, when a chat model is configured, its rewrites) and the dense
   generator (`knowledge.dense`: cosine similarity of the multilingual embeddings);
2. fusion — the weighted sum of each generator's standard scores over its own candidates
   (`standard_score_fusion`; reciprocal rank fusion as the alternative), a split section then ranking once
   (`one_part_per_section`);
3. decision — the calibrated answer / not sure / don't know decision (`knowledge.decision`) over the
   evidence of the first few fused sections (`knowledge.evidence`), the best of them counting.

`RetrievalConfig` is defined in `knowledge.retrieval_config` (the lexical generator reads it without importing
the pipeline) and importable from here as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from knowledge.evidence import candidate_features, dense_floor, question_evidence
from knowledge.retrieval_config import RetrievalConfig
from knowledge.tokenize import tokens

if TYPE_CHECKING:
    from knowledge.decision import DecisionModel
    from knowledge.dense import DenseIndex
    from knowledge.lexical import LexicalIndex


AGREEMENT_DEPTH = 10  # a candidate both generators rank this high: the "agreement" evidence


@dataclass(frozen=True)
class Retrieved:
    """The pipeline's output: fused section numbers (best first) and the decision."""

    ranked: list[int]
    lexical_scores: Any  # np.ndarray: every section's lexical score (what a hit shows)
    similarities: Any | None  # np.ndarray of cosine similarities, None without dense retrieval
    confidence: float
    support: str  # "strong" | "weak" | "none"
    features: dict[str, float] = field(default_factory=dict)  # of the section the decision judged
    judged: list[tuple[int, dict[str, float]]] = field(default_factory=list)  # every weighed candidate
    supporting: list[int] = field(default_factory=list)  # the judged sections whose own evidence is strong
    unknown_names: tuple[str, ...] = ()  # names asked about that the knowledge base never writes ("WhatsApp")
    vector: Any | None = None  # the question's embedding (None: lexical only)
    dense_floor: float = 0.0  # the question's 10th highest similarity to a section


def retrieve(
    *,
    query: str,
    language: str,
    lexical: LexicalIndex,
    dense: DenseIndex | None,
    decision: DecisionModel,
    config: RetrievalConfig,
    mask: Any | None = None,
    rewrites: Sequence[str] = (),
    query_vector: Callable[[str], Any | None] | None = None,
    closest: DecisionModel | None = None,
) -> Retrieved | None:
    """Run the stages for one question; None when the question has no searchable term or the knowledge
    base is empty. `query_vector` embeds the question (None: lexical only, or the embedding failed).
    `closest`, when `decision` does not answer, judges the candidates in another language than the
    question's: whether they are worth showing ("not sure — the closest sections") rather than "I don't
    know" — the question's words cannot match them, only its meaning."""

    terms = tokens(query, query=True)
    if not terms or lexical.size == 0:
        return None
    index = lexical.sections
    limit = config.candidates
    scores = lexical.scores(terms, language=language, config=config)
    lists: list[Candidates] = [Candidates(index.top(scores, limit, mask=mask), scores, config.lexical_weight)]
    for rewrite in rewrites:
        rewrite_terms = tokens(rewrite, query=True)
        if rewrite_terms:
            rewrite_scores = lexical.scores(rewrite_terms, language=language, config=config)
            lists.append(
                Candidates(index.top(rewrite_scores, limit, mask=mask), rewrite_scores, config.rewrite_weight)
            )
    similarities, dense_list, floor = None, [], 0.0
    vector = (
        query_vector(query)
        if query_vector and dense is not None and dense.size and config.dense_weight
        else None
    )
    if dense is not None and vector is not None:
        similarities = dense.similarities(vector, size=lexical.size)
        dense_list, floor = dense.top(similarities, limit, mask=mask), dense_floor(similarities)
        lists.append(Candidates(dense_list, similarities, config.dense_weight, known=dense.embedded))
    if config.fusion == "standard":
        ranked = standard_score_fusion(lists)
    else:
        ranked = reciprocal_rank_fusion(
            [c.numbers for c in lists], weights=[c.weight for c in lists], k=config.rrf_k
        )
    if not ranked:
        return None
    if config.one_part_per_section:
        ranked = one_part_per_section(ranked, index.sections)
    question = question_evidence(index=index, query=query, terms=terms, synonyms=lexical.synonyms)
    agreeing = set(lists[0].numbers[:AGREEMENT_DEPTH]) & set(dense_list[:AGREEMENT_DEPTH])
    judged = [
        (
            number,
            {
                **candidate_features(
                    index=index,
                    question=question,
                    number=number,
                    lexical_score=float(scores[number]),
                    similarities=similarities,
                    dense_floor=floor,
                ),
                "agreement": float(number in agreeing),
            },
        )
        for number in ranked[: config.support_candidates]
    ]
    features = dict(decision.best([f for _, f in judged]))
    confidence = decision.confidence(features)
    support = decision.support(confidence, features)
    if support != "strong" and closest is not None:
        across = [f for number, f in judged if index.languages[number] != language]
        if any(closest.verdict(f) == "strong" for f in across):
            support = "weak"  # not an answer, but the closest sections are worth showing
    return Retrieved(
        ranked=ranked,
        lexical_scores=scores,
        similarities=similarities,
        confidence=confidence,
        support=support,
        features=features,
        judged=judged,
        supporting=[number for number, f in judged if decision.verdict(f) == "strong"],
        unknown_names=question["unknown_words"],
        vector=vector,
        dense_floor=floor,
    )


@dataclass(frozen=True)
class Candidates:
    """One generator's candidate list: section numbers (best first), the scores it gives every section,
    and the list's weight in the fusion (a section not embedded yet has no dense score: it counts as
    average, neither lifted nor sunk)."""

    numbers: list[int]
    scores: Any
    weight: float
    known: Any | None = None  # np.ndarray of bool: sections the generator can score (None: all)


def standard_score_fusion(lists: Sequence[Candidates]) -> list[int]:
    """Weighted sum of standard scores: each generator's scores are standardised over its own candidate
    list ((score − mean) / deviation), so BM25 points and cosine similarities add up on one scale whatever
    the corpus, and a section one generator finds far above its other candidates stands out. Every section
    of any list is scored by every generator (the generators score all sections)."""
    import numpy as np

    pool = list(dict.fromkeys(n for candidates in lists for n in candidates.numbers))
    if not pool:
        return []
    fused = np.zeros(len(pool))
    for candidates in lists:
        scores = np.asarray(candidates.scores, dtype=np.float64)
        population = scores[candidates.numbers]
        deviation = float(population.std()) if population.size > 1 else 0.0
        if deviation <= 0:
            continue
        standard = (scores[pool] - float(population.mean())) / deviation
        if candidates.known is not None:
            standard = np.where(candidates.known[pool], standard, 0.0)
        fused += candidates.weight * standard
    return [pool[i] for i in np.argsort(-fused, kind="stable")]


def one_part_per_section(ranked: Sequence[int], sections: Sequence[Any]) -> list[int]:
    """The ranking with each split section once, where its best part ranks; its other parts go to the end
    (two parts of one long FAQ answer took two of a rep's five citations and two of the decision's three
    candidates)."""
    seen: set[tuple[Any, ...]] = set()
    first: list[int] = []
    later: list[int] = []
    for number in ranked:
        section = sections[number]
        key = (section.document_id, section.headings, section.heading)
        (later if key in seen else first).append(number)
        seen.add(key)
    return first + later


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], *, weights: Sequence[float] | None = None, k: int = 60
) -> list[int]:
    """Weighted reciprocal rank fusion (Cormack et al. 2009): Σ weight / (k + rank), best first."""
    fused: dict[int, float] = {}
    for position, ranking in enumerate(rankings):
        weight = weights[position] if weights is not None else 1.0
        for rank, number in enumerate(ranking, 1):
            fused[number] = fused.get(number, 0.0) + weight / (k + rank)
    return sorted(fused, key=lambda n: -fused[n])
