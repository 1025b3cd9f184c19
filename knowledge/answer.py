"""Answer a question from the knowledge base: retrieval, then an LLM answer or an extractive one, with
numbered citations (title, section, updated date) and flags on stale and internal documents.

`answer_question(...)` is shared by the chat handler (`handlers/ask/`) and `salesbridge kb ask`.
The retrieval's `support` decides what kind of answer it is:
- "strong": an answer (a PM's answer quoted whole, the model's, or quoted sentences);
- "weak": "I'm not sure — these are the closest sections I found" with those sections, no verdict;
- "none" (or the model says the sources do not contain it): "I don't know"; the caller escalates.
A question with several asks is split (`knowledge.answer_parts`) and each part answered on its own; a part the
knowledge base does not cover is said to be uncovered. With a `memory` (`knowledge.memory.PmMemory`), a
question a PM already answered — in either language — gets that answer; a likely translation of a PM's question
that nothing confirms is shown as "not sure — a PM answered a similar question" when retrieval has no answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from bot.i18n import detect_language
from bot.llm import LLM, LLMError
from knowledge.answer_context import (
    Searcher,
    is_follow_up,
    prefer_language,
    search_ask,
    search_with_context,
    support_of,
)
from knowledge.answer_llm import ask_model
from knowledge.answer_parts import split_question
from knowledge.answer_text import (
    Composed,
    answer_notes,
    closest_body,
    dont_know,
    extractive_body,
    extractive_lead,
    internal_flag,
    is_pm_answer,
    never_mentioned_note,
    not_covered,
    not_sure_lead,
    pm_answer_body,
    section_trail,
    see_above,
    similar_pm_answer_body,
)
from knowledge.answer_types import Answer, Source
from knowledge.memory import Recall, names_agree
from knowledge.types import Hit, Section

__all__ = ["Answer", "Source", "answer_question", "dont_know", "is_follow_up", "section_trail"]

logger = logging.getLogger(__name__)

EXTRACTIVE_SECTIONS = 5  # sections whose sentences compete for an extractive answer
LLM_SECTIONS = 5  # sections given to the model
EVIDENCE_SECTIONS = 3  # retrieval's best sections an answer reports as its evidence (end-of-sale notes)


class Memory(Protocol):
    """Questions PMs answered, matched by meaning (`knowledge.memory.PmMemory`)."""

    def lookup(self, question: str) -> Recall | None: ...

    def names_agree(self, question: str, section: Section) -> bool: ...


def is_stale(updated: date | None, *, today: date, stale_days: int) -> bool:
    return updated is not None and stale_days > 0 and (today - updated).days > stale_days


@dataclass(frozen=True)
class Part:
    """One ask of the question and how it was answered; its body cites its hits from `start`."""

    question: str
    support: str
    method: str
    body: str
    hits: list[Hit]
    confidence: float
    search_query: str
    numbers: list[int] = field(default_factory=list)  # each hit's citation number
    evidence: list[str] = field(default_factory=list)  # paths of retrieval's best sections
    unknown_names: tuple[str, ...] = ()  # what it asks about that the knowledge base never writes


def answer_question(
    *,
    question: str,
    knowledge: Searcher,
    llm: LLM | None = None,
    today: date,
    stale_days: int = 365,
    context: str | None = None,
    k: int = 5,
    memory: Memory | None = None,
) -> Answer:
    """Answer `question` from the knowledge base (see the module docstring)."""
    language = detect_language(question)
    asks = split_question(question) or [question]
    parts: list[Part] = []
    for ask in asks if len(asks) > 1 else [question]:
        start = 1 + max((n for p in parts for n in p.numbers), default=0)
        cited = {hit.section.id: n for p in parts for hit, n in zip(p.hits, p.numbers, strict=True)}
        parts.append(
            answer_part(
                question=ask,
                language=language,
                knowledge=knowledge,
                llm=llm,
                today=today,
                context=context,
                k=k,
                memory=memory,
                start=start,
                cited=cited,
                within=question if len(asks) > 1 else None,
            )
        )
    return assemble(question=question, language=language, parts=parts, today=today, stale_days=stale_days)


def answer_part(
    *,
    question: str,
    language: str,
    knowledge: Searcher,
    llm: LLM | None,
    today: date,
    context: str | None,
    k: int,
    memory: Memory | None,
    start: int,
    cited: dict[int, int] | None = None,
    within: str | None = None,
) -> Part:
    """One ask (of the question `within`, when it has several): a PM's answer it matches, else retrieval and
    an answer as strong as the evidence."""
    recalled = memory.lookup(question) if memory is not None else None
    if recalled is not None and recalled.sure:
        composed = pm_answer_body(hit=recalled.hit, language=language, today=today, start=start)
        return Part(question, "strong", "pm", composed.body, composed.hits, 1.0, question, [start])
    result, query = (
        search_ask(knowledge=knowledge, ask=question, question=within, context=context, k=k)
        if within
        else search_with_context(knowledge=knowledge, question=question, context=context, k=k)
    )
    support = support_of(result)

    def part(support: str, method: str, composed: Composed | None = None) -> Part:
        evidence = [h.section.path for h in result.hits[:EVIDENCE_SECTIONS]]
        if composed is None:
            return Part(question, support, method, "", [], result.confidence, query, [], evidence)
        numbers = composed.numbers or list(range(start, start + len(composed.hits)))
        return Part(
            question,
            support,
            method,
            composed.body,
            composed.hits,
            result.confidence,
            query,
            numbers,
            evidence,
            result.unknown_names,
        )

    if support != "strong" and recalled is not None:  # a likely translation of a PM's question: not sure
        similar = similar_pm_answer_body(hit=recalled.hit, language=language, today=today, start=start)
        return part("weak", "none", similar)
    if support == "none":
        return part("none", "none")
    if support == "weak":
        return part(
            "weak", "none", closest_body(hits=result.hits, language=language, start=start, cited=cited)
        )
    top = result.hits[0]
    if is_pm_answer(top.section):
        # quoted whole, verdict and all: only for a question about the same things ("PayPal" is not 支付宝)
        agree = (
            memory.names_agree(question, top.section)
            if memory is not None
            else names_agree(question, top.section.title, top.section.text)
        )
        if not agree:
            return part(
                "weak", "none", closest_body(hits=result.hits, language=language, start=start, cited=cited)
            )
        return part("strong", "pm", pm_answer_body(hit=top, language=language, today=today, start=start))
    if llm is not None:
        hits = list(result.hits[:LLM_SECTIONS])
        try:
            reply = ask_model(llm=llm, question=question, hits=hits, language=language, context=context)
        except LLMError as exc:
            logger.warning("LLM answer failed, answering extractively: %s", exc)
        else:
            if reply.declined:
                return part("none", "llm")
            if reply.cited:
                return part(
                    "strong", "llm", renumber_model_text(reply.text, reply.cited, hits, start, language)
                )
            # an answer citing no source is not grounded in one a rep could check: quote the sources instead
            logger.warning("LLM answer cites no source, answering extractively")
    candidates = prefer_language(result.hits, language)[:EXTRACTIVE_SECTIONS]
    composed = extractive_body(
        question=query,
        hits=candidates,
        language=language,
        start=start,
        term_weights=result.term_weights,
        leads=result.supporting or None,  # None: a result without the decision's word
        cited=cited,
    )
    # retrieval is sure, but no sentence says anything the question asks, or what they say is about
    # something else by meaning
    if not composed.body or (
        result.about_question is not None and not result.about_question(composed.quoted, composed.hits)
    ):
        return part(
            "weak", "none", closest_body(hits=result.hits, language=language, start=start, cited=cited)
        )
    return part("strong", "extractive", composed)


_CITE = re.compile(r"\[(\d+)\]")


def renumber_model_text(
    text: str, cited: Sequence[int], hits: Sequence[Hit], start: int, language: str
) -> Composed:
    """The model's [n] (n = its source number) → this reply's numbers, in the order the model cited them;
    an internal source's first citation carries the internal flag."""
    numbers = list(dict.fromkeys(cited)) or [1]
    if start == 1:  # the first (or only) ask keeps the model's numbers: source n is citation n
        numbers.sort()
        mapping = {old: old for old in numbers}
    else:
        mapping = {old: start + offset for offset, old in enumerate(numbers)}
    flagged: set[int] = set()

    def replace(match: re.Match[str]) -> str:
        old = int(match.group(1))
        if old not in mapping:
            return match.group(0)
        new = mapping[old]
        if hits[old - 1].section.internal and new not in flagged:
            flagged.add(new)
            return f"[{new}] {internal_flag(language)}"
        return f"[{new}]"

    return Composed(
        body=_CITE.sub(replace, text),
        hits=[hits[old - 1] for old in numbers],
        numbers=[mapping[old] for old in numbers],
    )


def assemble(*, question: str, language: str, parts: list[Part], today: date, stale_days: int) -> Answer:
    """One reply from the parts: each part under its ask when there are several."""
    answered = [p for p in parts if p.support == "strong"]
    support = "strong" if answered else ("weak" if any(p.support == "weak" for p in parts) else "none")
    numbered = {n: hit for p in parts for hit, n in zip(p.hits, p.numbers, strict=True)}  # a section once
    hits, numbers = list(numbered.values()), list(numbered)
    sources = _sources(hits, numbers, today=today, stale_days=stale_days)
    methods = [p.method for p in answered]
    method = methods[0] if methods else ("llm" if any(p.method == "llm" for p in parts) else "none")
    confidence = max(p.confidence for p in parts)
    search_query = " ".join(p.search_query for p in parts)
    evidence = list(dict.fromkeys(path for p in parts for path in p.evidence))
    if support == "none":
        return Answer(
            question,
            language,
            dont_know(language),
            False,
            confidence,
            method,
            [],
            search_query,
            evidence=evidence,
        )
    lead = not_sure_lead(language) if support == "weak" else extractive_lead(language)
    if len(parts) == 1:
        only = parts[0]
        text = only.body if only.method == "llm" else f"{lead}\n{only.body}"
    else:
        blocks = [lead] if len(answered) == len(parts) or support == "weak" else [extractive_lead(language)]
        shown: set[str] = set()  # lines an earlier part quoted: the same quote twice says nothing new
        for number, p in enumerate(parts, start=1):
            if p.support == "strong":
                body = _unless_shown(p, shown, language)
            elif p.support == "weak" and support == "strong":
                body = f"{not_sure_lead(language)}\n{p.body}"
            elif p.support == "weak":
                body = p.body
            else:
                body = not_covered(language)
            blocks.append(f"**{number}. {p.question}**\n{body}")
        text = "\n".join(blocks)
    uncovered = [p.question for p in parts if p.support != "strong"] if len(parts) > 1 else []
    return Answer(
        question=question,
        language=language,
        text=text,
        answered=support == "strong",
        confidence=confidence,
        method=method,
        sources=sources,
        search_query=search_query,
        notes=[
            *answer_notes(
                sources,
                hits,
                methods={p.method for p in answered},
                language=language,
                stale_days=stale_days,
                today=today,
            ),
            *never_mentioned_note(
                list(dict.fromkeys(name for p in answered for name in p.unknown_names)), language=language
            ),
        ],
        support=support,
        uncovered=uncovered,
        evidence=evidence,
    )


def _unless_shown(part: Part, shown: set[str], language: str) -> str:
    """An answered part's lines that no earlier part showed; "See [1] above." when it has none of its own."""
    lines = part.body.split("\n")
    fresh = [line for line in lines if line not in shown]
    shown.update(lines)
    if fresh:
        return "\n".join(fresh)
    cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", part.body)})
    return see_above(cited or part.numbers, language)


def _sources(hits: Sequence[Hit], numbers: Sequence[int], *, today: date, stale_days: int) -> list[Source]:
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
            internal=h.section.internal,
        )
        for i, h in zip(numbers, hits, strict=True)
    ]
