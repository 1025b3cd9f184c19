"""Questions in one language against a knowledge base written only in the other: the cross-language decision.

    .venv/bin/python -m benchmarks.cross_language      # after benchmarks.retrieval prepared the corpora

A Chinese sales team often sells a product documented only in English (and the other way round). For each
bilingual corpus (its `en/` and `zh/` folders), each language folder alone is ingested into
var/bench/<corpus>-only-<lang>.db — its vectors copied from var/bench/<corpus>.db, nothing re-embedded —
and the corpus's questions in the *other* language are asked of it. A question's right section there is the
translation of its expected one: the section of the same document whose embedding is nearest.

Printed per corpus and question language: R@5 / MRR, answered / declined with the same-language decision
(`DEFAULT_HYBRID`), with the cross-language fit answering, and as shipped — the same-language decision
answers, the cross-language one (`DEFAULT_CROSS_LANGUAGE`, printed as fitted here) decides when the closest
sections are worth showing ("not sure") instead of "I don't know"; and the cross-language fit's rates on its
calibration examples when fitted on the other corpora only (a product it was not fitted on).
"""

from __future__ import annotations

import argparse
import dataclasses
import sqlite3
from datetime import date
from typing import Any

from benchmarks.retrieval import BENCH, CORPORA, HELD_OUT, CachedQueries
from bot.database import Database
from knowledge.answer import answer_question
from knowledge.base import KnowledgeBase
from knowledge.calibration import calibration_examples
from knowledge.decision import (
    CROSS_LANGUAGE_FEATURES,
    DEFAULT_HYBRID,
    DecisionModel,
    fit,
    rates,
)
from knowledge.embedding import BundledEmbedder
from knowledge.evaluation import Expected, Question, load_questions, section_hits
from knowledge.ingest import ingest_paths
from tests.fakes.harness import make_settings

LANGUAGES = ("en", "zh")
ROW = ("answered", "declined", "wrong", "closest")


def one_language_kb(name: str, language: str, *, embedder: Any) -> KnowledgeBase:
    """var/bench/<name>-only-<language>.db: the corpus's `language` folder, vectors from the whole corpus."""
    path = BENCH / f"{name}-only-{language}.db"
    url = f"sqlite:///{path}"
    db = Database(url)
    db.upgrade()
    kb = KnowledgeBase(db=db, settings=make_settings(url), embedder=embedder, version_check_seconds=0.0)
    ingest_paths(kb, [CORPORA[name][0] / language])
    with sqlite3.connect(path) as connection:
        connection.execute("ATTACH DATABASE ? AS whole", (str(BENCH / f"{name}.db"),))
        connection.execute("INSERT OR IGNORE INTO knowledge_vector SELECT * FROM whole.knowledge_vector")
    return KnowledgeBase(db=db, settings=make_settings(url), embedder=embedder, version_check_seconds=0.0)


def translated_questions(
    questions: list[Question], *, source: KnowledgeBase, target: KnowledgeBase, language: str
) -> list[Question]:
    """`language` questions with their expected sections moved to `target`: the nearest section (by
    embedding) of the same document in the other language. Unanswerable questions stay as they are."""
    import numpy as np

    src, dst = source.indexes().sections.sections, target.indexes().sections.sections
    src_dense, dst_dense = source._current_dense(), target._current_dense()
    assert src_dense is not None and dst_dense is not None, "run benchmarks.retrieval first (vectors)"
    moved: list[Question] = []
    for question in questions:
        if question.lang != language:
            continue
        if not question.expected:
            moved.append(question)
            continue
        expected: list[Expected] = []
        for item in question.expected:
            relative = item.path.split("/", 1)[1]
            mine = [i for i, s in enumerate(src) if section_hits(s, (Expected(relative, item.heading),))]
            theirs = [j for j, s in enumerate(dst) if s.path == relative]
            for i in mine:
                if not theirs:
                    continue
                vector = src_dense.matrix[src_dense.starts[i]]
                best = theirs[
                    int(np.argmax([dst_dense.matrix[dst_dense.starts[j]] @ vector for j in theirs]))
                ]
                expected.append(Expected(relative, dst[best].heading or dst[best].title))
        if expected:
            moved.append(dataclasses.replace(question, expected=tuple(dict.fromkeys(expected))))
    return moved


def deciding(kb: KnowledgeBase, decision: DecisionModel, *, closest: DecisionModel | None) -> KnowledgeBase:
    """`kb` with this answer decision and this judge of the closest sections (None: none)."""
    return KnowledgeBase(
        db=kb.db, settings=kb.settings, embedder=kb.embedder, decision=decision, closest_decision=closest
    )


def measure(kb: KnowledgeBase, questions: list[Question]) -> dict[str, float]:
    """R@5 and MRR over answerable questions, and answered / declined as the bot decides them."""
    answerable = [q for q in questions if q.expected]
    ranks = []
    answered = declined = wrong = closest = 0
    for question in questions:
        result = kb.search(question.question, k=5, language=question.lang)
        if question.expected:
            rank = next(
                (r for r, hit in enumerate(result.hits, 1) if section_hits(hit.section, question.expected)), 0
            )
            ranks.append(rank)
        answer = answer_question(question=question.question, knowledge=kb, today=date.today())
        strong = answer.support == "strong"
        closest += answer.support == "weak" and any(
            section_hits(s, question.expected) for s in answer.sources
        )
        answered += strong and bool(question.expected)
        wrong += (
            strong
            and bool(question.expected)
            and not any(section_hits(source, question.expected) for source in answer.sources)
        )
        declined += not strong and not question.expected
    unanswerable = len(questions) - len(answerable)
    return {
        "R@5": sum(1 for r in ranks if r) / max(1, len(ranks)),
        "MRR": sum(1 / r for r in ranks if r) / max(1, len(ranks)),
        "answered": answered / max(1, len(answerable)),
        "wrong": wrong / max(1, len(answerable)),
        "closest": closest / max(1, len(answerable)),
        "declined": declined / max(1, unanswerable),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--corpus",
        action="append",
        choices=sorted(set(CORPORA) - HELD_OUT),
        help="default: every prepared one but the held-out",
    )
    parser.add_argument("--strict", action="store_true", help="fit with missed questions as 'do not answer'")
    args = parser.parse_args(argv)
    embedder = CachedQueries(BundledEmbedder(), BENCH / "query-vectors.npz")
    names = args.corpus or [n for n in CORPORA if n not in HELD_OUT and (BENCH / f"{n}.db").exists()]
    examples: dict[tuple[str, str], list[Any]] = {}
    asked: dict[tuple[str, str], tuple[KnowledgeBase, list[Question]]] = {}
    for name in names:
        questions = [
            q for p in CORPORA[name][1] if p.exists() for q in load_questions(p) if q.type != "faq_verbatim"
        ]
        kbs = {language: one_language_kb(name, language, embedder=embedder) for language in LANGUAGES}
        for language in LANGUAGES:
            other = kbs["zh" if language == "en" else "en"]
            moved = translated_questions(questions, source=kbs[language], target=other, language=language)
            asked[(name, language)] = (other, moved)
            examples[(name, language)] = calibration_examples(other, moved, strict=args.strict)
    everything = [e for items in examples.values() for e in items]
    report = fit(everything, features=CROSS_LANGUAGE_FEATURES, source="default")
    print(f"cross-language decision fitted on {len(everything)} examples of {', '.join(names)}")
    print(f"  weights {dict(report.model.weights)} bias {report.model.bias}")
    print(f"  threshold {report.model.threshold} weak {report.model.weak_threshold}")
    print(
        "answered / declined / wrong (confident, citing no right section) / closest (not sure, a right one shown)"
    )
    print(
        "corpus           asks  n   R@5   MRR   | same-language decision  | cross fit, answering    | left out    | shipped: same-language answers, cross fit shows the closest"
    )
    for (name, language), (kb, questions) in asked.items():
        others = [e for (other, _), items in examples.items() if other != name for e in items]
        held_out = fit(others, features=CROSS_LANGUAGE_FEATURES).model if others else report.model
        out_answered, out_declined = rates(held_out, examples[(name, language)])
        rows = [
            measure(deciding(kb, DEFAULT_HYBRID, closest=None), questions),
            measure(deciding(kb, report.model, closest=None), questions),
            measure(deciding(kb, DEFAULT_HYBRID, closest=report.model), questions),
        ]
        same, answering, cross = (" / ".join(f"{row[key]:.2f}" for key in ROW) for row in rows)
        print(
            f"{name:<16} {language}    {len(questions):<3} {rows[0]['R@5']:.3f} {rows[0]['MRR']:.3f} | {same} | "
            f"{answering} | {out_answered:.2f} / {out_declined:.2f} | {cross}"
        )
    embedder.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
