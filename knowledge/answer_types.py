"""What `knowledge.answer.answer_question` returns: the answer and the sections it cites."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.messages import Citation
from knowledge.answer_text import internal_flag, section_trail


@dataclass(frozen=True)
class Source:
    """A cited section, with what the CLI's JSON and the database record need."""

    index: int
    path: str
    title: str
    heading: str
    headings: tuple[str, ...]
    score: float
    section_id: int
    language: str
    updated: date | None
    stale: bool
    owner: str | None = None
    internal: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "path": self.path,
            "title": self.title,
            "heading": self.heading,
            "headings": list(self.headings),
            "score": round(self.score, 4),
            "section_id": self.section_id,
            "language": self.language,
            "updated": self.updated.isoformat() if self.updated else None,
            "stale": self.stale,
            "internal": self.internal,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    language: str
    text: str
    answered: bool  # an answer was given (support "strong", for at least one part of the question)
    confidence: float
    method: str  # "extractive" | "llm" | "pm" | "none"
    sources: list[Source] = field(default_factory=list)
    search_query: str = ""
    notes: list[str] = field(default_factory=list)  # context lines: staleness, who answered, internal
    support: str = "none"  # "strong" | "weak" (not sure: closest sections) | "none" (I don't know)
    uncovered: list[str] = field(default_factory=list)  # the asks (of several) that got no answer
    evidence: list[str] = field(
        default_factory=list
    )  # paths of the best sections retrieval found, cited or not

    @property
    def citations(self) -> list[Citation]:
        flag = internal_flag(self.language)
        return [
            Citation(
                index=s.index,
                title=s.title,
                section=" · ".join(
                    part
                    for part in (
                        section_trail(title=s.title, headings=s.headings, heading=s.heading),
                        flag if s.internal else "",
                    )
                    if part
                ),
                source=s.path,
                updated=s.updated,
                stale=s.stale,
                language="zh" if self.language == "zh" else "en",
            )
            for s in self.sources
        ]

    @property
    def internal(self) -> bool:
        return any(s.internal for s in self.sources)

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "language": self.language,
            "answered": self.answered,
            "support": self.support,
            "uncovered": self.uncovered,
            "confidence": round(self.confidence, 4),
            "method": self.method,
            "citations": [s.as_json() for s in self.sources],
            "notes": self.notes,
        }
