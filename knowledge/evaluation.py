"""`kb eval`: retrieval quality of the knowledge base on a question set (JSON lines).

Each question: `{"id", "lang", "question", "type", "expected": [{"path", "heading"}]}`; `type`
"unanswerable" has no expected sections. A retrieved section *hits* when its path equals an expected path
and its heading — or a heading of the trail it sits under — contains the expected heading (compared
without Markdown emphasis, case and spacing). A document hit only needs the path.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from bot.i18n import detect_language
from knowledge.answer import answer_question
from knowledge.answer_context import Searcher
from knowledge.types import SearchResult

UNANSWERABLE = "unanswerable"


class QuestionFileError(ValueError):
    """The question file is missing or malformed; the message says where."""


@dataclass(frozen=True)
class Expected:
    path: str
    heading: str


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    question: str
    type: str
    expected: tuple[Expected, ...]


@dataclass
class Outcome:
    question: Question
    section_rank: int | None  # 1-based rank of the first hitting section within k, None when missed
    document_rank: int | None
    answerable: bool
    confidence: float
    seconds: float


@dataclass
class GroupMetrics:
    count: int = 0
    section_recall: dict[int, float] = field(default_factory=dict)
    document_recall: dict[int, float] = field(default_factory=dict)
    section_mrr: float = 0.0
    document_mrr: float = 0.0
    answered: float | None = None  # share of answerable questions the bot would answer
    declined: float | None = None  # share of unanswerable questions the bot declines


def load_questions(path: Path) -> list[Question]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QuestionFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            expected = tuple(
                Expected(path=str(e["path"]), heading=str(e.get("heading", "")))
                for e in raw.get("expected", [])
            )
            text = str(raw["question"])
            questions.append(
                Question(
                    id=str(raw.get("id", number)),
                    # without "lang": the question's own; without "type": unanswerable when nothing is expected
                    lang=str(raw.get("lang") or detect_language(text)),
                    question=text,
                    type=str(raw.get("type") or (UNANSWERABLE if not expected else "question")),
                    expected=expected,
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise QuestionFileError(f"{path}:{number}: not a question object ({exc})") from exc
    if not questions:
        raise QuestionFileError(f"{path} holds no questions")
    return questions


_MARKUP = re.compile(r"[`*_]+|<[^>]+>")


def normalise_heading(text: str) -> str:
    return " ".join(_MARKUP.sub("", text).casefold().split())


class Located(Protocol):
    """What a hit is judged by: a section, or an answer's cited source."""

    @property
    def path(self) -> str: ...
    @property
    def heading(self) -> str: ...
    @property
    def headings(self) -> tuple[str, ...]: ...


def section_hits(section: Located, expected: Iterable[Expected]) -> bool:
    trail = [normalise_heading(h) for h in (section.heading, *section.headings)]
    for item in expected:
        if item.path != section.path:
            continue
        wanted = normalise_heading(item.heading)
        if not wanted or any(wanted in heading for heading in trail):
            return True
    return False


def bot_answers(knowledge: Searcher, *, k: int = 5) -> Callable[[str], bool]:
    """Whether the bot answers a question confidently, as it would in chat (extractively) — for
    `evaluate(..., answers=…)`."""
    return lambda question: (
        answer_question(question=question, knowledge=knowledge, today=date.today(), k=k).answered
    )


def evaluate(
    questions: Sequence[Question],
    search: Callable[[str], SearchResult],
    *,
    k: int = 5,
    answers: Callable[[str], bool] | None = None,
) -> list[Outcome]:
    """Each question searched; `answers`: whether the bot answers it confidently (default: the search's
    decision — an answer may still say "not sure" when what it would quote is not about the question)."""
    outcomes = []
    for question in questions:
        started = time.perf_counter()
        result = search(question.question)
        seconds = time.perf_counter() - started
        section_rank = document_rank = None
        paths = {e.path for e in question.expected}
        for rank, hit in enumerate(result.hits[:k], 1):
            if document_rank is None and hit.section.path in paths:
                document_rank = rank
            if section_rank is None and section_hits(hit.section, question.expected):
                section_rank = rank
        outcomes.append(
            Outcome(
                question=question,
                section_rank=section_rank,
                document_rank=document_rank,
                answerable=answers(question.question) if answers is not None else result.answerable,
                confidence=result.confidence,
                seconds=seconds,
            )
        )
    return outcomes


def group_metrics(outcomes: Sequence[Outcome], *, cutoffs: Sequence[int] = (1, 3, 5)) -> GroupMetrics:
    metrics = GroupMetrics(count=len(outcomes))
    answerable = [o for o in outcomes if o.question.type != UNANSWERABLE]
    unanswerable = [o for o in outcomes if o.question.type == UNANSWERABLE]
    if answerable:
        n = len(answerable)
        for cutoff in cutoffs:
            metrics.section_recall[cutoff] = (
                sum(1 for o in answerable if o.section_rank and o.section_rank <= cutoff) / n
            )
            metrics.document_recall[cutoff] = (
                sum(1 for o in answerable if o.document_rank and o.document_rank <= cutoff) / n
            )
        metrics.section_mrr = sum(1.0 / o.section_rank for o in answerable if o.section_rank) / n
        metrics.document_mrr = sum(1.0 / o.document_rank for o in answerable if o.document_rank) / n
        metrics.answered = sum(1 for o in answerable if o.answerable) / n
    if unanswerable:
        metrics.declined = sum(1 for o in unanswerable if not o.answerable) / len(unanswerable)
    return metrics


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    position = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[position]


def report(outcomes: Sequence[Outcome], *, k: int = 5) -> dict[str, Any]:
    """Metrics overall, for the rep-style questions (type ≠ faq_verbatim), per language and per type."""
    cutoffs = tuple(sorted({1, 3, min(5, k), k}))
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        q = outcome.question
        groups["all"].append(outcome)
        groups[f"lang:{q.lang}"].append(outcome)
        groups[f"type:{q.type}"].append(outcome)
        if q.type != "faq_verbatim":
            groups["rep"].append(outcome)
            groups[f"rep/lang:{q.lang}"].append(outcome)
    latencies = [o.seconds * 1000 for o in outcomes]
    return {
        "k": k,
        "questions": len(outcomes),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 2),
            "p95": round(percentile(latencies, 95), 2),
        },
        "groups": {
            name: _metrics_json(group_metrics(items, cutoffs=cutoffs))
            for name, items in sorted(groups.items())
        },
        "misses": [
            {"id": o.question.id, "question": o.question.question, "type": o.question.type}
            for o in outcomes
            if o.question.type != UNANSWERABLE and o.section_rank is None
        ],
        "abstention_errors": [
            {
                "id": o.question.id,
                "question": o.question.question,
                "answerable": o.answerable,
                "confidence": o.confidence,
            }
            for o in outcomes
            if o.answerable == (o.question.type == UNANSWERABLE)
        ],
    }


def _metrics_json(metrics: GroupMetrics) -> dict[str, Any]:
    data: dict[str, Any] = {"count": metrics.count}
    if metrics.section_recall:
        data["section_recall"] = {f"@{c}": round(v, 4) for c, v in metrics.section_recall.items()}
        data["section_mrr"] = round(metrics.section_mrr, 4)
        data["document_recall"] = {f"@{c}": round(v, 4) for c, v in metrics.document_recall.items()}
        data["document_mrr"] = round(metrics.document_mrr, 4)
    if metrics.answered is not None:
        data["answered"] = round(metrics.answered, 4)
    if metrics.declined is not None:
        data["declined"] = round(metrics.declined, 4)
    return data


def format_report(data: dict[str, Any]) -> str:
    """A compact table for the terminal."""
    k = data["k"]
    lines = [
        f"{data['questions']} questions, k={k}; search latency p50 {data['latency_ms']['p50']} ms, "
        f"p95 {data['latency_ms']['p95']} ms",
        f"{'group':<22}{'n':>5}{'sec R@1':>9}{'R@3':>7}{f'R@{min(5, k)}':>7}{'MRR':>7}"
        f"{'doc R@1':>9}{f'R@{min(5, k)}':>7}{'MRR':>7}{'answer':>8}{'decline':>8}",
    ]
    for name, group in data["groups"].items():
        sec = group.get("section_recall", {})
        doc = group.get("document_recall", {})

        def cell(value: float | None, width: int) -> str:
            return f"{value:>{width}.3f}" if value is not None else " " * (width - 1) + "-"

        lines.append(
            f"{name:<22}{group['count']:>5}{cell(sec.get('@1'), 9)}{cell(sec.get('@3'), 7)}"
            f"{cell(sec.get(f'@{min(5, k)}'), 7)}{cell(group.get('section_mrr'), 7)}"
            f"{cell(doc.get('@1'), 9)}{cell(doc.get(f'@{min(5, k)}'), 7)}{cell(group.get('document_mrr'), 7)}"
            f"{cell(group.get('answered'), 8)}{cell(group.get('declined'), 8)}"
        )
    if data["misses"]:
        lines.append(f"missed (no hitting section in the top {k}):")
        lines.extend(f"  {m['id']} [{m['type']}] {m['question']}" for m in data["misses"][:30])
    if data["abstention_errors"]:
        lines.append("abstention errors:")
        lines.extend(
            f"  {e['id']} {'answered' if e['answerable'] else 'declined'} "
            f"(confidence {e['confidence']:.2f}) {e['question']}"
            for e in data["abstention_errors"][:30]
        )
    return "\n".join(lines)
