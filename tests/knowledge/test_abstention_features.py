"""The answer/abstain features for Chinese words the corpus lacks as words but knows by parts."""

from pathlib import Path

import pytest

from knowledge.base import (
    PART_KNOWN_UNKNOWNNESS,
    KnowledgeBase,
    known_compound_parts,
    unknownness,
)
from knowledge.ingest import ingest_paths
from tests.knowledge.kb_helpers import make_kb, write_corpus


def test_a_compound_is_known_by_known_sub_words_that_span_it() -> None:
    terms = ["中文论坛", "中文", "文论", "论坛"]
    known = {"中文论坛": False, "中文": True, "文论": False, "论坛": True}
    assert known_compound_parts(terms, known) == {"中文论坛": ["中文", "论坛"]}
    # a character no known sub-word covers (部门 unknown): not known by its parts
    terms = ["安全部门", "安全", "全部", "部门"]
    known = {"安全部门": False, "安全": True, "全部": True, "部门": False}
    assert known_compound_parts(terms, known) == {}


def test_a_chinese_word_written_with_the_corpus_characters_is_half_unknown() -> None:
    characters = frozenset("压力测试加密")
    assert unknownness("压测", characters=characters) == PART_KNOWN_UNKNOWNNESS
    assert unknownness("测", characters=characters) == PART_KNOWN_UNKNOWNNESS
    assert unknownness("钉", characters=characters) == 1.0  # a character the corpus never writes
    assert unknownness("oceanbas", characters=characters) == 1.0


@pytest.fixture
def kb(tmp_path: Path):  # type: ignore[no-untyped-def]
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs")])
    return kb


def test_unknown_feature_counts_a_part_known_word_by_half(kb: KnowledgeBase) -> None:
    index = kb.indexes().sections
    assert "加密" in index.vocabulary and "密加" not in index.vocabulary and "钉" not in index.vocabulary

    def unknown(terms: list[str]) -> float:
        return KnowledgeBase.abstention_features(
            index=index, terms=terms, unknown_names=[], top=0, top_score=0.0, language="zh"
        )["unknown"]

    share = index.idf("密加") / (index.idf("加密") + index.idf("密加"))
    assert unknown(["加密", "密加"]) == pytest.approx(PART_KNOWN_UNKNOWNNESS * share)
    assert unknown(["加密", "钉"]) == pytest.approx(share)
