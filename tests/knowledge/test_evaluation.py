import json
from pathlib import Path

import pytest

from knowledge.evaluation import (
    Expected,
    QuestionFileError,
    evaluate,
    load_questions,
    normalise_heading,
    percentile,
    report,
    section_hits,
)
from knowledge.types import Hit, SearchResult, Section


def _section(path: str, heading: str, trail: tuple[str, ...] = ()) -> Section:
    return Section(
        id=1, document_id=1, path=path, title="T", heading=heading, headings=trail, text="", language="en"
    )


def test_hit_rule_uses_heading_or_trail_and_ignores_markup() -> None:
    expected = [Expected(path="en/a.md", heading="A `quoted` **thing**")]
    assert section_hits(_section("en/a.md", "A quoted thing"), expected)
    assert section_hits(_section("en/a.md", "Details", ("Top", "A `quoted` **thing**")), expected)
    assert not section_hits(_section("en/b.md", "A quoted thing"), expected)
    assert not section_hits(_section("en/a.md", "Other"), expected)
    assert normalise_heading("  `X`  **Y** ") == "x y"


def test_metrics_on_a_tiny_fixture(tmp_path: Path) -> None:
    rows = [
        {
            "id": "1",
            "lang": "en",
            "question": "q1",
            "type": "faq",
            "expected": [{"path": "a.md", "heading": "A"}],
        },
        {
            "id": "2",
            "lang": "zh",
            "question": "q2",
            "type": "faq",
            "expected": [{"path": "b.md", "heading": "B"}],
        },
        {"id": "3", "lang": "en", "question": "q3", "type": "unanswerable", "expected": []},
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    questions = load_questions(path)
    results = {
        "q1": ([_section("x.md", "X"), _section("a.md", "A")], True),  # section rank 2
        "q2": ([_section("b.md", "Other")], False),  # document hit only, declined
        "q3": ([_section("x.md", "X")], True),  # should have declined
    }

    def search(query: str) -> SearchResult:
        sections, answerable = results[query]
        hits = [Hit(section=s, score=1.0, rank=i) for i, s in enumerate(sections, 1)]
        return SearchResult(
            query=query, hits=hits, confidence=0.9 if answerable else 0.1, answerable=answerable
        )

    data = report(evaluate(questions, search, k=5), k=5)
    overall = data["groups"]["all"]
    assert overall["section_recall"] == {"@1": 0.0, "@3": 0.5, "@5": 0.5}
    assert overall["section_mrr"] == 0.25
    assert overall["document_recall"]["@1"] == 0.5 and overall["document_mrr"] == 0.75
    assert overall["answered"] == 0.5 and overall["declined"] == 0.0
    assert data["groups"]["lang:zh"]["section_recall"]["@5"] == 0.0
    assert [m["id"] for m in data["misses"]] == ["2"]
    assert {e["id"] for e in data["abstention_errors"]} == {"2", "3"}
    assert set(data["latency_ms"]) == {"p50", "p95"}
    # answered / declined as the bot answers: a sure search whose answer says "not sure" is not answered
    as_answered = report(evaluate(questions, search, k=5, answers=lambda q: q == "q2"), k=5)["groups"]["all"]
    assert as_answered["section_mrr"] == 0.25  # the ranking is the search's either way
    assert as_answered["answered"] == 0.5 and as_answered["declined"] == 1.0


def test_bad_question_files(tmp_path: Path) -> None:
    with pytest.raises(QuestionFileError):
        load_questions(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    with pytest.raises(QuestionFileError, match=r"bad\.jsonl:1"):
        load_questions(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(QuestionFileError):
        load_questions(empty)


def test_percentile() -> None:
    assert percentile([], 95) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 100.0], 50) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 100.0], 95) == 100.0


def test_a_question_file_without_lang_or_type(tmp_path: Path) -> None:
    # a team's own file often has only the question and what answers it: the language is the question's,
    # and a question expecting nothing is one to decline — no report rows labelled "lang:" or "type:"
    path = tmp_path / "q.jsonl"
    rows = [
        {"question": "How many workflows on Growth?", "expected": [{"path": "plans.md"}]},
        {"question": "成长版能有多少个工作流？", "expected": [{"path": "plans.md"}]},
        {"question": "Is there a Mars base?"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    questions = load_questions(path)
    assert [(q.lang, q.type) for q in questions] == [
        ("en", "question"),
        ("zh", "question"),
        ("en", "unanswerable"),
    ]
