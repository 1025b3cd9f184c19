"""Question intents come from generic wording; section kinds from the documents' own structure."""

from pathlib import Path

import pytest

from knowledge import base
from knowledge.base import intent_factors
from knowledge.ingest import ingest_paths
from knowledge.intent import INTENT_BITS, asked_sentences, question_intents, section_kinds
from tests.knowledge.kb_helpers import make_kb, write_corpus


@pytest.mark.parametrize(
    ("question", "intents"),
    [
        ("Which release first shipped password expiry?", {"version"}),
        ("Since when are temporary tables supported?", {"version"}),
        ("外键从哪个版本开始支持？", {"version"}),
        ("资源管控是哪个版本正式 GA 的？", {"version"}),
        ("When did 7.5.0 come out?", {"lifecycle"}),
        ("Is 5.2 an LTS release?", {"lifecycle"}),
        ("RC版能放生产吗？", {"lifecycle"}),
        ("这条线最后一个补丁是什么时候发的？", {"lifecycle"}),
        ("Is there a cap on how many statements go in one transaction?", {"limit"}),
        ("分区表有哪些使用限制？", {"limit"}),
        ("开了这个功能以后还有哪些操作不能用？", {"limit"}),
        ("跟列存引擎能一起用吗？", {"limit"}),
        ("How does the default collation differ from the source database?", {"compare"}),
        ("自增 ID 的表现跟源库一样吗？", {"compare"}),
        ("How do I back up a cluster?", set()),
        ("Can they change what version string the server advertises?", set()),
        ("Which protocol versions are accepted?", set()),
        ("Will the source tables be copied?", set()),  # "rc" inside a word is no release candidate
    ],
)
def test_question_intents_come_from_generic_wording(question: str, intents: set[str]) -> None:
    assert question_intents(question) == intents


def test_only_the_asking_sentences_carry_the_intent() -> None:
    question = "A plain DELETE blows the size limit. Is there a built-in way to batch it?"
    assert asked_sentences(question) == " Is there a built-in way to batch it?"
    assert question_intents(question) == frozenset()
    assert asked_sentences("Is 5.2 an LTS release?") == "Is 5.2 an LTS release?"  # "5.2" ends no sentence
    assert asked_sentences("no question mark here") == "no question mark here"


def test_section_kinds_follow_titles_and_headings() -> None:
    bits = INTENT_BITS
    notes = section_kinds(
        title="Product 3.2.0 Release Notes", headings=["Product 3.2.0 Release Notes"], heading="SQL"
    )
    assert notes == bits["version"]
    # "Compatibility changes" in release notes are changes from the previous release, not a comparison
    changes = section_kinds(title="Product 3.2.0 Release Notes", headings=[], heading="Compatibility changes")
    assert changes == bits["version"]
    assert (
        section_kinds(title="Release Timeline", headings=[], heading="Release Timeline") == bits["lifecycle"]
    )
    assert section_kinds(title="版本发布历史", headings=[], heading="3.2") == bits["lifecycle"]
    assert (
        section_kinds(title="Foreign keys", headings=["Foreign keys"], heading="Limitations") == bits["limit"]
    )
    assert section_kinds(title="外键约束", headings=[], heading="使用限制") == bits["limit"]
    assert (
        section_kinds(title="SQL Compatibility", headings=[], heading="Unsupported features")
        == bits["compare"]
    )
    assert section_kinds(title="Foreign keys", headings=[], heading="Usage examples") == 0
    faq = section_kinds(title="FAQ", headings=[], heading="What is the maximum number of statements?")
    assert faq == bits["limit"]


CORPUS = {
    "en/partitioning.md": """# Partitioning

## Partition pruning

Partitioned tables prune partitions: a query reads only the partitions it needs.

## Limitations

Partitioned tables can have at most 8192 partitions.
""",
    "en/releases/release-3.2.0.md": """# Product 3.2.0 Release Notes

## SQL

- Partitioned tables support list partitioning.
""",
}


@pytest.fixture
def kb(tmp_path: Path):  # type: ignore[no-untyped-def]
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs", CORPUS)])
    return kb


def top_heading(kb, question: str) -> str:  # type: ignore[no-untyped-def]
    return kb.search(question, k=3).hits[0].section.heading


def test_intent_lifts_the_section_kind_that_answers(kb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    limit_question = "Is there a cap on partitioned tables?"
    version_question = "Which release added partitioned tables?"
    assert top_heading(kb, limit_question) == "Limitations"
    lifted = kb.search(version_question, k=1).hits[0]
    monkeypatch.setattr(base, "INTENT_BOOSTS", {})
    assert top_heading(kb, limit_question) == "Partition pruning"
    plain = kb.search(version_question, k=1).hits[0]
    assert lifted.section.heading == plain.section.heading == "SQL"
    assert lifted.score == pytest.approx(plain.score * 1.3)


def test_no_intent_no_factors(kb) -> None:  # type: ignore[no-untyped-def]
    kinds = kb.indexes().kinds
    assert len(kinds) == kb.size
    assert intent_factors(kinds, "How do partitioned tables work?") is None
    factors = intent_factors(kinds, "Is there a limit on partitions?")
    assert factors is not None and sorted(set(factors.tolist())) == [1.0, 1.3]


ASKED_CORPUS = {
    "en/deletes.md": """# Deletes

## Large deletes

A large delete of expired rows in one transaction hits the transaction size limit on expired rows.
""",
    "en/batching.md": """# Batch statements

## Automatic batching

A statement can be split into batches automatically.
""",
}


def test_the_asking_sentence_ranks_on_its_own_too(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs", ASKED_CORPUS)])
    question = (
        "They purge expired rows and a large delete of expired rows fails. Is there automatic batching?"
    )
    assert top_heading(kb, question) == "Automatic batching"
    monkeypatch.setattr(base, "ASKED_FUSION_WEIGHT", 0.0)
    assert top_heading(kb, question) == "Large deletes"
