"""Parallel documents: pairing by path, section alignment, the learned lexicon and the twins' evidence."""

from pathlib import Path

import numpy as np

from knowledge.base import twin_scores
from knowledge.ingest import ingest_paths
from knowledge.parallel import Block, align_blocks, document_pairs, parallel_key
from tests.knowledge.kb_helpers import make_kb, write_corpus

# (English word, Chinese word) per topic; document i covers topics i and i + 1, so each word is in two
# aligned sections of two different documents.
TOPICS = [
    ("backup", "备份"),
    ("cache", "缓存"),
    ("partition", "分区"),
    ("migration", "迁移"),
    ("monitoring", "监控"),
    ("encryption", "加密"),
    ("placement", "调度"),
]


def parallel_corpus() -> dict[str, str]:
    files: dict[str, str] = {}
    for i in range(len(TOPICS) - 1):
        (en_a, zh_a), (en_b, zh_b) = TOPICS[i], TOPICS[i + 1]
        files[f"en/guide-{i}.md"] = (
            f"# Guide {i}\n\nOverview of guide {i}.\n\n## Part one\n\nThe {en_a} feature works with v{i}.1.\n\n"
            f"## Part two\n\nThe {en_b} feature needs option_{i}.\n"
        )
        files[f"zh/guide-{i}.md"] = (
            f"# 指南 {i}\n\n指南 {i} 概述。\n\n## 第一部分\n\n{zh_a}功能支持 v{i}.1。\n\n"
            f"## 第二部分\n\n{zh_b}功能需要 option_{i}。\n"
        )
    return files


def test_paths_differing_by_a_language_marker_pair_up() -> None:
    assert parallel_key("en/faq/x.md", "en") == "faq/x.md"
    assert parallel_key("docs/zh-cn/x.md", "zh") == "docs/x.md"
    assert parallel_key("guide.zh.md", "zh") == "guide.md"
    assert parallel_key("guide_en.md", "en") == "guide.md"
    assert parallel_key("faq/x.md", "en") is None
    assert parallel_key("en/x.md", "zh") is None
    pairs = document_pairs(
        [
            (1, "en/a.md", "en"),
            (2, "zh/a.md", "zh"),
            (3, "en/b.md", "en"),
            (4, "en/c.md", "en"),
            (5, "c.md", "en"),
        ]
    )
    assert pairs == [(1, 2)]


def test_blocks_align_by_depth_and_shared_terms() -> None:
    same = [Block(0, (0,)), Block(1, (1,)), Block(1, (2,))]
    assert align_blocks(same, same, None) == [(0, 0), (1, 1), (2, 2)]
    first = [Block(0, (0,)), Block(1, (1,)), Block(1, (2,)), Block(1, (3,))]
    second = [Block(0, (10,)), Block(1, (11,)), Block(1, (13,))]  # the second language lacks block 2
    shared = np.zeros((4, 3))
    shared[0, 0] = shared[1, 1] = shared[3, 2] = 1.0
    assert align_blocks(first, second, shared) == [(0, 0), (1, 1), (3, 2)]


def test_a_lexicon_is_learned_from_aligned_sections(tmp_path: Path) -> None:
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs", parallel_corpus())])
    parallel = kb.indexes().parallel
    assert parallel is not None
    assert [word for word, _ in parallel.translate("cach", "en", "zh")] == ["缓存"]
    assert [word for word, _ in parallel.translate("分区", "zh", "en")] == ["partit"]


def test_a_section_receives_its_twins_evidence(tmp_path: Path) -> None:
    files = parallel_corpus()
    files["zh/other.md"] = "# 其他\n\n## 第一部分\n\n备份功能的其他说明。\n"  # no English twin
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs", files)])
    indexes = kb.indexes()
    twin = twin_scores(indexes, ["option_0"], {}, language="zh")
    assert twin is not None
    sections = indexes.sections.sections
    lifted = {(sections[n].path, sections[n].heading) for n in np.flatnonzero(twin > 0)}
    assert lifted == {("zh/guide-0.md", "第二部分")}  # English twin says option_0; nothing else, no English
    assert twin_scores(indexes, ["option_0"], {}, language="en") is None  # English questions: own words


def test_no_parallel_documents_no_twins(tmp_path: Path) -> None:
    kb = make_kb(tmp_path)
    ingest_paths(
        kb, [write_corpus(tmp_path / "docs", {"en/a.md": "# A\n\nBackups.\n", "zh/b.md": "# B\n\n备份。\n"})]
    )
    assert kb.indexes().parallel is None
    assert kb.search("备份", k=3).hits
