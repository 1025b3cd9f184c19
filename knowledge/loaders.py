"""File → Markdown-ish text plus metadata, per format: Markdown (and MDX), reStructuredText, AsciiDoc,
plain text, HTML, PDF, DOCX.

Every loader returns a `LoadedFile` whose `markdown` is chunked along headings by `knowledge.chunking`.
HTML headings (h1–h6) and DOCX "Heading N" paragraphs become Markdown headings; PDF pages become sections.
A file that cannot be parsed raises `LoadError` with a reason the ingest summary shows.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.markup import clean_text
from knowledge.chunking import split_front_matter
from knowledge.markup_formats import (
    asciidoc_attributes,
    asciidoc_to_markdown,
    markdown_or_mdx,
    mdx_to_markdown,
    rst_fields,
    rst_to_markdown,
)

MARKDOWN_SUFFIXES = {".md", ".markdown"}
RST_SUFFIXES = {".rst", ".rest"}
ASCIIDOC_SUFFIXES = {".adoc", ".asciidoc", ".asc"}
SUPPORTED_SUFFIXES = {
    *MARKDOWN_SUFFIXES,
    ".mdx",
    *RST_SUFFIXES,
    *ASCIIDOC_SUFFIXES,
    ".txt",
    ".text",
    ".html",
    ".htm",
    ".pdf",
    ".docx",
}
MAX_FILE_BYTES = 50 * 1024 * 1024


class LoadError(Exception):
    """A file could not be read or parsed; the message is the reason shown to the operator."""


@dataclass
class LoadedFile:
    markdown: str
    title: str = ""
    summary: str = ""
    product: str | None = None
    owner: str | None = None
    updated: dt.date | None = None
    language: str | None = None
    plain: bool = False  # no headings: chunk as plain text
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Document text is quoted in answers: it can carry no mention token of the bot's and nothing the
        database cannot store (`bot.markup.clean_text`), whatever the file contains."""
        self.markdown = clean_text(self.markdown)
        self.title = clean_text(self.title)
        self.summary = clean_text(self.summary)
        self.owner = clean_text(self.owner) if self.owner else self.owner

    @property
    def internal(self) -> bool:
        """Not for customers: front matter `audience: internal` (or `internal: true`), or a notice in the
        text such as "Internal only — do not share with customers" / "仅供内部使用，请勿外传"."""
        audience = str(self.meta.get("audience") or "").strip().lower()
        flag = self.meta.get("internal")
        if audience in INTERNAL_AUDIENCES or flag is True or str(flag).strip().lower() in {"true", "yes"}:
            return True
        return bool(INTERNAL_NOTICE.search(self.markdown[:INTERNAL_NOTICE_WINDOW]))


# Where a document says it is not for customers: its front matter, or a notice near its top.
INTERNAL_AUDIENCES = frozenset({"internal", "internal-only", "staff", "employees", "内部"})
INTERNAL_NOTICE_WINDOW = 2000
INTERNAL_NOTICE = re.compile(
    r"do not (?:share|forward|send)\b[^.\n]{0,40}\b(?:customers?|externally|outside)"
    r"|^\W*(?:for )?internal (?:use )?only\b"
    r"|^\W*(?:仅(?:供|限)内部|内部资料)|(?:请勿|不要|不得|切勿)(?:外传|对外|(?:转发|分享|发送?)给客户)",
    re.IGNORECASE | re.MULTILINE,
)


def load_file(path: Path) -> LoadedFile:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"unsupported file type {suffix or '(none)'}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from exc
    if size > MAX_FILE_BYTES:
        raise LoadError(f"too large ({size // (1024 * 1024)} MiB > {MAX_FILE_BYTES // (1024 * 1024)} MiB)")
    try:
        if suffix in MARKDOWN_SUFFIXES:
            return load_markdown(_read_text(path))
        if suffix == ".mdx":
            return load_markdown(_read_text(path), convert=mdx_to_markdown)
        if suffix in RST_SUFFIXES:
            return load_markdown(_read_text(path), convert=rst_to_markdown, header=rst_fields)
        if suffix in ASCIIDOC_SUFFIXES:
            return load_markdown(_read_text(path), convert=asciidoc_to_markdown, header=asciidoc_attributes)
        if suffix in {".txt", ".text"}:
            return LoadedFile(markdown=_read_text(path), plain=True)
        if suffix in {".html", ".htm"}:
            return load_html(_read_text(path))
        if suffix == ".pdf":
            return load_pdf(path)
        return load_docx(path)
    except LoadError:
        raise
    except Exception as exc:  # parsers raise many kinds of errors on corrupt input
        raise LoadError(f"cannot parse {suffix[1:].upper()}: {type(exc).__name__}: {exc}") from exc


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise LoadError("binary content in a text file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LoadError("not UTF-8 or GB18030 text")


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _as_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = str(value).strip()
    return text or None


def load_markdown(
    text: str,
    *,
    convert: Callable[[str], str] = markdown_or_mdx,
    header: Callable[[str], dict[str, str]] | None = None,
) -> LoadedFile:
    """Markdown, or another markup `convert`ed to Markdown after its YAML front matter is read; `header`
    reads the markup's own metadata (a reStructuredText field list, AsciiDoc attributes) under it."""
    meta, body = split_front_matter(text)
    if header is not None:
        meta = {**header(body), **meta}
    body = convert(body)
    title = _as_str(meta.get("title")) or _first_heading(body) or ""
    return LoadedFile(
        markdown=body,
        title=title,
        summary=_as_str(meta.get("summary") or meta.get("description")) or "",
        product=_as_str(meta.get("product")),
        owner=_as_str(meta.get("owner") or meta.get("author")),
        updated=_as_date(meta.get("updated") or meta.get("date") or meta.get("last_updated")),
        language=_as_str(meta.get("language") or meta.get("lang")),
        meta=meta,
    )


def _first_heading(body: str) -> str | None:
    match = re.search(r"^#{1,6}[ \t]+(.+?)[ \t]*#*$", body, re.MULTILINE)
    return match.group(1).strip() if match else None


def load_html(text: str) -> LoadedFile:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer", "header", "template", "aside"]):
        tag.decompose()
    for tag in soup.find_all(role=["navigation", "banner", "contentinfo", "search", "complementary"]):
        tag.decompose()  # a site's menus, sidebars and footers (ARIA landmarks), on every page alike
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = str(tag.get("name") or tag.get("property") or "").lower()
        content = tag.get("content")
        if name and isinstance(content, str):
            meta[name] = content
    articles = soup.find_all("article")
    # a documentation site's page: its main content, not the site around it
    main = soup.find("main") or soup.find(role="main") or (articles[0] if len(articles) == 1 else None)
    page = soup.body or soup
    markdown = (_html_markdown(main) if main is not None else "") or _html_markdown(page)
    return LoadedFile(
        markdown=markdown,
        title=title or _first_heading(markdown) or "",
        summary=meta.get("description", ""),
        owner=meta.get("author") or None,
        updated=_as_date(meta.get("date") or meta.get("last-modified") or meta.get("article:modified_time")),
        language=_html_language(soup),
    )


def _html_markdown(root: Any) -> str:
    """The block elements under `root` as Markdown: headings, paragraphs, list items, table cells."""
    lines: list[str] = []
    blocks = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "td", "th", "dt", "dd", "blockquote"]
    for element in root.find_all(blocks):
        if element.find_parent(blocks) is not None:
            continue  # nested block: its text is in the outer one
        content = element.get_text(" ", strip=True)
        if not content:
            continue
        if element.name[0] == "h" and element.name[1:].isdecimal():
            lines.append("\n" + "#" * int(element.name[1:]) + " " + content + "\n")
        elif element.name == "li":
            lines.append("- " + content)
        else:
            lines.append(content + "\n")
    return "\n".join(lines).strip() or root.get_text("\n", strip=True)


def _html_language(soup: Any) -> str | None:
    lang = soup.html.get("lang") if soup.html is not None else None
    return lang if isinstance(lang, str) and lang.strip() else None


def load_pdf(path: Path) -> LoadedFile:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(
        logging.ERROR
    )  # broken files are reported once, by the ingest summary

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:
                raise LoadError("encrypted PDF") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except PdfReadError as exc:
        raise LoadError(f"cannot parse PDF: {exc}") from exc
    parts = [f"## Page {number}\n\n{text.strip()}" for number, text in enumerate(pages, 1) if text.strip()]
    if not parts:
        raise LoadError("PDF has no extractable text (scanned image?)")
    title = str(info.title).strip() if info is not None and info.title else ""
    author = str(info.author).strip() if info is not None and info.author else None
    updated = None
    if info is not None:
        try:
            stamp = info.modification_date or info.creation_date
            updated = stamp.date() if stamp else None
        except Exception:  # malformed date strings in the PDF info dictionary
            updated = None
    return LoadedFile(markdown="\n\n".join(parts), title=title, owner=author, updated=updated)


def load_docx(path: Path) -> LoadedFile:
    import docx

    document = docx.Document(str(path))
    lines: list[str] = []
    for paragraph in document.paragraphs:
        content = paragraph.text.strip()
        if not content:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level = _docx_heading_level(style)
        if style == "Title":
            lines.append(f"# {content}\n")
        elif level:
            lines.append("\n" + "#" * min(level + 1, 6) + f" {content}\n")
        elif style.startswith("List"):
            lines.append(f"- {content}")
        else:
            lines.append(content + "\n")
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                lines.append(" | ".join(cells))
    props = document.core_properties
    markdown = "\n".join(lines).strip()
    if not markdown:
        raise LoadError("DOCX has no text")
    updated = props.modified or props.created
    return LoadedFile(
        markdown=markdown,
        title=(props.title or "").strip() or _first_heading(markdown) or "",
        summary=(props.subject or "").strip(),
        owner=(props.author or "").strip() or None,
        updated=updated.date() if updated else None,
    )


def _docx_heading_level(style: str) -> int:
    match = re.match(r"Heading\s*(\d)", style)
    return int(match.group(1)) if match else 0
