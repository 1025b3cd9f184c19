"""Short texts grouped by meaning — the questions the knowledge base could not answer, so a PM reads "asked 7
times" once instead of seven wordings of it.

Two texts say the same thing when
- their retrieval terms (`knowledge.tokenize.tokens`: English stems, Chinese words) overlap by at least
  `LEXICAL_SHARE` of their union ("Can customers pay with PayPal?" ↔ "Can customers pay their invoices with
  PayPal?") and no slot is swapped ("… with PayPal?" ↔ "… with Alipay?", `knowledge.semantic.swapped_slot`); or
- an embedding model is given and `knowledge.semantic.same_meaning` holds for their passage vectors — the
  calibrated rule requests and PM answers use, which also pairs a Chinese question with its English paraphrase.

Greedy, in the order given (callers put the most asked first): each text joins the first group whose first
text it matches, else it starts a group.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from knowledge.embedding import Embedder
from knowledge.semantic import same_meaning, swapped_slot, text_vectors
from knowledge.tokenize import tokens

logger = logging.getLogger(__name__)

LEXICAL_SHARE = 0.6


def _terms(text: str) -> list[str]:
    return tokens(text, query=True)


def lexically_same(a: str, b: str, *, terms_a: set[str], terms_b: set[str]) -> bool:
    """The same question in other words, judged on retrieval terms alone."""
    if not terms_a or not terms_b:
        return a.strip().lower() == b.strip().lower()
    share = len(terms_a & terms_b) / len(terms_a | terms_b)
    return share >= LEXICAL_SHARE and not swapped_slot(a, b, terms=_terms)


def group_by_meaning(
    texts: Sequence[str], *, embedder: Embedder | None = None, session: Session | None = None
) -> list[int]:
    """The group number of each text (0, 1, … in order of first appearance). With an `embedder` and a
    `session`, vectors come from `knowledge_vector` (or are embedded and stored there)."""
    vectors: dict[str, Any] = {}
    if embedder is not None and session is not None and texts:
        try:
            vectors = text_vectors(session=session, embedder=embedder, texts=list(texts))
        except Exception:  # the model failing leaves the lexical grouping
            logger.exception("embedding questions for grouping failed")
            vectors = {}
    terms = [set(_terms(text)) for text in texts]
    leaders: list[int] = []  # the index of each group's first text
    groups: list[int] = []
    for index, text in enumerate(texts):
        found = -1
        for group, leader in enumerate(leaders):
            other = texts[leader]
            if lexically_same(text, other, terms_a=terms[index], terms_b=terms[leader]):
                found = group
                break
            if text in vectors and other in vectors:
                cosine = float(vectors[text] @ vectors[other])
                if same_meaning(text, other, cosine=cosine, terms=_terms):
                    found = group
                    break
        if found < 0:
            found = len(leaders)
            leaders.append(index)
        groups.append(found)
    return groups
