"""Fit the default answer decisions (`knowledge/decision.py`) and check them on a corpus left out.

    .venv/bin/python -m benchmarks.decision_fit            # after benchmarks.retrieval prepared the corpora
    .venv/bin/python -m benchmarks.decision_fit --strict --save var/bench/strict.json   # `kb calibrate --strict`

For every prepared corpus (var/bench/<corpus>.db) and mode (hybrid: lexical + bundled embeddings; lexical
only), the calibration examples of `kb calibrate` are collected from all its question sets. Printed: the fit
on every corpus (the defaults), and for each corpus the answered / declined rates of a fit on the *other*
corpora — how the defaults do on a product they were not fitted on.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from benchmarks.retrieval import BENCH, CORPORA, HELD_OUT, CachedQueries
from bot.database import Database
from knowledge.base import KnowledgeBase
from knowledge.calibration import calibration_examples
from knowledge.decision import HYBRID_FEATURES, LEXICAL_FEATURES, fit, rates
from knowledge.embedding import BundledEmbedder
from knowledge.evaluation import load_questions
from tests.fakes.harness import make_settings


def examples_for(name: str, *, embedder: Any, strict: bool = False) -> list[Any]:
    url = f"sqlite:///{BENCH / f'{name}.db'}"
    kb = KnowledgeBase(db=Database(url), settings=make_settings(url), embedder=embedder)
    questions = [q for path in CORPORA[name][1] if path.exists() for q in load_questions(path)]
    questions = [q for q in questions if q.type != "faq_verbatim"]
    return calibration_examples(kb, questions, strict=strict)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--corpus",
        action="append",
        choices=sorted(CORPORA),
        help="default: every prepared one but the held-out",
    )
    parser.add_argument("--strict", action="store_true", help="missed questions count as 'do not answer'")
    parser.add_argument(
        "--save", type=Path, help="write the hybrid fit here (benchmarks.retrieval --decision)"
    )
    args = parser.parse_args(argv)
    embedder = CachedQueries(BundledEmbedder(), BENCH / "query-vectors.npz")
    names = args.corpus or [n for n in CORPORA if n not in HELD_OUT and (BENCH / f"{n}.db").exists()]
    for mode, features, model in (("hybrid", HYBRID_FEATURES, embedder), ("lexical", LEXICAL_FEATURES, None)):
        by_corpus = {name: examples_for(name, embedder=model, strict=args.strict) for name in names}
        everything = [e for examples in by_corpus.values() for e in examples]
        report = fit(everything, features=features, source="default")
        print(f"\n{mode}: fitted on {len(everything)} examples of {', '.join(names)}")
        print(f"  weights {dict(report.model.weights)} bias {report.model.bias}")
        print(f"  threshold {report.model.threshold} weak {report.model.weak_threshold}")
        if args.save and mode == "hybrid":
            args.save.write_text(report.model.to_json(), encoding="utf-8")
        for name, examples in by_corpus.items():
            answered, declined = rates(report.model, examples)
            others = [e for other, items in by_corpus.items() if other != name for e in items]
            held_out = fit(others, features=features).model if others else report.model
            out_answered, out_declined = rates(held_out, examples)
            print(
                f"  {name:<17} n={len(examples):<4} fitted on all: answered {answered:.3f} declined {declined:.3f}"
                f" | fitted without it: answered {out_answered:.3f} declined {out_declined:.3f}"
            )
    embedder.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
