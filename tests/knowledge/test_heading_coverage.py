"""A heading of several words that the question covers entirely (synonyms counting) lifts its section."""

from pathlib import Path

import pytest

from knowledge.base import covered_headings, whole_words
from knowledge.ingest import ingest_paths
from knowledge.tokenize import tokens
from tests.knowledge.kb_helpers import make_kb, write_corpus

DOCS = {
    "en/limitations.md": """# Product limitations

## Limitations on storage version

In your cluster, if the version of the server component is v3.2.0 or later, the version of the storage
component must be v3.2.0 or later.

## Limitations on identifiers

Identifiers are at most 64 characters long.
""",
    "en/upgrade.md": """# Upgrade the cluster

## Rolling upgrade

Upgrade the server nodes of the cluster one by one; storage nodes follow. While older storage nodes run
next to upgraded servers, the server version and the storage version of the cluster are shown on the
dashboard during the upgrade and the migration. Run the upgrade on a cluster with at least three storage
nodes; servers run the migration of the metadata.
""",
}

QUESTION = "Can the customer run 3.2 servers against older storage nodes during the migration? Any version constraint?"


@pytest.fixture
def kb(tmp_path: Path):  # type: ignore[no-untyped-def]
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs", DOCS)])
    return kb


def test_whole_words_drop_parts_of_compounds_and_identifiers() -> None:
    assert whole_words(["使用限制", "使用", "限制", "使用限制"]) == ["使用限制"]
    assert whole_words(["tidb_mem_quota", "tidb", "mem", "quota", "limit"]) == ["tidb_mem_quota", "limit"]


def test_a_fully_covered_heading_of_three_words_is_found(kb) -> None:  # type: ignore[no-untyped-def]
    indexes = kb.indexes()
    headings = [section.heading for section in indexes.sections.sections]
    covered = covered_headings(indexes, list(dict.fromkeys(tokens(QUESTION, query=True))))
    # "constraint" covers "Limitations" through its synonym group; storage and version are in the question
    assert [h for h, c in zip(headings, covered, strict=True) if c] == ["Limitations on storage version"]
    # two-word headings are never lifted: "Rolling upgrade" is covered by "rolling upgrade?" by chance
    assert not any(covered_headings(indexes, tokens("rolling upgrade?", query=True)))


def test_the_covered_heading_is_lifted_but_keeps_its_reported_score(kb) -> None:  # type: ignore[no-untyped-def]
    import knowledge.base as base
    from knowledge.tokenize import tokens as analyse

    indexes = kb.indexes()
    headings = [section.heading for section in indexes.sections.sections]
    target = headings.index("Limitations on storage version")
    original = base.HEADING_COVERAGE_BOOST
    try:
        base.HEADING_COVERAGE_BOOST = 0.0
        plain, own, _ = kb._analysed_scores(indexes, QUESTION, analyse(QUESTION, query=True), language="en")
        plain_result = kb.search(QUESTION, k=3)
    finally:
        base.HEADING_COVERAGE_BOOST = original
    lifted, lifted_own, _ = kb._analysed_scores(indexes, QUESTION, analyse(QUESTION, query=True), language="en")
    others = [n for n in range(len(headings)) if n != target]
    assert lifted[target] == pytest.approx(plain[target] * (1.0 + original))
    assert lifted[others] == pytest.approx(plain[others])
    assert lifted_own == pytest.approx(own)  # what the hits show and the decision judges is not lifted
    # the lift ranks; the reported score and the answer/abstain decision are those without it
    result = kb.search(QUESTION, k=3)
    assert result.hits[0].section.heading == "Limitations on storage version"
    assert result.hits[0].score == pytest.approx(plain_result.hits[0].score)
    assert result.confidence == pytest.approx(plain_result.confidence)


def test_chinese_questions_are_not_lifted(kb) -> None:  # type: ignore[no-untyped-def]
    from knowledge.base import heading_coverage_factors

    indexes = kb.indexes()
    assert heading_coverage_factors(indexes, ["storag", "version", "limit"], language="zh") is None
    factors = heading_coverage_factors(indexes, ["storag", "version", "limit"], language="en")
    assert factors is not None and sorted(set(factors.tolist())) == [1.0, 2.0]
