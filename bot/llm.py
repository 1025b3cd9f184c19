"""The one module that talks to a language model: any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama,
DeepSeek, Qwen gateways …).

`LLM.from_settings(settings)` returns `None` when no endpoint is configured — the embedded default then
answers extractively. The `openai` client is built lazily on first use (no import-time side effects, no
network at start-up). Transient failures (timeouts, connection errors, 429, 5xx) are retried with
exponential backoff by tenacity; what still fails raises `LLMError`, which callers turn into a fallback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from bot.config import Settings, secret
from bot.errors import SalesBridgeError
from bot.markup import clean_text

if TYPE_CHECKING:
    from openai import OpenAI

logger = logging.getLogger(__name__)

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


class LLMError(SalesBridgeError):
    """The model endpoint failed or answered nothing usable (after retries)."""


def _is_transient(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError | openai.RateLimitError):
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


class LLM:
    """A small, synchronous facade over the OpenAI chat-completions and embeddings APIs."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str = "",
        base_url: str | None = None,
        embedding_model: str | None = None,
        timeout: float = 30.0,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
    ) -> None:
        self.model = model
        self.embedding_model = embedding_model
        self.base_url = base_url
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff_seconds = backoff_seconds
        self._api_key = api_key
        self._client: OpenAI | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> LLM | None:
        if not settings.llm_enabled:
            return None
        return cls(
            model=settings.openai_model,
            api_key=secret(settings.openai_api_key),
            base_url=settings.openai_base_url or None,
            embedding_model=settings.openai_embedding_model or None,
        )

    def __repr__(self) -> str:  # never shows the key
        return (
            f"LLM(model={self.model!r}, base_url={self.base_url!r}, embedding_model={self.embedding_model!r})"
        )

    @property
    def can_embed(self) -> bool:
        return bool(self.embedding_model)

    # --- client --------------------------------------------------------------------------------------
    @property
    def client(self) -> OpenAI:
        with self._lock:
            if self._client is None:
                from openai import OpenAI

                # Local gateways (Ollama, vLLM) accept any key; the client insists on one.
                self._client = OpenAI(
                    api_key=self._api_key or "not-needed",
                    base_url=self.base_url or None,
                    timeout=self.timeout,
                    max_retries=0,  # tenacity retries, so attempts are counted in one place
                )
            return self._client

    def _retrying(self, what: str, call: Any) -> Any:
        from tenacity import (
            RetryError,
            Retrying,
            retry_if_exception,
            stop_after_attempt,
            wait_exponential,
        )

        try:
            for attempt in Retrying(
                stop=stop_after_attempt(self.attempts),
                wait=wait_exponential(multiplier=self.backoff_seconds, max=8),
                retry=retry_if_exception(_is_transient),
                reraise=False,
            ):
                with attempt:
                    return call()
        except RetryError as exc:
            cause = exc.last_attempt.exception()
            logger.warning("LLM %s failed after %d attempts: %s", what, self.attempts, cause)
            raise LLMError(f"{what} failed after {self.attempts} attempts: {cause}") from cause
        except LLMError:
            raise
        except Exception as exc:  # 4xx, validation errors: not worth retrying
            logger.warning("LLM %s failed: %s", what, exc)
            raise LLMError(f"{what} failed: {exc}") from exc
        raise LLMError(f"{what} failed")  # pragma: no cover - Retrying always yields at least once

    # --- API -----------------------------------------------------------------------------------------
    def chat(self, messages: Sequence[Message], *, temperature: float = 0.0, max_tokens: int = 700) -> str:
        """One completion; returns its text (stripped). Raises `LLMError` when nothing usable came back."""

        def call() -> str:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=list(messages),  # type: ignore[arg-type]
                temperature=temperature,
                max_tokens=max_tokens,
            )
            if not response.choices:
                raise LLMError("the model returned no choices")
            # model output may repeat what a document or a user wrote: no mention tokens, nothing unstorable
            return clean_text(response.choices[0].message.content or "").strip()

        text: str = self._retrying("chat", call)
        if not text:
            raise LLMError("the model returned an empty answer")
        return text

    def stream(
        self, messages: Sequence[Message], *, temperature: float = 0.0, max_tokens: int = 700
    ) -> Iterator[str]:
        """Yield text deltas as they arrive (connection set-up is retried; a broken stream raises)."""

        def call() -> Any:
            return self.client.chat.completions.create(
                model=self.model,
                messages=list(messages),  # type: ignore[arg-type]
                temperature=temperature,
                max_tokens=max_tokens,
                stream=True,
            )

        chunks = self._retrying("stream", call)
        try:
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield clean_text(chunk.choices[0].delta.content)
        except Exception as exc:
            raise LLMError(f"stream interrupted: {exc}") from exc

    def embed(self, texts: Sequence[str], *, batch_size: int = 64) -> list[list[float]]:
        """Embedding vectors, one per text, in order. Raises `LLMError` when no embedding model is set."""
        if not self.embedding_model:
            raise LLMError("no embedding model configured (OPENAI_EMBEDDING_MODEL)")
        model = self.embedding_model
        vectors: list[list[float]] = []
        items = [t if t.strip() else " " for t in texts]  # the API rejects empty strings
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]

            def call(batch: list[str] = batch) -> list[list[float]]:
                response = self.client.embeddings.create(model=model, input=batch)
                ordered = sorted(response.data, key=lambda d: d.index)
                if len(ordered) != len(batch):
                    raise LLMError(f"asked for {len(batch)} embeddings, got {len(ordered)}")
                return [list(d.embedding) for d in ordered]

            vectors.extend(self._retrying("embed", call))
        return vectors
