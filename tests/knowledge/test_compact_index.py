"""The in-memory index is compact (CSR int32/float32 postings, no section texts) and scores exactly as
BM25F defines it; search reads the texts of its hits from the database."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from knowledge.base import KnowledgeBase
from knowledge.index import BM25FParams, IndexBuilder, IndexedSection, SectionIndex
from knowledge.ingest import ingest_paths
from knowledge.lexical import _corpus_new_words as corpus_new_words
from knowledge.lexical import release_freed_memory
from knowledge.types import Section
from tests.knowledge.kb_helpers import CORPUS, make_kb, write_corpus


def _section(number: int) -> Section:
    return Section(
        id=number + 1,
        document_id=1,
        path="doc.md",
        title="Doc",
        heading=f"heading {number}?" if number == 1 else f"heading {number}",
        headings=(),
        text="",
        language="en",
    )


FIELDS = [
    ("backup restore", "guide backup", "backup nightly to object storage backup"),
    ("pricing", "guide", "enterprise pricing per seat"),
    ("", "guide restore", "restore from snapshot restore restore"),
]


def _reference_score(term: str, number: int, params: BM25FParams) -> float:
    """BM25F written out by hand: Σ_f w_f·tf_f / (1 − b_f + b_f·len_f/avg_f), saturated, times idf."""
    lengths = [[len(fields[f].split()) for fields in FIELDS] for f in range(3)]
    averages = [max(sum(column) / len(column), 1.0) for column in lengths]
    tf = sum(
        params.weights[f]
        * FIELDS[number][f].split().count(term)
        / (1 - params.b[f] + params.b[f] * lengths[f][number] / averages[f])
        for f in range(3)
    )
    df = sum(1 for fields in FIELDS if term in " ".join(fields).split())
    idf = math.log(1.0 + (len(FIELDS) - df + 0.5) / (df + 0.5))
    return idf * tf * (params.k1 + 1) / (tf + params.k1) if tf else 0.0


def test_builder_scores_match_hand_written_bm25f() -> None:
    params = BM25FParams()
    index = SectionIndex.build(
        [IndexedSection(section=_section(n), fields=fields) for n, fields in enumerate(FIELDS)], params=params
    )
    for term in ("backup", "restore", "pricing", "guide"):
        scores = index.scores([term])
        expected = [_reference_score(term, n, params) for n in range(len(FIELDS))]
        assert scores == pytest.approx(expected, rel=1e-6), term
    assert index.contains(2, "snapshot") and not index.contains(1, "snapshot")
    assert index.scores(["unknown"]).tolist() == [0.0, 0.0, 0.0]


def test_postings_are_compact_csr_arrays() -> None:
    builder = IndexBuilder()
    for n, fields in enumerate(FIELDS):
        builder.add(_section(n), fields)
    index = builder.finish()
    assert index.posting_sections.dtype == np.int32
    assert index.posting_weights.dtype == np.float32
    assert len(index.offsets) == len(index.vocabulary) + 1
    assert int(index.offsets[-1]) == len(index.posting_sections)
    ids, weights = index.postings(index.vocabulary["restore"])
    assert ids.tolist() == [0, 2] and len(weights) == 2
    assert sum(a.nbytes for a in index.postings_ids) == index.posting_sections.nbytes


def test_empty_index() -> None:
    index = IndexBuilder().finish()
    assert index.size == 0 and index.scores(["x"]).tolist() == []
    assert index.top(index.scores(["x"]), 5) == []


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs", CORPUS)])
    return kb


def test_index_keeps_no_texts_but_hits_have_them(kb: KnowledgeBase) -> None:
    indexes = kb.indexes()
    assert all(section.text == "" for section in indexes.sections.sections)
    result = kb.search("Does it support encryption at rest?", k=3)
    assert result.hits and "AES-256" in result.hits[0].section.text
    stored = kb.section(result.hits[0].section.id)
    assert stored is not None
    for hit in result.hits:
        section = kb.section(hit.section.id)
        assert section is not None and section.text == hit.section.text


def test_hit_of_a_section_removed_since_the_build_is_dropped(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = kb.search("Does it support encryption at rest?", k=3).hits
    gone = first[0].section.id
    real = kb._section_texts
    monkeypatch.setattr(kb, "_section_texts", lambda ids: {i: t for i, t in real(ids).items() if i != gone})
    hits = kb.search("Does it support encryption at rest?", k=3).hits
    assert gone not in [h.section.id for h in hits]
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_release_freed_memory_never_fails() -> None:
    assert release_freed_memory() in (True, False)


def test_corpus_new_words_are_the_hmm_words_of_several_sections() -> None:
    fields = [("", "", "鳐影 数据 蓝鳍"), ("", "", "鳐影 数据"), ("", "", "鳐影 数据 迁移")]
    index = SectionIndex.build([IndexedSection(section=_section(n), fields=f) for n, f in enumerate(fields)])
    # dictionary words (数据) and words of too few sections (蓝鳍) are not learned
    assert corpus_new_words(index, min_sections=3) == ["鳐影"]
    assert sorted(corpus_new_words(index, min_sections=1)) == sorted(["鳐影", "蓝鳍"])
