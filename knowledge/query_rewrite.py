"""Query rewriting with a language model (only when one is configured).

Reps ask in their own words ("pinned in RAM", "air-gapped", "开了以后还能关掉吗"); the documentation says
"cached table", "offline mirror", "关闭". With `OPENAI_*` configured and `SALESBRIDGE_QUERY_REWRITE` on
(the default), `KnowledgeBase.search` asks the model for a few short search queries in the
documentation's vocabulary and fuses their rankings with the question's own (reciprocal rank fusion, a
weight below the question's, so the rep's words still decide ties). The answer-or-abstain decision keeps
judging the question itself, so a rewrite can find the section but never talks the bot into answering.
A failing or slow endpoint costs nothing but the rewrite: the search goes on with the question alone.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict

from bot.llm import LLM, LLMError, Message

logger = logging.getLogger(__name__)

MAX_QUERIES = 3
MAX_QUERY_CHARS = 200
CACHE_SIZE = 512  # questions whose rewrites are remembered (a rep re-asking, feedback, `kb eval` passes)

SYSTEM_PROMPT = """You turn a sales rep's question into search queries for product documentation.
Write at most {count} short queries (3 to 12 words each), one per line, nothing else: no numbering, no
quotes, no explanations. Use the words technical documentation would use for the thing asked about
(feature names, "limitations", "release notes", "compatibility", version numbers), drop the customer
story around the question, keep product and feature names exactly as written. Write the queries in
{language}."""

LANGUAGE_NAMES = {"en": "English", "zh": "Simplified Chinese (简体中文)"}
_LIST_MARKER = re.compile(r"^\s*(?:[-*•]|\d+[.)、]|[（(]?\d+[)）])\s*")


def parse_queries(text: str, *, question: str) -> list[str]:
    """The model's lines as queries: list markers and quotes removed, empty, over-long and repeated lines
    (and the question itself) dropped, at most `MAX_QUERIES`."""
    queries: list[str] = []
    seen = {question.strip().lower()}
    for line in text.splitlines():
        query = _LIST_MARKER.sub("", line).strip().strip("\"'“”「」")
        if not query or len(query) > MAX_QUERY_CHARS or query.lower() in seen:
            continue
        seen.add(query.lower())
        queries.append(query)
        if len(queries) == MAX_QUERIES:
            break
    return queries


class QueryRewriter:
    """Rewrites questions through the configured model, remembering the last `CACHE_SIZE` questions."""

    def __init__(self, *, llm: LLM) -> None:
        self.llm = llm
        self._cache: OrderedDict[tuple[str, str], list[str]] = OrderedDict()
        self._lock = threading.Lock()

    def rewrite(self, question: str, *, language: str) -> list[str]:
        key = (question, language)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        system = SYSTEM_PROMPT.format(count=MAX_QUERIES, language=LANGUAGE_NAMES.get(language, "English"))
        messages: list[Message] = [
            {"role": "system", "content": system},
            {"role": "user", "content": question},
        ]
        try:
            queries = parse_queries(self.llm.chat(messages, max_tokens=150), question=question)
        except LLMError:
            logger.warning("query rewriting failed; searching with the question alone", exc_info=True)
            return []  # not cached: the endpoint may be back for the next question
        with self._lock:
            self._cache[key] = queries
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return queries
