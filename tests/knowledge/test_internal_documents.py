"""Documents not for customers are recognised at ingest (front matter or a notice near the top) and every
section found from them carries the flag, so answers quoting them can say so."""

from pathlib import Path

from bot.database import Database
from knowledge.base import KnowledgeBase
from knowledge.ingest import ingest_paths
from knowledge.loaders import load_markdown
from tests.database_templates import migrated_sqlite
from tests.fakes.harness import make_settings


def test_front_matter_and_notices_mark_a_document_internal() -> None:
    assert load_markdown("---\naudience: internal\n---\n# Pricing floor\nText.").internal
    assert load_markdown("# Discounts\n\n> Internal only. Do not share with customers.\n").internal
    assert load_markdown("# 折扣\n\n销售团队内部资料，请勿发给客户。\n").internal
    assert not load_markdown("# Variables\n\nThis variable is for internal use by the optimizer.\n").internal
    assert not load_markdown("---\naudience: customers\n---\n# Plans\nText.").internal


def test_sections_of_internal_documents_carry_the_flag(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pricing.md").write_text(
        "---\naudience: internal\n---\n# Discount approval\n\nReps may give up to 10% off list price.\n"
    )
    (docs / "plans.md").write_text("# Plans\n\nThe Growth plan includes SAML single sign-on.\n")
    url = migrated_sqlite(tmp_path / "kb.db")
    db = Database(url)
    kb = KnowledgeBase(db=db, settings=make_settings(url), version_check_seconds=0.0)
    ingest_paths(kb, [docs])
    assert kb.search("discount off list price").hits[0].section.internal
    assert not kb.search("Growth plan single sign-on").hits[0].section.internal
