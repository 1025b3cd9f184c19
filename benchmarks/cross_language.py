"""How much lower the embedding model scores a section in the other language than the question's, for the
same content — measured on parallel documents (en/x.md ↔ zh/x.md) of the benchmark corpora.

    .venv/bin/python -m benchmarks.cross_language            # every prepared corpus (run benchmarks.retrieval first)

For each answerable question, the best similarity among the sections of its expected document is compared
with the best among the sections of that document's translation: the median difference is the model's
same-language bias, `RetrievalConfig.cross_language_offset`. A property of the model, not of a corpus: it is
reported per corpus so that it can be seen to agree.
"""

from __future__ import annotations

import statistics
import sys
from typing import Any

from benchmarks.retrieval import BENCH, CORPORA, ROOT, CachedQueries


def twin(path: str) -> str | None:
    for own, other in (("en/", "zh/"), ("zh/", "en/")):
        if path.startswith(own):
            return other + path[len(own) :]
    return None


def measure(name: str, embedder: Any) -> list[float]:
    import numpy as np

    from bot.database import Database
    from knowledge.base import KnowledgeBase
    from knowledge.evaluation import load_questions
    from tests.fakes.harness import make_settings

    url = f"sqlite:///{BENCH / f'{name}.db'}"
    kb = KnowledgeBase(db=Database(url), settings=make_settings(url), embedder=embedder)
    lexical = kb.indexes()
    dense = kb._current_dense()
    if dense is None:
        return []
    paths = np.array([s.path for s in lexical.sections.sections])
    gaps = []
    for file in CORPORA[name][1]:
        if not file.exists():
            continue
        for question in load_questions(file):
            if not question.expected:
                continue
            own, other = question.expected[0].path, twin(question.expected[0].path)
            if other is None or not (paths == other).any():
                continue
            similarities = dense.similarities(embedder.query(question.question), size=lexical.size)
            embedded = dense.embedded
            in_own, in_other = (paths == own) & embedded, (paths == other) & embedded
            if in_own.any() and in_other.any():
                gaps.append(float(similarities[in_own].max() - similarities[in_other].max()))
    return gaps


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from knowledge.embedding import BundledEmbedder

    embedder = CachedQueries(BundledEmbedder(), BENCH / "query-vectors.npz")
    everything = []
    for name in CORPORA:
        if (BENCH / f"{name}.db").exists():
            gaps = measure(name, embedder)
            if gaps:
                everything.extend(gaps)
                print(
                    f"{name}: {len(gaps)} questions, same-language bias median {statistics.median(gaps):.4f}, "
                    f"mean {statistics.mean(gaps):.4f}"
                )
    embedder.save()
    if everything:
        print(f"all: {len(everything)} questions, median {statistics.median(everything):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
