"""The knowledge base's public vocabulary, shared by retrieval, answering, handlers and jobs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Section:
    """A retrievable unit: one heading's section of one document."""

    id: int
    document_id: int
    path: str  # relative to the folder given to `kb ingest`, or a URL / "faq:<id>" for chat-made entries
    title: str  # document title
    heading: str  # the section's own heading text ("" for the preamble)
    headings: tuple[str, ...]  # the trail of headings above it, outermost first, excluding `heading`
    text: str
    language: str  # "en" | "zh"
    updated: date | None = None
    product: str | None = None
    owner: str | None = None
    internal: bool = False  # from a document marked not for customers: answers quoting it say so
    verify_by: date | None = (
        None  # a PM answer's re-verification date: past it, answers say "unverified since"
    )


@dataclass(frozen=True)
class Hit:
    section: Section
    score: float
    rank: int = 0
    signals: dict[str, float] = field(default_factory=dict)  # per-retriever scores, for debugging/eval


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[Hit]
    confidence: float  # calibrated 0..1: how well the best hits support an answer
    answerable: bool  # the evidence supports an answer ("strong"); False: see `support`
    # "strong": answer; "weak": "I'm not sure — the closest sections I found" + ask a PM; "none": I don't know
    support: str = "none"
    # how informative each of the question's terms is in this knowledge base (its idf): what an extractive
    # answer weighs a sentence's shared words by (a word in every section, like the product name, says little)
    term_weights: dict[str, float] = field(default_factory=dict)
    # ids of the sections whose own evidence supports an answer (of those the decision weighed): an
    # extractive answer quotes each of them before any other section's sentences compete
    supporting: frozenset[int] = frozenset()
    # names the question asks about that the knowledge base never writes ("WhatsApp"), as the question wrote
    # them: an answer says so, whatever it quotes
    unknown_names: tuple[str, ...] = ()
    # whether what an answer would quote (its text, and the hits it quotes) is about the question by meaning;
    # None without a model
    about_question: Callable[[str, Sequence[Hit]], bool] | None = None
