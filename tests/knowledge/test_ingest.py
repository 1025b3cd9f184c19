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
    assert product_from_path("en/dm/dm-faq.md") == "dm" and product_from_path("en/x.md") is None
