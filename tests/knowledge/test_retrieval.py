from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.ingest import ingest_paths
from tests.knowledge.kb_helpers import make_kb, write_corpus


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs")])
    return kb


def test_rep_style_questions_rank_the_answering_section_first(kb: KnowledgeBase) -> None:
    cases = {
        "Customer asks what servers they should buy for production": "What hardware is recommended for production?",
        "Is there a cap on how many statements go in one transaction?": "Limitations on transactions",
        "Can we save money with SATA disks?": "Can I deploy on SATA disks?",
        "客户问生产环境要什么硬件？": "生产环境推荐什么硬件配置？",
        "数据落盘加密支持吗": "是否支持静态数据加密？",
        "Which release added CPU-aware scheduling for hotspots?": "Improvements",
    }
    for question, heading in cases.items():
        result = kb.search(question, k=3)
        assert result.hits, question
        assert result.hits[0].section.heading == heading, (question, [h.section.heading for h in result.hits])
        assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))


def test_question_language_is_preferred(kb: KnowledgeBase) -> None:
    assert kb.search("AES-256 encryption").hits[0].section.language == "en"
    assert kb.search("AES-256 加密").hits[0].section.language == "zh"
    assert kb.search("AES-256", language="zh").hits[0].section.language == "zh"
    assert kb.search("AES-256", language="zh-CN").hits[0].section.language == "zh"


def test_product_filter(kb: KnowledgeBase) -> None:
    result = kb.search("encryption", product="releases")
    assert all(h.section.product == "releases" for h in result.hits)
    assert kb.search("encryption", product="FAQ").hits[0].section.product == "faq"


def test_abstains_on_unknown_subjects_and_answers_known_ones(kb: KnowledgeBase) -> None:
    known = kb.search("Does it support encryption at rest?")
    assert known.answerable and known.confidence >= 0.5
    # the sections whose own evidence is strong (what an extractive answer quotes first) are among the
    # weighed hits, and nothing supports an answer to a question the knowledge base cannot answer
    assert known.supporting and known.supporting <= {hit.section.id for hit in known.hits[:3]}
    assert kb.search(
        "Globex Corp asks whether it supports encryption at rest"
    ).answerable  # a customer's name
    for question in (
        "Who is the CEO of the company?",
        "Is it sold on the AWS Marketplace?",
        "竞品 OceanBase 报价多少？",
    ):
        result = kb.search(question)
        assert not result.answerable, question
        assert result.confidence < 0.5 and not result.supporting
    empty = kb.search("   ")
    assert (empty.hits, empty.answerable, empty.confidence) == ([], False, 0.0)


def test_commercial_questions_need_a_section_that_settles_them(kb: KnowledgeBase) -> None:
    question = "What discount can we give on the storage engine license?"
    assert not kb.search(question).answerable
    assert not kb.search("存储引擎能打几折？有折扣吗？").answerable
    kb.add_document(
        path="faq:7",
        title="Discount policy",
        text="Sales may give up to 15% discount on the storage engine license; more needs VP approval.",
        kind="faq",
    )
    result = kb.search(question)
    assert result.answerable and result.hits[0].section.path == "faq:7"


def test_a_price_question_is_settled_by_a_section_in_other_price_words(kb: KnowledgeBase) -> None:
    assert not kb.search("企业版怎么收费？").answerable  # nothing about prices yet
    kb.add_document(
        path="pricing.md",
        title="定价",
        text="# 定价\n\n## 中国区定价\n\n以人民币计价，按用户按月计费：入门版 168 元，企业版 798 元。\n",
    )
    result = kb.search("企业版怎么收费？")  # "收费" is not in the section; "计价", "计费" are
    assert result.answerable and result.hits[0].section.path == "pricing.md"


def test_added_document_is_searchable_at_once_and_removable(kb: KnowledgeBase) -> None:
    assert not kb.search("Kubernetes operator helm chart").answerable
    document_id = kb.add_document(
        path="faq:42",
        title="Can we deploy with a Helm chart?",
        text="Yes, the Kubernetes operator ships a Helm chart.",
        owner="UPM",
        updated=date(2026, 11, 23),
        kind="faq",
    )
    result = kb.search("Kubernetes operator helm chart")
    top = result.hits[0].section
    assert result.answerable and top.path == "faq:42" and top.document_id == document_id
    assert (top.owner, top.updated, top.language) == ("UPM", date(2026, 11, 23), "en")
    assert kb.section(top.id) == top
    assert kb.section(999_999) is None
    assert kb.remove_document(path="faq:42") is True
    assert kb.remove_document(path="faq:42") is False
    assert all(h.section.path != "faq:42" for h in kb.search("Kubernetes operator helm chart").hits)


def test_another_process_sees_changes_through_the_version_counter(tmp_path: Path, kb: KnowledgeBase) -> None:
    other = KnowledgeBase(db=kb.db, settings=kb.settings, version_check_seconds=0.0)
    assert other.search("quarterly roadmap webinar").hits == []
    kb.add_document(
        path="notes/roadmap.md",
        title="Roadmap",
        text="# Roadmap\n\nThe quarterly roadmap webinar is on Fridays.",
    )
    assert other.search("quarterly roadmap webinar").hits[0].section.path == "notes/roadmap.md"


def test_markdown_document_is_chunked_by_headings(kb: KnowledgeBase) -> None:
    kb.add_document(
        path="announcements/eos-x1.md",
        title="End of sale: X1",
        text="# End of sale: X1\n\n## Dates\n\nX1 is no longer sold after 2026-12-31.\n\n## Replacement\n\nOffer X2 instead.",
        kind="announcement",
    )
    top = kb.search("what replaces X1?").hits[0].section
    assert (top.heading, top.headings, top.text) == ("Replacement", ("End of sale: X1",), "Offer X2 instead.")
    with pytest.raises(ValueError):
        kb.add_document(path=" ", title="x", text="y")


def test_a_split_section_ranks_once_by_its_best_part(tmp_path: Path) -> None:
    kb = make_kb(tmp_path)
    faq = "\n\n".join(
        f"Q{i}: The audit log keeps entry type {i} for ninety days before it rotates the audit archive."
        for i in range(40)
    )
    root = write_corpus(
        tmp_path / "docs",
        {
            "en/faq.md": f"# FAQ\n\n## Audit log retention\n\n{faq}\n",
            "en/security.md": "# Security\n\n## Audit archive export\n\nExport the audit log archive to S3.\n",
        },
    )
    ingest_paths(kb, [root])
    parts = [s for s in kb.indexes().sections.sections if s.heading == "Audit log retention"]
    assert len(parts) > 2  # the long section was split
    hits = kb.search("How long is the audit log archive kept?", k=3).hits
    assert [h.section.heading for h in hits][:2] == ["Audit log retention", "Audit archive export"]
    kb.config = replace(kb.config, one_part_per_section=False)  # before: two parts of one answer first
    hits = kb.search("How long is the audit log archive kept?", k=3).hits
    assert [h.section.heading for h in hits][:2] == ["Audit log retention", "Audit log retention"]
