"""`RetrievalConfig`: the knobs of the retrieval pipeline (`knowledge.retrieval`) and of the lexical generator
(`knowledge.lexical`) — candidate counts, fusion weights, the other-language factor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetrievalConfig:
    candidates: int = 50  # sections each generator contributes to fusion
    other_language_factor: float = 0.75  # lexical scores of sections in another language than the question's
    document_weight: float = 0.3  # the whole document's BM25 score added to each of its sections
    rewrite_weight: float = 0.7  # each LLM rewrite of the question (only with a chat model configured)
    dense_weight: float = 1.0  # the dense generator's list in the fusion: as much as the lexical one
    lexical_weight: float = 1.0
    fusion: str = "standard"  # "standard": standard scores over each list (default); "rrf": reciprocal rank
    rrf_k: int = 60
    support_candidates: int = 3  # fused sections whose evidence the decision weighs
    # a long section split into parts ranks once, by its best part (the others go to the end of the ranking)
    one_part_per_section: bool = True
    # what an extractive answer quotes must be about the question by meaning: its first section, or else the
    # quoted text, at least this far above the question's 10th most similar section — else "not sure"
    min_quote_gap: float = 0.0
