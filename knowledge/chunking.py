"""Markdown → sections along headings, so that a citation points to a section (path + heading trail).

A section is the text under one heading up to the next heading of any level. Sections with no text of
their own (a heading directly followed by a sub-heading) are folded away: their heading lives on in the
trail of the sections below. Very long sections are split into overlapping parts that keep their heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_ANCHOR = re.compile(r"\s*\{#[^}]*\}\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")  # ### **Producer** (not __: `__init__`)
TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")  # | --- | :-: |
_CELL_PADDING = re.compile(r"[ \t]{2,}")
_RULE_DASHES = re.compile(r"-{3,}")
_HTML_BREAK = re.compile(r"</?(?:br|div|li|p)\b[^<>]*>", re.IGNORECASE)  # between words: a space
_HTML_TAG = re.compile(  # only these: a placeholder such as <id> or <alias>.<column> is content
    r"</?(?:a|abbr|b|br|center|code|del|details|div|em|font|hr|i|img|ins|kbd|li|mark|ol|p|pre|s|small|span|"
    r"strike|strong|sub|summary|sup|table|tbody|td|th|thead|tr|u|ul)\b[^<>]*>",
    re.IGNORECASE,
)
_CODE_SPAN = re.compile(r"(`[^`]*`)")
# an element holding a page's metadata or code for the browser, opened on a line of its own (Docusaurus
# `<head><link rel="canonical" …/></head>`): none of it is content
_METADATA_OPEN = re.compile(r"^\s*<(head|script|style)\b[^<>]*(?<!/)>", re.IGNORECASE)

MAX_SECTION_CHARS = 1800
OVERLAP_CHARS = 300


@dataclass(frozen=True)
class Chunk:
    heading: str
    headings: tuple[str, ...]  # trail above `heading`, outermost first
    text: str
    level: int = 0


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (`---` … `---`) as a dict, and the rest of the text. Bad YAML → no metadata."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    import yaml

    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text[match.end() :]
    return (data if isinstance(data, dict) else {}), text[match.end() :]


def code_fence(line: str, opened: str) -> str:
    """The code fence open after `line` ("" outside code), given the one open before it, by CommonMark's
    rules: "```java" inside a block is code, not its end (only a bare fence at least as long closes it),
    and a line "```namesrv.addr:port```" is inline code, not a block — either mistake swallowed the rest of
    a page as code."""
    match = _FENCE.match(line)
    if match is None:
        return opened
    marker, info = match.groups()
    if not opened:
        return "" if marker[0] == "`" and "`" in info else marker
    closes = marker[0] == opened[0] and len(marker) >= len(opened) and not info.strip()
    return "" if closes else opened


def strip_html_tags(line: str) -> str:
    """A line without HTML tags outside its code spans (`<br/>` in a table cell, `<img src=…>`,
    `<details><summary>`): their names and paths are no content. Placeholders such as `<id>` are no HTML
    tags and stay."""
    if "<" not in line:
        return line
    pieces = _CODE_SPAN.split(line)
    return "".join(
        piece if n % 2 else _HTML_TAG.sub("", _HTML_BREAK.sub(" ", piece)) for n, piece in enumerate(pieces)
    )


def drop_metadata_elements(text: str) -> str:
    """The text without `<head>`, `<script>` and `<style>` elements outside code: APISIX opens every plugin
    page with `<head><link rel="canonical" href=…/></head>`, which became a section of its own, quoted and
    indexed as words. An element is dropped only when it closes before the next code fence (an unclosed
    one would otherwise swallow the rest of the page)."""
    if "<" not in text:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    fence, skip_to = "", -1
    for number, line in enumerate(lines):
        if number <= skip_to:
            continue
        opened = _METADATA_OPEN.match(line) if not fence else None
        end = _element_end(lines, number, opened.group(1)) if opened else -1
        if end >= 0:
            skip_to = end
            continue
        fence = code_fence(line, fence)
        kept.append(line)
    return "\n".join(kept)


def _element_end(lines: list[str], start: int, name: str) -> int:
    """The line that closes the element `name` opened on line `start`, -1 when a code fence comes first."""
    closing = re.compile(rf"</{name}\s*>", re.IGNORECASE)
    for number in range(start, len(lines)):
        if closing.search(lines[number]):
            return number
        if number > start and _FENCE.match(lines[number]):
            return -1
    return -1


def compact_table_row(line: str) -> str:
    """A table row without its alignment padding, a rule with three dashes a column: neither is content,
    and a wide settings table spent half a section's room on them."""
    line = _CELL_PADDING.sub(" ", line.strip())
    return _RULE_DASHES.sub("---", line) if TABLE_RULE.match(line) else line


def clean_heading(raw: str) -> str:
    heading = _ANCHOR.sub("", raw)
    heading = strip_html_tags(heading)
    return _BOLD.sub(r"\1", heading).strip()


def chunk_markdown(
    text: str, *, max_chars: int = MAX_SECTION_CHARS, overlap: int = OVERLAP_CHARS
) -> list[Chunk]:
    """Sections of a Markdown document (without front matter), long ones split with overlap."""
    text = drop_metadata_elements(_COMMENT.sub("", text.replace("\r\n", "\n")))
    stack: list[tuple[int, str]] = []
    current_heading, current_level = "", 0
    current_trail: tuple[str, ...] = ()
    lines: list[str] = []
    raw: list[Chunk] = []
    fence = ""

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            raw.append(Chunk(heading=current_heading, headings=current_trail, text=body, level=current_level))

    for line in text.split("\n"):
        fence = code_fence(line, fence)
        match = None if fence else _HEADING.match(line)
        if match is None:
            if not fence:
                line = strip_html_tags(line)
            table_row = not fence and line.lstrip().startswith("|")
            lines.append(compact_table_row(line) if table_row else line)
            continue
        flush()
        lines = []
        level, heading = len(match.group(1)), clean_heading(match.group(2))
        while stack and stack[-1][0] >= level:
            stack.pop()
        current_trail = tuple(h for _, h in stack)
        current_heading, current_level = heading, level
        stack.append((level, heading))
    flush()
    if not raw and current_heading:  # headings only: keep the last one as an (empty-bodied) section
        raw.append(Chunk(heading=current_heading, headings=current_trail, text="", level=current_level))
    chunks: list[Chunk] = []
    for chunk in raw:
        for part in split_long(chunk.text, max_chars=max_chars, overlap=overlap):
            chunks.append(Chunk(heading=chunk.heading, headings=chunk.headings, text=part, level=chunk.level))
    return chunks


def chunk_plain_text(
    text: str, *, max_chars: int = MAX_SECTION_CHARS, overlap: int = OVERLAP_CHARS
) -> list[Chunk]:
    return [
        Chunk(heading="", headings=(), text=part)
        for part in split_long(text.strip(), max_chars=max_chars, overlap=overlap)
        if part
    ]


def split_long(text: str, *, max_chars: int = MAX_SECTION_CHARS, overlap: int = OVERLAP_CHARS) -> list[str]:
    """Split at paragraph, then line, then sentence boundaries into parts ≤ max_chars, overlapping. A part
    that goes on with a table starts with the table's header row (its rows would mean nothing without); a
    part that stops inside a code block closes it, and the next opens it again (else the next part's code
    read as prose, and its closing fence opened a block that hid the prose after it)."""
    if len(text) <= max_chars:
        return [text]
    units = _units(text, max_chars=max(1, max_chars - overlap - 1))  # room for the carried-over overlap
    parts: list[str] = []
    current: list[str] = []
    size = 0
    header: list[str] = []  # the header row and rule of the table being split, while inside one
    fence, opener = "", ""  # the code fence open before the unit, and the line that opened it
    for unit in units:
        closing = len(fence) + 1 if fence else 0
        if current and size + len(unit) + closing > max_chars:
            kept, kept_size = _overlap(current, overlap)
            parts.append("\n".join([*current, fence] if fence else current).strip())
            header_size = sum(len(line) + 1 for line in header)
            if header and unit.lstrip().startswith("|") and header_size <= overlap:  # instead of the overlap
                kept, kept_size = list(header), header_size
            if fence and not any(line is opener for line in kept):
                kept, kept_size = [opener, *kept], kept_size + len(opener) + 1
            current, size = kept, kept_size
        if not unit.lstrip().startswith("|"):
            header = []
        elif TABLE_RULE.match(unit.strip()) and current and current[-1].lstrip().startswith("|"):
            header = [current[-1], unit]
        opened, fence = fence, code_fence(unit, fence)
        if fence and not opened:
            opener = unit
        current.append(unit)
        size += len(unit) + 1
    if current:
        tail = "\n".join(current).strip()
        if tail and (not parts or tail not in parts[-1]):
            parts.append(tail)
    return [p for p in parts if p]


def _overlap(lines: list[str], overlap: int) -> tuple[list[str], int]:
    """The tail of a part carried over to the next (its lines, their size)."""
    kept: list[str] = []
    size = 0
    for previous in reversed(lines):
        if size + len(previous) > overlap:
            break
        kept.insert(0, previous)
        size += len(previous) + 1
    if not kept and overlap > 0:  # the last line alone is longer than the overlap: carry its tail
        tail = lines[-1][-overlap:]
        cut = tail.find(" ")
        tail = tail[cut + 1 :] if 0 <= cut < len(tail) // 2 else tail
        kept, size = [tail], len(tail) + 1
    return kept, size


_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")


def _units(text: str, *, max_chars: int) -> list[str]:
    units: list[str] = []
    for line in text.split("\n"):
        if len(line) <= max_chars:
            units.append(line)
            continue
        sentences = [s for s in _SENTENCE_END.split(line) if s]
        for sentence in sentences:
            while len(sentence) > max_chars:
                units.append(sentence[:max_chars])
                sentence = sentence[max_chars:]
            units.append(sentence)
    return units
