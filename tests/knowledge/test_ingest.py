import io
from pathlib import Path

import docx
from pypdf import PdfWriter

from knowledge.ingest import ingest_paths, language_from_path, product_from_path
from tests.knowledge.kb_helpers import make_kb, write_corpus


def test_ingest_keeps_relative_paths_and_metadata(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "docs")
    kb = make_kb(tmp_path)
    report = ingest_paths(kb, [root])
    assert (report.files, report.added, report.unchanged, report.skipped) == (4, 4, 0, [])
    docs = {d.path: d for d in kb.documents()}
    assert set(docs) == {
        "en/faq/product-faq.md",
        "zh/faq/product-faq.md",
        "en/limits.md",
        "en/releases/release-2.1.md",
    }
    faq = docs["en/faq/product-faq.md"]
    assert (faq.title, faq.language, faq.owner, faq.product) == ("Product FAQ", "en", "pm-alice", "faq")
    assert faq.updated is not None and faq.updated.isoformat() == "2026-03-01"
    assert docs["zh/faq/product-faq.md"].language == "zh"
    assert docs["en/limits.md"].product is None
    hits = kb.search("SATA disks").hits
    assert hits[0].section.heading == "Can I deploy on SATA disks?"
    assert hits[0].section.headings == ("Product FAQ", "Deployment")


def test_reingest_is_idempotent_and_changes_replace_sections(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "docs")
    kb = make_kb(tmp_path)
    ingest_paths(kb, [root])
    again = ingest_paths(kb, [root])
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 4, 0)
    (root / "en/limits.md").write_text(
        "# Limits\n\n## Quotas\n\nAt most 7 widgets per tenant.\n", encoding="utf-8"
    )
    changed = ingest_paths(kb, [root])
    assert (changed.updated, changed.unchanged) == (1, 3)
    assert kb.search("widgets tenant").hits[0].section.heading == "Quotas"
    assert not any(
        h.section.heading == "Limitations on identifiers" for h in kb.search("table names characters").hits
    )


def test_prune_removes_documents_whose_files_are_gone(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "docs")
    kb = make_kb(tmp_path)
    ingest_paths(kb, [root])
    kb.add_document(path="faq:1", title="Chat FAQ", text="Answer from a PM.", kind="faq")
    (root / "en/limits.md").unlink()
    kept = ingest_paths(kb, [root])
    assert kept.removed == [] and "en/limits.md" in {d.path for d in kb.documents()}
    pruned = ingest_paths(kb, [root], prune=True)
    assert pruned.removed == ["en/limits.md"]
    paths = {d.path for d in kb.documents()}
    assert "en/limits.md" not in paths and "faq:1" in paths  # chat-made entries are not files


def test_broken_and_unsupported_files_are_reported_and_skipped(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "docs")
    (root / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (root / "bad.docx").write_bytes(b"not a zip")
    (root / "image.png").write_bytes(b"\x89PNG")
    kb = make_kb(tmp_path)
    report = ingest_paths(kb, [root, tmp_path / "missing"])
    reasons = dict(report.skipped)
    assert set(reasons) == {"broken.pdf", "bad.docx", str(tmp_path / "missing")}
    assert "PDF" in reasons["broken.pdf"] and "DOCX" in reasons["bad.docx"]
    assert report.added == 4
    assert "broken" in report.summary()


def test_html_docx_pdf_and_text_loaders(tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    root.mkdir()
    (root / "page.html").write_text(
        "<html lang='en'><head><title>Pricing page</title><script>var x</script></head><body>"
        "<h1>Pricing</h1><p>Intro.</p><h2>Enterprise tier</h2><p>Includes single sign-on and audit logs.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    document = docx.Document()
    document.core_properties.title = "Battle card"
    document.add_heading("Competitors", level=1)
    document.add_paragraph("We replicate across regions with quorum writes.")
    document.save(str(root / "card.docx"))
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    (root / "blank.pdf").write_bytes(buffer.getvalue())
    (root / "notes.txt").write_text("Plain notes about onboarding checklists.", encoding="utf-8")
    kb = make_kb(tmp_path)
    report = ingest_paths(kb, [root])
    assert report.added == 3
    assert dict(report.skipped) == {"blank.pdf": "PDF has no extractable text (scanned image?)"}
    html = kb.search("single sign-on audit").hits[0].section
    assert (html.path, html.title, html.heading, html.headings) == (
        "page.html",
        "Pricing page",
        "Enterprise tier",
        ("Pricing",),
    )
    card = kb.search("quorum writes regions").hits[0].section
    assert (card.path, card.title, card.heading) == ("card.docx", "Battle card", "Competitors")
    assert kb.search("onboarding checklists").hits[0].section.path == "notes.txt"


def test_single_file_and_path_helpers(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "docs")
    kb = make_kb(tmp_path)
    report = ingest_paths(kb, [root / "en/limits.md"])
    assert report.added == 1 and [d.path for d in kb.documents()] == ["limits.md"]
    assert language_from_path("zh/faq/x.md") == "zh" and language_from_path("faq/x.md") is None
    assert language_from_path("i18n/zh-Hans/docusaurus-plugin-content-docs/current/sso.md") == "zh"
    assert language_from_path("locale/zh_CN/LC_MESSAGES/sso.rst") == "zh"
    assert product_from_path("en/dm/dm-faq.md") == "dm" and product_from_path("en/x.md") is None


def _faq_folders(tmp_path: Path) -> tuple[Path, Path]:
    en = tmp_path / "docs/en/faq"
    zh = tmp_path / "docs/zh/faq"
    for folder, text in (
        (en, "# Billing FAQ\n\n## Invoices\n\nInvoices are sent monthly by email.\n"),
        (zh, "# 账单常见问题\n\n## 发票\n\n发票每月通过邮件发送。\n"),
    ):
        folder.mkdir(parents=True)
        (folder / "billing.md").write_text(text, encoding="utf-8")
        (folder / "setup.md").write_text(text.replace("Invoices", "Setup").replace("发票", "安装"), "utf-8")
    return en, zh


def test_same_relative_path_under_two_folders_of_one_ingest_are_two_documents(tmp_path: Path) -> None:
    en, zh = _faq_folders(tmp_path)
    kb = make_kb(tmp_path)
    report = ingest_paths(kb, [en, zh])
    assert (report.files, report.added, report.updated) == (4, 4, 0)
    assert {d.path for d in kb.documents()} == {
        "en/faq/billing.md",
        "en/faq/setup.md",
        "zh/faq/billing.md",
        "zh/faq/setup.md",
    }
    again = ingest_paths(kb, [en, zh])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    assert "sections indexed" not in again.summary()  # a warm start does not boast "0 sections indexed"


def test_same_relative_path_in_separate_ingests_keeps_both_and_prune_stays_in_its_root(
    tmp_path: Path,
) -> None:
    en, zh = _faq_folders(tmp_path)
    kb = make_kb(tmp_path)
    assert ingest_paths(kb, [en]).added == 2
    second = ingest_paths(kb, [zh])
    assert (second.added, second.updated) == (2, 0)
    paths = {d.path for d in kb.documents()}
    assert paths == {"billing.md", "setup.md", "zh/faq/billing.md", "zh/faq/setup.md"}
    assert kb.search("invoices monthly").hits[0].section.path == "billing.md"
    # re-ingesting either folder is idempotent
    assert ingest_paths(kb, [en]).unchanged == 2
    assert ingest_paths(kb, [zh]).unchanged == 2
    # pruning one folder never removes the other folder's documents
    (zh / "setup.md").unlink()
    pruned = ingest_paths(kb, [zh], prune=True)
    assert pruned.removed == ["zh/faq/setup.md"]
    assert {d.path for d in kb.documents()} == {"billing.md", "setup.md", "zh/faq/billing.md"}
    assert ingest_paths(kb, [en], prune=True).removed == []


def test_progress_counts_files(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "docs")
    kb = make_kb(tmp_path)
    totals: list[int] = []
    ticks: list[str] = []
    ingest_paths(kb, [root], on_total=totals.append, progress=ticks.append)
    assert totals == [4] and len(ticks) == 4
    ticks.clear()
    ingest_paths(kb, [root], on_total=totals.append, progress=ticks.append)
    assert totals == [4, 4] and len(ticks) == 4
