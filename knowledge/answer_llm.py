"""Grounded answers from a language model: only the retrieved sections, numbered, cited as [n].

The model is told to answer in the question's language, from the sources only, and to reply `NO_ANSWER`
when they do not contain the answer — which the caller turns into "I don't know" and an escalation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.llm import LLM, Message
from knowledge.types import Hit

NO_ANSWER = "NO_ANSWER"
MAX_SOURCE_CHARS = 1800
_CITE = re.compile(r"\[(\d+)\]")

SYSTEM_PROMPT = """You are SalesBridge, the assistant that answers sales reps' product questions.
Rules:
- Answer ONLY from the numbered sources below. Never use outside knowledge, never guess.
- Cite every statement with the number of its source in square brackets, like [1] or [2][3].
- If the sources do not contain the answer, reply with exactly {no_answer} and nothing else.
- Answer in {language}. Be concise (at most 120 words), precise about numbers, limits, plans and versions.
- If a source says something is not supported, say so plainly; do not soften it.
- A source marked INTERNAL is for the sales team only: you may use it, and the reply flags it."""

LANGUAGE_NAMES = {"en": "English", "zh": "Simplified Chinese (简体中文)"}


@dataclass(frozen=True)
class ModelAnswer:
    text: str
    cited: tuple[int, ...]  # source numbers the model used (1-based, valid ones only)
    declined: bool


def source_label(hit: Hit) -> str:
    section = hit.section
    trail = " › ".join(h for h in (*section.headings, section.heading) if h and h != section.title)
    label = section.title + (f" › {trail}" if trail else "")
    if section.updated:
        label += f" (updated {section.updated.isoformat()})"
    if section.internal:
        label += " — INTERNAL: not for customers"
    return label


def build_messages(
    *, question: str, hits: Sequence[Hit], language: str, context: str | None = None
) -> list[Message]:
    sources = "\n\n".join(
        f"[{i}] {source_label(hit)}\n{hit.section.text.strip()[:MAX_SOURCE_CHARS]}"
        for i, hit in enumerate(hits, start=1)
    )
    user = f"Sources:\n\n{sources}\n\n"
    if context:
        user += f"Earlier question in this conversation (for context): {context}\n"
    user += f"Question: {question}"
    system = SYSTEM_PROMPT.format(no_answer=NO_ANSWER, language=LANGUAGE_NAMES.get(language, "English"))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def parse_model_answer(text: str, *, source_count: int) -> ModelAnswer:
    stripped = text.strip()
    if not stripped or stripped.strip(" .。") == NO_ANSWER or stripped.startswith(NO_ANSWER):
        return ModelAnswer(text="", cited=(), declined=True)
    cited: list[int] = []
    for match in _CITE.finditer(stripped):
        number = int(match.group(1))
        if 1 <= number <= source_count and number not in cited:
            cited.append(number)
    # Drop citation markers that point nowhere, so the reader never sees a dangling [7].
    cleaned = _CITE.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= source_count else "", stripped)
    return ModelAnswer(text=cleaned.strip(), cited=tuple(cited), declined=False)


def ask_model(
    *, llm: LLM, question: str, hits: Sequence[Hit], language: str, context: str | None = None
) -> ModelAnswer:
    """Raises `bot.llm.LLMError` when the endpoint fails (the caller falls back to extractive)."""
    messages = build_messages(question=question, hits=hits, language=language, context=context)
    return parse_model_answer(llm.chat(messages, temperature=0.0, max_tokens=600), source_count=len(hits))
