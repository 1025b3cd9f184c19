"""LLM query rewriting: the real `openai` client against the fake OpenAI-compatible server on loopback.

The rewrites are fused with the question's own ranking; the answer-or-abstain decision still judges the
question; a failing endpoint leaves the search as it is without the model."""

from pathlib import Path
from typing import Any

from bot.database import Database
from bot.llm import LLM
from knowledge.base import KnowledgeBase
from knowledge.ingest import ingest_paths
from knowledge.query_rewrite import MAX_QUERIES, parse_queries
from tests.database_templates import migrated_sqlite
from tests.fakes.harness import make_settings
from tests.fakes.openai_api import serve_openai
from tests.knowledge.kb_helpers import write_corpus

QUESTION = "How much can one commit carry?"  # alone: the SATA FAQ first, the limitation nowhere
TARGET = "Limitations on transactions"


def rewrite_to_documentation_words(messages: list[dict[str, Any]]) -> str:
    assert "search queries" in messages[0]["content"]
    return "1. transaction size limitations\n- maximum statements in a transaction"


def knowledge_base(tmp_path: Path, base_url: str, **settings: Any) -> KnowledgeBase:
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = migrated_sqlite(tmp_path / "kb.db")
    db = Database(url)
    llm = LLM(model="fake-model", api_key="sk-test", base_url=base_url, attempts=1)
    kb = KnowledgeBase(db=db, settings=make_settings(url, **settings), llm=llm, version_check_seconds=0.0)
    ingest_paths(kb, [write_corpus(tmp_path / "docs")])
    return kb


def rank_of_target(kb: KnowledgeBase) -> int | None:
    headings = [hit.section.heading for hit in kb.search(QUESTION, k=10).hits]
    return headings.index(TARGET) + 1 if TARGET in headings else None


def test_model_lines_become_queries() -> None:
    text = '1. transaction size limit\n- "max statements"\n\n• 事务大小限制\nHow big?\n1) transaction size limit\nmore'
    queries = parse_queries(text, question="How big?")  # "more" is past the limit
    assert queries == ["transaction size limit", "max statements", "事务大小限制"] and MAX_QUERIES == 3


def test_rewrites_find_the_section_the_reps_words_miss(tmp_path: Path) -> None:
    with serve_openai(answer=rewrite_to_documentation_words) as fake:
        without = knowledge_base(tmp_path / "off", fake.base_url, SALESBRIDGE_QUERY_REWRITE="false")
        before = rank_of_target(without)
        assert fake.chat_requests() == []  # switched off: the model is not asked
        assert before is None or before > 1

        kb = knowledge_base(tmp_path / "on", fake.base_url)
        assert rank_of_target(kb) == 1
        assert kb.search(QUESTION).hits[0].section.heading == TARGET
        requests = fake.chat_requests()
        assert requests[0]["messages"][1]["content"] == QUESTION
        assert len(requests) == 1  # the same question again: the rewrites come from the cache


def test_a_rewrite_never_talks_the_bot_into_answering(tmp_path: Path) -> None:
    with serve_openai(answer=rewrite_to_documentation_words) as fake:
        kb = knowledge_base(tmp_path, fake.base_url)
        result = kb.search("Who is the CEO of the company and where is the head office?")
        assert fake.chat_requests()  # rewritten into documentation words …
        assert not result.answerable  # … but the decision judges the question itself


def test_a_failing_model_leaves_the_search_as_without_it(tmp_path: Path) -> None:
    with serve_openai(answer=rewrite_to_documentation_words) as fake:
        kb = knowledge_base(tmp_path, fake.base_url)
        fake.fail_next.append(500)
        question = "Can we put the storage nodes on SATA disks?"
        result = kb.search(question)
        assert result.hits[0].section.heading == "Can I deploy on SATA disks?" and result.answerable
        kb.search(question)  # a failure is not cached: asked again, and now it works
        asked = [r["messages"][1]["content"] for r in fake.chat_requests()]
        assert asked.count(question) == 2
        kb.search(question)
        assert len(fake.chat_requests()) == 2
