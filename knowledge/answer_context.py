"""Which evidence a question is answered from: thread context for follow-ups, the asker's language, and
what the retrieval's decision means for the answer (`support_of`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from knowledge.tokenize import tokens
from knowledge.types import Hit, SearchResult, Section

SAME_LANGUAGE_RATIO = 0.5  # prefer sections in the asker's language scoring at least this share of the best


class Searcher(Protocol):
    def search(self, query: str, *, k: int = 5) -> SearchResult: ...


_FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|what about|how about|what if|same for|then|but|or|那|那么|还有|另外|如果|同样|再问)",
    re.IGNORECASE,
)
FOLLOW_UP_TERMS = 2  # a question with this few content terms leans on the one before it
EVIDENCE_HITS = 3  # the sections a follow-up's own word must appear in, read with its thread
# an ask is answered within its whole question when the first section found holds this share of its words
ASK_COVERAGE_FLOOR = 0.5


def is_follow_up(question: str) -> bool:
    """ "And on Enterprise?", "what about Growth", "那企业版呢？" — questions that lean on the previous one."""
    return says_follow_up(question) or len(tokens(question)) <= FOLLOW_UP_TERMS


def says_follow_up(question: str) -> bool:
    """The question opens like a follow-up ("and", "what about", "那") or ends on 呢."""
    stripped = question.strip().rstrip("?？!！。. ")
    return bool(_FOLLOW_UP.match(stripped)) or stripped.endswith("呢")


def search_with_context(
    *, knowledge: Searcher, question: str, context: str | None, k: int
) -> tuple[SearchResult, str]:
    """Search for the question; in a thread, also together with the earlier question.

    A follow-up ("and on Enterprise?") is read with the earlier question; a complete new question in an
    old thread is answered on its own, unless only the context makes it answerable.
    """
    own = knowledge.search(question, k=k)
    if not context or context.strip() == question.strip():
        return own, question
    combined_query = f"{context} {question}"
    combined = knowledge.search(combined_query, k=k)
    # a short question is a follow-up only when it says so or cannot be answered alone: "How many
    # sandboxes does Enterprise have?" is short, and complete
    if says_follow_up(question) or (is_follow_up(question) and not own.answerable):
        if (combined.answerable or combined.confidence >= own.confidence) and _speaks_of(combined, own):
            return combined, combined_query
        return own, question
    if not own.answerable and combined.answerable:
        return combined, combined_query
    return own, question


def search_ask(
    *, knowledge: Searcher, ask: str, question: str, context: str | None, k: int
) -> tuple[SearchResult, str]:
    """One ask of a question with several: searched on its own (with the thread's context), or within the
    whole question when the section found first that way says at least half of what the ask asks, and as
    much as the ask's own first section. Reps leave the subject out of later asks — "How do we push HTTP
    traffic to HTTPS? What status is returned, and is the query string kept?" — and searched alone, "is the
    query string kept?" quoted any API's query parameters; an ask about something else ("… and how long are
    audit logs kept?") finds no such section there and is searched alone, answered or said to be uncovered.
    Returns the result and the text its quotes answer."""
    own, query = search_with_context(knowledge=knowledge, question=ask, context=context, k=k)
    weights = own.term_weights
    if not weights:  # nothing to weigh the sections by
        return own, query
    within = knowledge.search(f"{question} {ask}", k=k)  # the ask's words count more (repeated terms do)
    said = first_coverage(within, weights)
    if within.answerable and said >= max(ASK_COVERAGE_FLOOR, first_coverage(own, weights)):
        return within, ask  # the whole question finds the sections, the ask's own words pick the quotes
    return own, query


def first_coverage(result: SearchResult, weights: dict[str, float]) -> float:
    """The share of the term weight `weights` gives that the result's first section holds (0: none)."""
    total = sum(weights.values())
    if total <= 0 or not result.hits:
        return 0.0
    words = section_words(result.hits[0].section)
    return sum(weight for term, weight in weights.items() if term in words) / total


def section_words(section: Section) -> set[str]:
    """The terms of a section's title, heading trail, heading and text."""
    return set(tokens(f"{section.title}\n{' '.join(section.headings)}\n{section.heading}\n{section.text}"))


def _speaks_of(combined: SearchResult, own: SearchResult) -> bool:
    """The sections found for the question with its context mention the follow-up's own most informative
    word ("Starter" in "what about Starter?"): "支持 WhatsApp 吗？" after a question about Alipay is a new
    question, not to be answered from the Alipay sections. Without term weights: yes."""
    if not own.term_weights:
        return True
    key = max(own.term_weights, key=lambda term: own.term_weights[term])
    return any(key in section_words(hit.section) for hit in combined.hits[:EVIDENCE_HITS])


def prefer_language(hits: Sequence[Hit], language: str) -> list[Hit]:
    """Sections in the asker's language when they are nearly as good as the best one."""
    if not hits:
        return []
    best = hits[0].score
    same = [h for h in hits if h.section.language == language]
    if same and (best <= 0 or same[0].score >= SAME_LANGUAGE_RATIO * best):
        return same
    return list(hits)


def support_of(result: SearchResult) -> str:
    """ "strong" exactly when retrieval says answerable; "weak" only when it says so."""
    if result.answerable and result.hits:
        return "strong"
    return "weak" if result.support == "weak" and result.hits else "none"
