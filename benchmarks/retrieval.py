"""Retrieval benchmark over the shared bilingual corpus: SalesBridge's index vs a plain BM25 baseline.

    .venv/bin/python -m benchmarks.retrieval                       # ../shared/kb-eval, k=5
    .venv/bin/python -m benchmarks.retrieval --k 10 --json
    .venv/bin/python -m benchmarks.retrieval --corpus DIR --questions A.jsonl --questions B.jsonl

Ingests the corpus into a fresh SQLite database (timed), loads the index (timed), and reports the index
size (database file and in-memory arrays), resident memory, search latency p50/p95 over every question
(three passes) and the quality metrics of `kb eval` — section/document Recall@1/3/5, MRR, answer and
decline rates — for the rep-style questions (type ≠ faq_verbatim) per language, the verbatim FAQ
questions, and overall — for the shared dev questions and, beside them, the project's own independent
rep-style questions over the same corpus (`benchmarks/data/questions-extra-{tune,check,final}.jsonl`, 220
questions written without looking at the ranking; see docs/knowledge.md). The baseline is BM25 over the same sections with whitespace-separated words and
single Chinese characters (no stemming, stop words, fields, expansion or calibrated abstention: it
"answers" whenever anything matched).
Targets (docs/knowledge.md): rep section R@5 ≥ 0.95 and MRR ≥ 0.80 per language, answered and declined
≥ 0.85, p95 ≤ 20 ms, ingest ≤ 60 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "kb-eval"
EXTRA_QUESTIONS = [
    ROOT / "benchmarks" / "data" / f"questions-extra-{half}.jsonl" for half in ("tune", "check", "final")
]


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def index_bytes(index: Any) -> int:
    total = sum(a.nbytes for a in index.postings_ids) + sum(a.nbytes for a in index.postings_tf)
    return int(total + index.idf_values.nbytes)


def with_texts(kb: Any, sections: Any) -> list[Any]:
    """The sections with their texts, read from the database."""
    from dataclasses import replace

    texts = kb._section_texts([section.id for section in sections])
    return [replace(section, text=texts.get(section.id, "")) for section in sections]


class BaselineRetriever:
    """Plain BM25 (k1=1.2, b=0.75) over whitespace words and single Chinese characters of each section."""

    def __init__(self, sections: list[Any]) -> None:
        from knowledge.index import BM25FParams, IndexedSection, SectionIndex
        from knowledge.tokenize import baseline_tokens

        self._tokens = baseline_tokens
        items = [
            IndexedSection(section=s, fields=("", "", " ".join(baseline_tokens(f"{s.heading}\n{s.text}"))))
            for s in sections
        ]
        self.index = SectionIndex.build(
            items, params=BM25FParams(k1=1.2, weights=(0.0, 0.0, 1.0), b=(0.0, 0.0, 0.75))
        )

    def search(self, query: str, *, k: int = 5) -> Any:
        from knowledge.types import Hit, SearchResult

        scores = self.index.scores(self._tokens(query))
        ranked = self.index.top(scores, k)
        hits = [
            Hit(section=self.index.sections[n], score=float(scores[n]), rank=r)
            for r, n in enumerate(ranked, 1)
        ]
        return SearchResult(query=query, hits=hits, confidence=1.0 if hits else 0.0, answerable=bool(hits))


def measure(search: Any, questions: list[Any], *, k: int, passes: int = 3) -> dict[str, Any]:
    from knowledge.evaluation import evaluate, percentile, report

    data = report(evaluate(questions, search, k=k), k=k)
    latencies = []
    for _ in range(passes):
        for question in questions:
            started = time.perf_counter()
            search(question.question)
            latencies.append((time.perf_counter() - started) * 1000)
    data["latency_ms"] = {
        "p50": round(percentile(latencies, 50), 3),
        "p95": round(percentile(latencies, 95), 3),
    }
    return data


def summary_rows(data: dict[str, Any]) -> dict[str, Any]:
    groups = data["groups"]
    rows: dict[str, Any] = {}
    for name in ("rep/lang:en", "rep/lang:zh", "rep", "type:faq_verbatim", "all"):
        group = groups.get(name, {})
        rows[name] = {
            "R@1": group.get("section_recall", {}).get("@1"),
            "R@3": group.get("section_recall", {}).get("@3"),
            "R@5": group.get("section_recall", {}).get("@5"),
            "MRR": group.get("section_mrr"),
            "doc R@5": group.get("document_recall", {}).get("@5"),
            "answered": group.get("answered"),
        }
    rows["type:unanswerable"] = {"declined": groups.get("type:unanswerable", {}).get("declined")}
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "tidb-8.5")
    parser.add_argument(
        "--questions", type=Path, action="append", help="question files (default: dev + the extra sets)"
    )
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the full results as JSON")
    args = parser.parse_args(argv)
    question_files = args.questions or [SHARED / "questions-dev.jsonl", *EXTRA_QUESTIONS]
    missing = [str(path) for path in [args.corpus, *question_files] if not path.exists()]
    if missing:
        print(f"corpus or questions not found: {', '.join(missing)}", file=sys.stderr)
        return 2

    sys.path.insert(0, str(ROOT))
    from bot.database import Database
    from knowledge.base import KnowledgeBase
    from knowledge.evaluation import load_questions
    from knowledge.ingest import ingest_paths
    from tests.fakes.harness import make_settings

    rss_start = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "kb.db"
        url = f"sqlite:///{db_path}"
        db = Database(url)
        db.create_all()
        kb = KnowledgeBase(db=db, settings=make_settings(url))
        started = time.perf_counter()
        ingest = ingest_paths(kb, [args.corpus])
        ingest_seconds = time.perf_counter() - started
        fresh = KnowledgeBase(db=db, settings=make_settings(url))  # a new process's cold load
        started = time.perf_counter()
        fresh.warm()
        load_seconds = time.perf_counter() - started
        ours_by_file = {
            path.name: measure(lambda q: fresh.search(q, k=args.k), load_questions(path), k=args.k)
            for path in question_files
        }
        rss_after = rss_mb()
        database_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
        indexes = fresh.indexes()
        sections = with_texts(fresh, indexes.sections.sections)  # the index keeps no texts
        parts = [indexes.sections, indexes.headings, indexes.documents]
        if indexes.plain is not None:
            parts.append(indexes.plain)
        memory_mb = sum(index_bytes(part) for part in parts) / 1e6
        started = time.perf_counter()
        baseline = BaselineRetriever(sections)
        baseline_build = time.perf_counter() - started
        theirs_by_file = {
            path.name: measure(lambda q: baseline.search(q, k=args.k), load_questions(path), k=args.k)
            for path in question_files
        }
        db.dispose()

    result: dict[str, Any] = {
        "corpus": str(args.corpus),
        "files": ingest.files,
        "sections": len(sections),
        "skipped": ingest.skipped,
        "ingest_seconds": round(ingest_seconds, 2),
        "index_load_seconds": round(load_seconds, 2),
        "baseline_build_seconds": round(baseline_build, 2),
        "database_mb": round(database_mb, 1),
        "index_arrays_mb": round(memory_mb, 1),
        "rss_mb": {"start": round(rss_start, 1), "after_ingest_and_search": round(rss_after, 1)},
        "question_sets": {
            name: {
                "salesbridge": {"latency_ms": ours["latency_ms"], "metrics": summary_rows(ours)},
                "baseline": {
                    "latency_ms": theirs_by_file[name]["latency_ms"],
                    "metrics": summary_rows(theirs_by_file[name]),
                },
            }
            for name, ours in ours_by_file.items()
        },
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(
        f"{result['files']} files → {result['sections']} sections; ingest {result['ingest_seconds']} s, "
        f"cold index load {result['index_load_seconds']} s; database {result['database_mb']} MB, "
        f"index arrays {result['index_arrays_mb']} MB; RSS {rss_after:.1f} MB"
    )
    for name, ours in ours_by_file.items():
        theirs = theirs_by_file[name]
        print(
            f"\n{name}: search latency p50/p95 salesbridge {ours['latency_ms']['p50']}/"
            f"{ours['latency_ms']['p95']} ms, baseline {theirs['latency_ms']['p50']}/{theirs['latency_ms']['p95']} ms"
        )
        print(f"{'group':<20}{'metric':>10}{'salesbridge':>13}{'baseline':>10}")
        ours_rows, theirs_rows = summary_rows(ours), summary_rows(theirs)
        for group, metrics in ours_rows.items():
            for metric, value in metrics.items():
                other = theirs_rows[group].get(metric)
                if value is None and other is None:
                    continue
                fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
                print(f"{group:<20}{metric:>10}{fmt(value):>13}{fmt(other):>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
