"""A two-dimensional stand-in for the embedding model, shared by the duplicate and command tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class FakeEmbedder:
    """Texts about identity providers point one way, everything else another (the `Embedder` protocol)."""

    name = "fake-idp"

    def __init__(self, *, broken: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.broken = broken

    def passages(self, texts: Sequence[str]) -> Any:
        self.calls.append(list(texts))
        if self.broken:
            raise RuntimeError("endpoint down")
        idp = ("okta", "sso", "sign-in", "登录")
        rows = [[1.0, 0.05] if any(w in t.lower() for w in idp) else [0.0, 1.0] for t in texts]
        vectors = np.asarray(rows, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def query(self, text: str) -> Any:
        return self.passages([text])[0]
