"""`bot.llm.LLM` against the fake OpenAI-compatible server: the real `openai` client over loopback HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from bot.llm import LLM, LLMError
from tests.fakes.harness import make_settings
from tests.fakes.openai_api import serve_openai


def make_llm(base_url: str, **kwargs: Any) -> LLM:
    return LLM(
        model="fake-model",
        api_key="sk-test",
        base_url=base_url,
        embedding_model="fake-embed",
        timeout=5,
        backoff_seconds=0.01,
        **kwargs,
    )


def test_no_llm_without_configuration(sqlite_url: str) -> None:
    assert LLM.from_settings(make_settings(sqlite_url)) is None
    llm = LLM.from_settings(
        make_settings(sqlite_url, OPENAI_BASE_URL="http://127.0.0.1:9/v1", OPENAI_MODEL="qwen")
    )
    assert llm is not None and llm.model == "qwen" and not llm.can_embed
    assert "sk-" not in repr(llm)


def test_chat_sends_messages_and_returns_text() -> None:
    with serve_openai(answer=lambda messages: f"echo: {messages[-1]['content']}") as fake:
        llm = make_llm(fake.base_url)
        text = llm.chat([{"role": "user", "content": "hello"}], max_tokens=50)
        assert text == "echo: hello"
        request = fake.chat_requests()[0]
        assert request["model"] == "fake-model"
        assert request["max_tokens"] == 50 and request["temperature"] == 0.0


def test_stream_yields_deltas() -> None:
    with serve_openai(answer=lambda messages: "one two three") as fake:
        llm = make_llm(fake.base_url)
        assert "".join(llm.stream([{"role": "user", "content": "x"}])) == "one two three"


def test_embeddings_keep_order_and_batch() -> None:
    with serve_openai() as fake:
        llm = make_llm(fake.base_url)
        vectors = llm.embed(["alpha", "beta", "", "alpha"], batch_size=3)
        assert len(vectors) == 4 and vectors[0] == vectors[3] and vectors[0] != vectors[1]
        assert len(fake.recorder.to("/embeddings")) == 2


def test_transient_failures_are_retried() -> None:
    with serve_openai(answer=lambda messages: "fine") as fake:
        fake.fail_next.extend([500, 429])
        assert make_llm(fake.base_url).chat([{"role": "user", "content": "x"}]) == "fine"
        assert len(fake.recorder.to("/chat/completions")) == 3


def test_persistent_failure_raises_llm_error() -> None:
    with serve_openai() as fake:
        fake.fail_next.extend([503, 503, 503])
        with pytest.raises(LLMError):
            make_llm(fake.base_url, attempts=3).chat([{"role": "user", "content": "x"}])


def test_client_errors_are_not_retried() -> None:
    with serve_openai() as fake:
        llm = LLM(model="m", api_key="wrong", base_url=fake.base_url, timeout=5, backoff_seconds=0.01)
        with pytest.raises(LLMError):
            llm.chat([{"role": "user", "content": "x"}])
        assert len(fake.recorder.to("/chat/completions")) == 1


def test_embed_without_model_raises() -> None:
    with pytest.raises(LLMError):
        LLM(model="m", base_url="http://127.0.0.1:9/v1").embed(["x"])
