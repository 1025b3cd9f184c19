"""Answer a question from the knowledge base: retrieval, then an LLM answer or an extractive one, with
numbered citations (title, section, updated date) and a flag on stale documents.

`answer_question(...)` is shared by the chat handler (`handlers/ask.py`) and `salesbridge kb ask`.
When the retrieval evidence is too weak (`SearchResult.answerable` is false), or the model says the
sources do not contain the answer, the `Answer` has `answered=False`: the caller says "I don't know"
and escalates to the product managers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from bot.i18n import detect_language, pick
from bot.messages import Citation
from knowledge.types import Hit, SearchResult

if TYPE_CHECKING:
    from bot.llm import LLM

logger = logging.getLogger(__name__)

EXTRACTIVE_SECTIONS = 5  # sections whose sentences compete for an extractive answer
LLM_SECTIONS = 5  # sections given to the model
SAME_LANGUAGE_RATIO = 0.5  # prefer sections in the asker's language scoring at least this share of the best


class Searcher(Protocol):
    def search(self, query: str, *, k: int = 5) -> SearchResult: ...


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
        }


@dataclass(frozen=True)
class Answer:
    question: str
    language: str
    text: str
    answered: bool
    confidence: float
    method: str  # "extractive" | "llm" | "none"
    sources: list[Source] = field(default_factory=list)
    search_query: str = ""
    notes: list[str] = field(default_factory=list)  # context lines: staleness, how it was written

    @property
    def citations(self) -> list[Citation]:
        return [
            Citation(
                index=s.index,
                title=s.title,
                section=section_trail(title=s.title, headings=s.headings, heading=s.heading),
                source=s.path,
                updated=s.updated,
                stale=s.stale,
            )
            for s in self.sources
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "language": self.language,
            "answered": self.answered,
            "confidence": round(self.confidence, 4),
            "method": self.method,
            "citations": [s.as_json() for s in self.sources],
            "notes": self.notes,
        }


def section_trail(*, title: str, headings: Sequence[str], heading: str) -> str:
    """ "Plans › Limits" — the heading trail without the document title repeated."""
    return " › ".join(h for h in (*headings, heading) if h and h.strip() != title.strip())


def is_stale(updated: date | None, *, today: date, stale_days: int) -> bool:
    return updated is not None and stale_days > 0 and (today - updated).days > stale_days


_FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|what about|how about|what if|same for|then|but|or|那|那么|还有|另外|如果|同样|再问)",
    re.IGNORECASE,
)
FOLLOW_UP_TERMS = 2  # a question with this few content terms leans on the one before it


def is_follow_up(question: str) -> bool:
    """ "And on Enterprise?", "what about Growth", "那企业版呢？" — questions that lean on the previous one."""
    from knowledge.tokenize import tokens

    stripped = question.strip().rstrip("?？!！。. ")
    return (
        bool(_FOLLOW_UP.match(stripped))
        or stripped.endswith("呢")
        or len(tokens(question)) <= FOLLOW_UP_TERMS
    )


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
    if is_follow_up(question):
        if combined.answerable or combined.confidence >= own.confidence:
            return combined, combined_query
        return own, question
    if not own.answerable and combined.answerable:
        return combined, combined_query
    return own, question


def prefer_language(hits: Sequence[Hit], language: str) -> list[Hit]:
    """Sections in the asker's language when they are nearly as good as the best one."""
    if not hits:
        return []
    best = hits[0].score
    same = [h for h in hits if h.section.language == language]
    if same and (best <= 0 or same[0].score >= SAME_LANGUAGE_RATIO * best):
        return same
    return list(hits)


def _sources(hits: Sequence[Hit], *, today: date, stale_days: int) -> list[Source]:
    return [
        Source(
            index=i,
            path=h.section.path,
            title=h.section.title,
            heading=h.section.heading,
            headings=tuple(h.section.headings),
            score=h.score,
            section_id=h.section.id,
            language=h.section.language,
            updated=h.section.updated,
            stale=is_stale(h.section.updated, today=today, stale_days=stale_days),
            owner=h.section.owner,
        )
        for i, h in enumerate(hits, start=1)
    ]


def _notes(sources: Sequence[Source], *, language: str, stale_days: int, method: str) -> list[str]:
    notes = []
    for s in sources:
        if s.stale and s.updated:
            notes.append(
                pick(
                    language,
                    f"⚠️ [{s.index}] was last updated on {s.updated.isoformat()} (more than {stale_days} days "
                    "ago) — double-check with a PM before quoting it to a customer.",
                    f"⚠️ [{s.index}] 最后更新于 {s.updated.isoformat()}（超过 {stale_days} 天），"
                    "对客户引用前请先与产品经理确认。",
                )
            )
        if s.path.startswith("faq:") and s.owner:
            when_en = f" on {s.updated.isoformat()}" if s.updated else ""
            when_zh = f"于 {s.updated.isoformat()} " if s.updated else ""
            notes.append(
                pick(
                    language,
                    f"[{s.index}] answered by <@{s.owner}>{when_en}.",
                    f"[{s.index}] 由 <@{s.owner}> {when_zh}解答。",
                )
            )
    notes.append(
        pick(
            language,
            "Written by AI from the cited sources only; check them before quoting to a customer.",
            "由 AI 仅根据所引用的资料撰写；对客户引用前请核对原文。",
        )
        if method == "llm"
        else pick(language, "Quoted from the knowledge base.", "摘自知识库。")
    )
    return notes


def dont_know(language: str) -> str:
    return pick(
        language,
        "I don't know — the knowledge base has no reliable answer to this.",
        "我不知道——知识库中没有可靠的答案。",
    )


def extractive_text(*, question: str, hits: Sequence[Hit], language: str) -> tuple[str, list[Hit]]:
    """The answer text and the hits it quotes (in citation order)."""
    from knowledge.answer_extractive import select_quotes

    quotes = select_quotes(question, hits)
    used = [q.hit for q in quotes]
    if not quotes:
        return "", []
    lines = []
    for number, quote in enumerate(quotes, start=1):
        section = quote.hit.section
        body = _join_sentences(quote.sentences, section.language)
        heading = section.heading.strip()
        if heading and heading != section.title.strip():
            separator = "" if heading.endswith(("?", "？")) else ("：" if section.language == "zh" else ":")
            body = f"**{heading}**{separator}{'' if separator == '：' else ' '}{body}"
        lines.append(f"{body} [{number}]" if len(quotes) == 1 else f"• {body} [{number}]")
    lead = pick(language, "From the knowledge base:", "知识库中的相关内容：")
    text = lead + "\n" + "\n".join(lines)
    foreign = {q.hit.section.language for q in quotes} - {language}
    if foreign:
        text += "\n" + pick(
            language,
            "_(Quoted from the Chinese documentation.)_",
            "_（以上摘自英文文档。）_",
        )
    return text, used


def _join_sentences(sentences: Sequence[str], language: str) -> str:
    joiner = "" if language == "zh" else " "
    out = ""
    for sentence in sentences:
        if out and not out.endswith(("。", "！", "？", ".", "!", "?", "；", ";", ":", "：")):
            out += "。" if language == "zh" else "."
        out += (joiner if out else "") + sentence
    return out


def answer_question(
    *,
    question: str,
    knowledge: Searcher,
    llm: LLM | None = None,
    today: date,
    stale_days: int = 365,
    context: str | None = None,
    k: int = 5,
) -> Answer:
    """Answer `question` from the knowledge base (see the module docstring)."""
    language = detect_language(question)
    result, query = search_with_context(knowledge=knowledge, question=question, context=context, k=k)

    def declined(method: str) -> Answer:
        return Answer(
            question=question,
            language=language,
            text=dont_know(language),
            answered=False,
            confidence=result.confidence,
            method=method,
            search_query=query,
        )

    if not result.answerable or not result.hits:
        return declined("none")
    if llm is not None:
        from bot.llm import LLMError
        from knowledge.answer_llm import ask_model

        hits = list(result.hits[:LLM_SECTIONS])
        try:
            reply = ask_model(llm=llm, question=question, hits=hits, language=language, context=context)
        except LLMError as exc:
            logger.warning("LLM answer failed, answering extractively: %s", exc)
        else:
            if reply.declined:
                return declined("llm")
            # Keep the model's numbering: source n in the text is citation n.
            numbers = set(reply.cited) or {1}
            sources = [s for s in _sources(hits, today=today, stale_days=stale_days) if s.index in numbers]
            return Answer(
                question=question,
                language=language,
                text=reply.text,
                answered=True,
                confidence=result.confidence,
                method="llm",
                sources=sources,
                search_query=query,
                notes=_notes(sources, language=language, stale_days=stale_days, method="llm"),
            )
    candidates = prefer_language(result.hits, language)[:EXTRACTIVE_SECTIONS]
    text, used = extractive_text(question=query, hits=candidates, language=language)
    if not text:
        return Answer(
            question=question,
            language=language,
            text=dont_know(language),
            answered=False,
            confidence=result.confidence,
            method="none",
            search_query=query,
        )
    sources = _sources(used, today=today, stale_days=stale_days)
    return Answer(
        question=question,
        language=language,
        text=text,
        answered=True,
        confidence=result.confidence,
        method="extractive",
        sources=sources,
        search_query=query,
        notes=_notes(sources, language=language, stale_days=stale_days, method="extractive"),
    )
