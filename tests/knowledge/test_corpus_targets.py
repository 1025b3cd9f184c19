"""The dev targets on the shared TiDB corpus (skipped when ../shared is absent).

Marked `corpus`: it ingests ~365 real documents (about 10–30 s on the 2-core build machine) — the one test
that proves the retrieval quality figures reported in docs/knowledge.md.
"""

from pathlib import Path

import pytest

from knowledge.evaluation import evaluate, load_questions, report
from knowledge.ingest import ingest_paths
from tests.knowledge.kb_helpers import make_kb

EXTRA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"

pytestmark = [pytest.mark.corpus, pytest.mark.timeout(300)]


def test_dev_targets_on_the_shared_corpus(shared_dir: Path, tmp_path: Path) -> None:
    kb = make_kb(tmp_path)
    ingest = ingest_paths(kb, [shared_dir / "kb-eval" / "tidb-8.5"])
    assert ingest.skipped == [] and ingest.added > 300
    questions = load_questions(shared_dir / "kb-eval" / "questions-dev.jsonl")
    data = report(evaluate(questions, lambda q: kb.search(q, k=5), k=5), k=5)
    groups = data["groups"]
    # Issue targets: R@5 ≥ 0.95 and MRR ≥ 0.80 per language. Both meet them: English 1.000 / 0.944 (plain-word
    # fusion, release lists, heading coverage), Chinese 1.000 / 0.953 — guarded here so nothing regresses.
    floors = {"en": (0.99, 0.93), "zh": (0.95, 0.89)}
    for language, (recall, mrr) in floors.items():
        rep = groups[f"rep/lang:{language}"]
        assert rep["section_recall"]["@5"] >= recall, (language, rep, data["misses"])
        assert rep["section_mrr"] >= mrr, (language, rep)
    assert groups["type:unanswerable"]["declined"] >= 0.85
    assert groups["rep"]["answered"] >= 0.85
    verbatim = groups["type:faq_verbatim"]
    assert verbatim["section_recall"]["@5"] >= 0.99 and verbatim["answered"] >= 0.99
    assert verbatim["section_recall"]["@1"] >= 0.975

    # The project's own 140 rep-style questions (written without looking at the ranking, much harder
    # for plain BM25: R@5 0.45 / 0.65 in English / Chinese): guards that the gains generalise.
    extra = [
        question
        for half in ("tune", "check")
        for question in load_questions(EXTRA / f"questions-extra-{half}.jsonl")
    ]
    groups = report(evaluate(extra, lambda q: kb.search(q, k=5), k=5), k=5)["groups"]
    for language, recall in {"en": 0.65, "zh": 0.85}.items():
        assert groups[f"rep/lang:{language}"]["section_recall"]["@5"] >= recall, (language, groups)
    assert groups["rep"]["answered"] >= 0.85 and groups["type:unanswerable"]["declined"] >= 0.85
