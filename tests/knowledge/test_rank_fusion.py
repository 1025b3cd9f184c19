"""English rankings are fused with a plain whitespace-word index; Chinese rankings are not."""

from pathlib import Path

import pytest

import knowledge.base as base
from knowledge.base import _reciprocal_rank_fusion
from knowledge.ingest import ingest_paths
from tests.knowledge.kb_helpers import make_kb, write_corpus

JOBS = {
    "en/jobs.md": """# Jobs

## Scheduler

The scheduler runs jobs.

## Worker

The worker is running jobs.
""",
}


def test_weighted_reciprocal_rank_fusion() -> None:
    # 7 leads the first ranking, 8 the second: with equal weights the tie goes to sum order, with a lighter
    # second ranking the first one wins; a section both rankings agree on beats either leader.
    assert _reciprocal_rank_fusion([[7, 8], [8, 7]], weights=[1.0, 0.7])[0] == 7
    assert _reciprocal_rank_fusion([[7, 8], [8, 7]], weights=[0.7, 1.0])[0] == 8
    assert _reciprocal_rank_fusion([[7, 9], [8, 9]])[0] == 9
    assert _reciprocal_rank_fusion([[1, 2], []]) == [1, 2]


@pytest.fixture
def kb(tmp_path: Path):  # type: ignore[no-untyped-def]
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs", JOBS)])
    return kb


def test_surface_words_reorder_english_results(kb, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    question = "Which component is running jobs?"
    # Stemmed and without stop words both sections say "run jobs"; the shorter one wins on its own …
    monkeypatch.setattr(base, "PLAIN_FUSION_LANGUAGES", frozenset())
    assert kb.search(question).hits[0].section.heading == "Scheduler"
    # … the words as written ("is running") settle it once the plain ranking is fused in.
    monkeypatch.setattr(base, "PLAIN_FUSION_LANGUAGES", frozenset({"en"}))
    result = kb.search(question)
    assert [h.section.heading for h in result.hits] == ["Worker", "Scheduler"]
    assert [h.rank for h in result.hits] == [1, 2]
    assert result.answerable


def test_other_languages_keep_the_analysed_ranking(kb) -> None:  # type: ignore[no-untyped-def]
    assert kb.search("Which component is running jobs?", language="zh").hits[0].section.heading == "Scheduler"


def test_plain_fusion_adds_nothing_when_the_analysed_index_finds_nothing(kb) -> None:  # type: ignore[no-untyped-def]
    # only stop words: the analysed index has no term, so the plain index must not invent an answer
    result = kb.search("is the")
    assert result.hits == [] and not result.answerable


def test_plain_fusion_respects_the_product_filter(kb) -> None:  # type: ignore[no-untyped-def]
    assert kb.search("Which component is running jobs?", product="nothing-like-this").hits == []


def test_plain_ranking_needs_a_shared_content_word(kb) -> None:  # type: ignore[no-untyped-def]
    from knowledge.base import plain_ranking

    plain = kb.indexes().plain
    headings = lambda q: [plain.sections[n].heading for n in plain_ranking(plain, q, limit=5, language="en")]  # noqa: E731
    # "is" and "the" alone would rank the Worker ("The worker is …") first in a corpus this small
    assert headings("is the") == []
    assert headings("Is the scheduler up?") == ["Scheduler"]
    assert headings("Is the worker running?") == ["Worker"]
