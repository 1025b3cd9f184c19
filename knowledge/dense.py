"""The sections' vectors in memory: one row per section of the lexical index (zeros until embedded)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from bot.database import Database
from knowledge.vectors import count_vectors, load_vectors


class DenseIndex:
    """Cosine similarity of a question to every embedded section. `refresh` picks up vectors stored
    since the last call (the background embedder fills them while the bot answers)."""

    def __init__(self, *, model: str, hashes: Sequence[str]) -> None:
        self.model = model
        self.hashes = hashes  # section number → hash of its embedding text
        self.matrix: Any = None  # np.ndarray (sections, dim) float32, zero rows not embedded yet
        self.embedded: Any = None  # np.ndarray of bool: section number → has a vector
        self._count = -1
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return 0 if self.embedded is None else int(self.embedded.sum())

    def refresh(self, *, db: Database, every_seconds: float = 2.0) -> None:
        """Load the vectors stored since the last look (at most one look per `every_seconds`)."""
        now = time.monotonic()
        if self._count >= 0 and now - self._checked_at < every_seconds:
            return

        with self._lock:
            self._checked_at = now
            with db.session() as session:
                count = count_vectors(session=session, model=self.model)
                if count == self._count:
                    return
                missing = [
                    h for n, h in enumerate(self.hashes) if self.embedded is None or not self.embedded[n]
                ]
                found = load_vectors(session=session, model=self.model, hashes=missing)
            self._count = count
            self._fill(found)

    def _fill(self, found: dict[str, bytes]) -> None:
        import numpy as np

        if not found:
            if self.embedded is None:
                self.embedded = np.zeros(len(self.hashes), dtype=bool)
            return
        dim = len(next(iter(found.values()))) // 4
        if self.matrix is None or self.matrix.shape[1] != dim:
            self.matrix = np.zeros((len(self.hashes), dim), dtype=np.float32)
            self.embedded = np.zeros(len(self.hashes), dtype=bool)
        for number, digest in enumerate(self.hashes):
            blob = found.get(digest)
            if blob is not None and len(blob) == dim * 4:
                self.matrix[number] = np.frombuffer(blob, dtype=np.float32)
                self.embedded[number] = True

    def similarities(self, vector: Any, *, size: int) -> Any:
        """Cosine similarity of `vector` to every section (0 for sections not embedded yet)."""
        import numpy as np

        if self.matrix is None:
            return np.zeros(size, dtype=np.float32)
        return self.matrix @ np.asarray(vector, dtype=np.float32)

    def top(self, similarities: Any, limit: int, *, mask: Any | None = None) -> list[int]:
        """Embedded sections by similarity, best first (only those `mask` allows)."""
        import numpy as np

        if self.embedded is None:
            return []
        allowed = self.embedded if mask is None else self.embedded & mask
        scores = np.where(allowed, similarities, -np.inf)
        limit = min(limit, int(allowed.sum()))
        if limit <= 0:
            return []
        best = np.argpartition(-scores, limit - 1)[:limit]
        return [int(n) for n in best[np.argsort(-scores[best])]]
