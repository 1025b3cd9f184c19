"""A later ask that leaves its subject out is answered within the whole question; an ask about something
else is still answered on its own, or said to be uncovered (tier 1, a real lexical knowledge base)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.answer import answer_question
from knowledge.base import KnowledgeBase
from knowledge.ingest import ingest_paths
from tests.knowledge.kb_helpers import make_kb, write_corpus

TODAY = date(2026, 12, 8)

PAGES = {
    "en/plugins/redirect.md": """# redirect

## Description

The redirect plugin sends clients to another address. Set http_to_https to true to move all plain HTTP
traffic to HTTPS.

## Attributes

- http_to_https: when true, plain HTTP requests are redirected to HTTPS with status 301.
- append_query_string: when true, the query string of the original request is kept in the new location.
""",
    "en/admin-api.md": """# Admin API

## Query string parameters

List requests accept query string parameters: page, page_size and name. The query string is kept in the
pagination links, and an unknown query string parameter is ignored.
""",
    "en/plugins/limit-count.md": """# limit-count

## Description

The limit-count plugin rejects requests over a quota counted in a time window, with status 503.
""",
}


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs", PAGES)])
    return kb


def test_an_ask_without_its_subject_is_answered_within_the_question(kb: KnowledgeBase) -> None:
    alone = kb.search("And is the query string kept?")
    assert alone.hits[0].section.path == "en/admin-api.md"  # searched alone: any query string
    answer = answer_question(
        question="How do we move plain HTTP traffic to HTTPS? And is the query string kept?",
        knowledge=kb,
        today=TODAY,
    )
    assert answer.answered and answer.uncovered == []
    first_quote = answer.text.split("**2. ")[1].split("\n")[1]  # under the ask, its first quoted section
    assert "append_query_string" in first_quote, answer.text
    number = first_quote.rsplit("[", 1)[1].rstrip("]")
    assert {s.index: s.path for s in answer.sources}[int(number)] == "en/plugins/redirect.md"


def test_an_ask_about_something_else_is_still_said_to_be_uncovered(kb: KnowledgeBase) -> None:
    answer = answer_question(
        question="How do we move plain HTTP traffic to HTTPS? And how long are audit logs kept?",
        knowledge=kb,
        today=TODAY,
    )
    assert answer.answered and answer.uncovered == ["And how long are audit logs kept?"], answer.text
    assert "does not cover this part" in answer.text.split("**2. ")[1]
