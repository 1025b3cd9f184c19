"""The bot answering with an LLM: the real KnowledgeBase retrieves, the fake OpenAI-compatible server (real
`openai` client over loopback HTTP) writes the answer; its citations come back numbered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.llm import LLM
from tests.fakes.harness import Harness
from tests.fakes.openai_api import serve_openai
from tests.handlers.test_ask import escalation_posts, only
from tests.sample_kb import copy_database


def cite_first(messages: list[dict[str, Any]]) -> str:
    question = messages[-1]["content"].rsplit("Question: ", 1)[-1]
    if "CEO" in question:
        return "NO_ANSWER"
    return (
        "不支持。LumenCRM 不符合 HIPAA [1]。"
        if "HIPAA" in question and "吗" in question
        else "No — LumenCRM is not HIPAA compliant [1]."
    )


def answer_requests(fake: Any) -> list[dict[str, Any]]:
    return [r for r in fake.chat_requests() if "Sources:" in r["messages"][-1]["content"]]


def test_llm_answers_with_citations_and_declines_into_escalation(
    sample_database: Path, tmp_path: Path
) -> None:
    with serve_openai(answer=cite_first) as fake:
        bot = Harness.create(
            copy_database(sample_database, tmp_path),
            migrate=False,
            OPENAI_API_KEY="sk-test",
            OPENAI_BASE_URL=fake.base_url,
            OPENAI_MODEL="fake-model",
        )
        try:
            assert isinstance(bot.services.llm, LLM)
            reply = only(bot.say("Do we support HIPAA?"))
            assert reply.text == "No — LumenCRM is not HIPAA compliant [1]."
            assert reply.citations[0].index == 1 and reply.citations[0].title == "Sales FAQ"
            assert any("AI" in note for note in reply.context)
            rewrite, request = fake.chat_requests()[:2]  # the question's search rewrites, then the answer
            assert "search queries" in rewrite["messages"][0]["content"]
            assert rewrite["messages"][1]["content"] == "Do we support HIPAA?"
            assert request["model"] == "fake-model"
            assert (
                "Does LumenCRM support HIPAA?" in request["messages"][1]["content"]
            )  # the retrieved section

            zh = only(bot.say("我们支持 HIPAA 吗？"))
            assert (
                zh.text.startswith("不支持")
                and "Simplified Chinese" in answer_requests(fake)[1]["messages"][0]["content"]
            )

            # Retrieval finds something, the model says the sources do not answer it: escalate.
            declined = bot.say("Who is the CEO of LumenCRM and what does the CEO think about HIPAA?")
            assert "I don't know" in only(declined).text
            assert len(escalation_posts(bot)) == 2
        finally:
            bot.close()
