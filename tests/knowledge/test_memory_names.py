"""Which names keep a PM's answer from a question (`knowledge.memory`), and which are the knowledge base's own
(`LexicalIndex.everywhere`)."""

from __future__ import annotations

from pathlib import Path

from bot.database import Database
from knowledge.base import KnowledgeBase
from knowledge.ingest import ingest_paths
from knowledge.memory import missing_names, names_agree
from knowledge.tokenize import tokens
from tests.database_templates import migrated_sqlite
from tests.fakes.harness import make_settings


def test_a_name_one_question_writes_and_the_other_lacks_disagrees() -> None:
    assert missing_names("Can customers pay with PayPal?", "客户可以用支付宝付款吗？") == ["paypal"]
    assert missing_names("客户可以用 PayPal 付款吗？", "Can customers pay with PayPal?") == []
    assert names_agree("Does Acme support WhatsApp?", "支持 WhatsApp 吗？", "支持。") is False
    common = set(tokens("Acme")).__contains__  # the knowledge base's own name tells the questions nothing
    assert names_agree("Does Acme support WhatsApp?", "支持 WhatsApp 吗？", "支持。", common=common)
    assert not names_agree("Does Acme support Telegram?", "支持 WhatsApp 吗？", "支持。", common=common)


def test_a_term_in_half_the_documents_is_the_knowledge_bases_own(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for n, topic in enumerate(["SSO with Okta", "exports to CSV", "Slack alerts", "audit logs"]):
        name = "Acme " if n < 2 else ""
        (docs / f"d{n}.md").write_text(f"# {topic}\n\n{name}supports {topic}.\n", encoding="utf-8")
    url = migrated_sqlite(tmp_path / "kb.db")
    kb = KnowledgeBase(db=Database(url), settings=make_settings(url))
    ingest_paths(kb, [docs])
    index = kb.indexes()
    acme = tokens("Acme")[0]  # as the index writes it ("acm")
    assert not index.everywhere(acme)  # two documents of four, but fewer than three
    (docs / "d4.md").write_text("# Pricing\n\nAcme is priced per seat.\n", encoding="utf-8")
    ingest_paths(kb, [docs])
    index = kb.indexes()
    assert index.everywhere(acme)  # three of five
    assert not index.everywhere(tokens("Okta")[0]) and not index.everywhere("never-written")
