"""The sections' vectors in memory: one row per section of the lexical index (zeros until embedded)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from bot.database import Database
from knowledge.vectors import count_vectors, load_vectors


class DenseIndex:
    """Cosine similarity of a question to every embedded section: a section's similarity is that of its
    best passage (`knowledge.embedding.section_passages`). `refresh` picks up vectors stored since the last
    call (the background embedder fills them while the bot answers)."""

    def __init__(self, *, model: str, hashes: Sequence[Sequence[str]]) -> None:
        import numpy as np

        self.model = model
        self.hashes = hashes  # section number → hashes of its passages, the first window first
        self.row_hashes = [digest for passages in hashes for digest in passages]
        counts = np.array([len(passages) for passages in hashes], dtype=np.int64)
        self.starts = np.cumsum(counts) - counts  # section → its first row (empty without sections)
        self.matrix: Any = None  # np.ndarray (rows, dim) float32, zero rows not embedded yet
        self.row_embedded: Any = None  # np.ndarray of bool: row → has a vector
        self._count = -1
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @property
    def embedded(self) -> Any:
        """np.ndarray of bool: section number → searchable by meaning (its first passage has a vector)."""
        return None if self.row_embedded is None else self.row_embedded[self.starts]

    @property
    def size(self) -> int:
        return 0 if self.row_embedded is None else int(self.embedded.sum())

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
                    h
                    for n, h in enumerate(self.row_hashes)
                    if self.row_embedded is None or not self.row_embedded[n]
                ]
                found = load_vectors(session=session, model=self.model, hashes=missing)
            self._count = count
            self._fill(found)

    def _fill(self, found: dict[str, bytes]) -> None:
        import numpy as np

        if not found:
            if self.row_embedded is None:
                self.row_embedded = np.zeros(len(self.row_hashes), dtype=bool)
            return
        dim = len(next(iter(found.values()))) // 4
        if self.matrix is None or self.matrix.shape[1] != dim:
            self.matrix = np.zeros((len(self.row_hashes), dim), dtype=np.float32)
            self.row_embedded = np.zeros(len(self.row_hashes), dtype=bool)
        for row, digest in enumerate(self.row_hashes):
            blob = found.get(digest)
            if blob is not None and len(blob) == dim * 4:
                self.matrix[row] = np.frombuffer(blob, dtype=np.float32)
                self.row_embedded[row] = True

    def similarities(self, vector: Any, *, size: int) -> Any:
        """Cosine similarity of `vector` to every section's best passage (0 for sections not embedded
        yet)."""
        import numpy as np

        if self.matrix is None or not len(self.row_hashes):
            return np.zeros(size, dtype=np.float32)
        rows = self.matrix @ np.asarray(vector, dtype=np.float32)
        best: Any = np.maximum.reduceat(rows, self.starts)
        return best

    def top(self, similarities: Any, limit: int, *, mask: Any | None = None) -> list[int]:
        """Embedded sections by similarity, best first (only those `mask` allows)."""
        import numpy as np

        embedded = self.embedded
        if embedded is None:
            return []
        allowed = embedded if mask is None else embedded & mask
        scores = np.where(allowed, similarities, -np.inf)
        limit = min(limit, int(allowed.sum()))
        if limit <= 0:
            return []
        best = np.argpartition(-scores, limit - 1)[:limit]
        return [int(n) for n in best[np.argsort(-scores[best])]]
