"""Documentation markup other than Markdown, turned into the Markdown the chunker splits along headings.

Product documentation comes from documentation-site generators as often as from plain Markdown:
- **MDX** (Docusaurus, Nextra): Markdown plus ES module lines (`import … from '…'`, `export …`), JSX
  components and `{/* comments */}`. The module lines and comments are not content; component tags are
  dropped and what they wrap is kept.
- **Site syntax inside Markdown**: Docusaurus admonitions (`:::note Title` … `:::`) keep their text;
  Hugo shortcodes (`{{< tab >}}`, `{{% notice %}}`) are dropped.
- **reStructuredText** (Sphinx): underlined (and overlined) titles become headings, ranked by the order
  their adornment styles first appear; admonitions, version notes ("Added in version 2.3") and the
  content of unknown directives are kept; toctrees, images, comments and link targets are dropped; literal
  blocks (`::`) and code directives become fenced code, so a `# comment` inside them is not a heading;
  roles and links keep their text. `rst_fields`: the field list at the top (`:audience: internal`).
- **AsciiDoc** (Antora, Asciidoctor): `=` titles become headings; attribute entries, block attributes,
  anchors, comments and include/conditional macros are dropped; `{attribute}` references are replaced by
  the values the file defines; listing and literal blocks become fenced code; description lists, links and
  cross references keep their text. `asciidoc_attributes`: the header's attributes and author line.

Each converter is a plain function of the text; what it cannot recognise it keeps as text. The metadata
readers give the loader what Markdown's front matter gives it (`knowledge.loaders.load_markdown`).
"""

from __future__ import annotations

import re
import textwrap

from knowledge.chunking import code_fence

# ---- Markdown site syntax and MDX -------------------------------------------------------------------

_ADMONITION = re.compile(r"^\s*:::+\s*([A-Za-z]+)?(?:\[(.*?)\]|\s+(.*?))?\s*$")
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}")


def markdown_site_syntax(text: str) -> str:
    """Docusaurus admonitions keep their type and title as a line of text; Hugo shortcodes go."""
    out: list[str] = []
    fence = ""
    for line in text.split("\n"):
        fence = code_fence(line, fence)
        if fence:
            out.append(line)
            continue
        match = _ADMONITION.match(line)
        if match:
            kind, title = match.group(1), match.group(2) or match.group(3)
            label = " — ".join(part for part in (kind and kind.capitalize(), title) if part)
            if label:
                out.append(label + ":")
            continue
        out.append(_SHORTCODE.sub("", line))
    return "\n".join(out)


_ESM_LINE = re.compile(
    r"^(?:import\s.+?\sfrom\s+['\"].+?['\"];?|import\s+['\"].+?['\"];?|import\s*(?:\w+\s*,\s*)?\{[^}]*|export\s.*)$"
)
_JSX_OPEN = re.compile(r"^\s*<[A-Z][\w.]*(?:\s[^<>]*)?$")  # a component tag whose attributes go on below
_MDX_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.DOTALL)
_JSX_TAG = re.compile(r"</?[A-Z][\w.]*(?:\s+[^<>]*?)?/?>")


_MDX_MARKER = re.compile(r"^(?:import\s.+?\sfrom\s+['\"]|\s*</?[A-Z][\w.]*(?:[\s/>]|$))")


def markdown_or_mdx(text: str) -> str:
    """A Markdown page, or an MDX one saved as `.md` — Docusaurus reads `.md` as MDX, and many sites import
    and use components there (`import Tabs from '@theme/Tabs'`, `<TabItem value="yaml">`): those are read
    as MDX. Only a line outside code that imports or opens a component decides."""
    fence = ""
    for line in text.split("\n"):
        fence = code_fence(line, fence)
        if not fence and _MDX_MARKER.match(line):
            return mdx_to_markdown(text)
    return markdown_site_syntax(text)


def mdx_to_markdown(text: str) -> str:
    """MDX → Markdown: module lines, MDX comments and component tags go; the text components wrap stays."""
    out: list[str] = []
    fence = ""
    open_brackets = 0  # of a statement (`export const … = {`, `import {`) or a tag going on below
    in_tag = False
    for line in _MDX_COMMENT.sub("", text).split("\n"):
        fence = code_fence(line, fence)
        if fence:
            out.append(line)
            continue
        if in_tag:
            in_tag = not line.rstrip().endswith(">")
            continue
        if open_brackets:
            open_brackets = max(0, open_brackets + _brackets(line))
            continue
        if _ESM_LINE.match(line):
            open_brackets = max(0, _brackets(line))
            continue
        if _JSX_OPEN.match(line):
            in_tag = True
            continue
        out.append(_JSX_TAG.sub("", line) if _JSX_TAG.search(line) else line)
    return markdown_site_syntax(_tidy(out))


def _brackets(line: str) -> int:
    return (
        line.count("{")
        + line.count("[")
        + line.count("(")
        - line.count("}")
        - line.count("]")
        - line.count(")")
    )


# ---- reStructuredText ---------------------------------------------------------------------------------

_RST_ADORNMENT = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1{2,}\s*$")
_RST_DIRECTIVE = re.compile(r"^(\s*)\.\.\s+(?:\|[^|]+\|\s+)?([\w:.-]+)::\s*(.*)$")
_RST_EXPLICIT = re.compile(r"^(\s*)\.\.(?:\s|$)")
_RST_OPTION = re.compile(r"^\s*:[\w -]+:(?:\s.*)?$")
_RST_ROLE = re.compile(r":[\w:.+-]+:`([^`<]*?)\s*(?:<[^`>]*>)?`")
_RST_LINK = re.compile(r"`([^`<]+?)\s*<([^`>]+)>`__?")
_RST_REFERENCE = re.compile(r"`([^`]+)`__?")
_RST_LITERAL = re.compile(r"``(.+?)``")
_RST_ADMONITIONS = {
    "note": "Note",
    "warning": "Warning",
    "tip": "Tip",
    "important": "Important",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "hint": "Hint",
    "seealso": "See also",
    "admonition": "",
    "versionadded": "Added in version",
    "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version",
    "versionremoved": "Removed in version",
}
_RST_CODE = {"code-block", "code", "sourcecode", "parsed-literal", "prompt"}
_RST_DROPPED = {
    "toctree", "image", "include", "literalinclude", "raw", "meta", "index", "contents", "highlight",
    "sectnum", "autosummary", "automodule", "autoclass", "autofunction", "default-role", "role", "replace",
    "substitution", "target-notes", "header", "footer", "title", "tabularcolumns",
}  # fmt: skip


def rst_fields(text: str) -> dict[str, str]:
    """The document's field list (`:audience: internal`, `:owner: pm`) before its first other line."""
    fields: dict[str, str] = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        field = re.match(r"^:([\w -]+):\s*(.*)$", line)
        if field is None:
            break
        fields[field.group(1).strip().lower()] = field.group(2).strip()
    return fields


def _indented_block(lines: list[str], start: int, indent: int) -> int:
    """The index after the block of lines indented deeper than `indent` (blank lines inside it included)."""
    end = start
    while end < len(lines):
        line = lines[end]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _rst_inline(line: str) -> str:
    line = _RST_ROLE.sub(lambda m: m.group(1).lstrip("~!"), line)
    line = _RST_LINK.sub(r"[\1](\2)", line)
    line = _RST_REFERENCE.sub(r"\1", line)
    return _RST_LITERAL.sub(r"`\1`", line)


def rst_to_markdown(text: str) -> str:
    """reStructuredText → Markdown (see the module's docstring for what is kept and what goes)."""
    lines = text.replace("\r\n", "\n").expandtabs(4).split("\n")
    styles: list[tuple[str, bool]] = []  # adornment styles in order of first appearance = heading levels
    out: list[str] = []

    def heading(title: str, style: tuple[str, bool]) -> None:
        if style not in styles:
            styles.append(style)
        out.extend(["", "#" * min(styles.index(style) + 1, 6) + " " + _rst_inline(title.strip()), ""])

    def fenced(block: list[str], language: str = "") -> None:
        out.extend(["", "```" + language, *textwrap.dedent("\n".join(block)).split("\n"), "```", ""])

    i = 0
    while i < len(lines) and (not lines[i].strip() or _RST_OPTION.match(lines[i])):
        i += 1  # the document's field list (`:orphan:`, `:tocdepth: 2`): metadata for Sphinx
    while i < len(lines):
        line = lines[i]
        following = lines[i + 1] if i + 1 < len(lines) else ""
        after = lines[i + 2] if i + 2 < len(lines) else ""
        over = _RST_ADORNMENT.match(line)
        if over and following.strip() and _RST_ADORNMENT.match(after) and after.strip()[0] == line.strip()[0]:
            heading(following, (line.strip()[0], True))  # overlined title
            i += 3
            continue
        under = _RST_ADORNMENT.match(following)
        if line.strip() and not line.startswith(" ") and under and not over and not _RST_EXPLICIT.match(line):
            heading(line, (following.strip()[0], False))
            i += 2
            continue
        if over and not line.startswith(" "):  # a transition (horizontal rule)
            i += 1
            continue
        directive = _RST_DIRECTIVE.match(line)
        if directive:
            indent, name, argument = len(directive.group(1)), directive.group(2).lower(), directive.group(3)
            end = _indented_block(lines, i + 1, indent)
            body = lines[i + 1 : end]
            while body and (_RST_OPTION.match(body[0]) or not body[0].strip()):
                body.pop(0)  # directive options
            short = name.rsplit(":", 1)[-1]
            if short in _RST_CODE:
                fenced(body, argument.split()[0] if argument.split() else "")
            elif short in _RST_ADMONITIONS:
                label = " ".join(p for p in (_RST_ADMONITIONS[short], argument.strip()) if p)
                out.extend(["", label + ":" if label else "", *_rst_block(body), ""])
            elif short not in _RST_DROPPED:
                if argument.strip() and short not in {"only", "ifconfig"}:
                    out.extend(["", _rst_inline(argument.strip())])
                out.extend([*_rst_block(body), ""])
            i = end
            continue
        explicit = _RST_EXPLICIT.match(line)
        if explicit:  # comment, link target or footnote: only a footnote is text
            end = _indented_block(lines, i + 1, len(explicit.group(1)))
            footnote = re.match(r"^\s*\.\.\s+\[([^\]]+)\]\s*(.*)$", line)
            if footnote:
                out.extend(
                    [
                        f"[{footnote.group(1)}] " + _rst_inline(footnote.group(2)),
                        *_rst_block(lines[i + 1 : end]),
                    ]
                )
            i = end
            continue
        if line.rstrip().endswith("::"):
            indent = len(line) - len(line.lstrip())
            start = i + 1
            while start < len(lines) and not lines[start].strip():
                start += 1
            end = _indented_block(lines, start, indent)
            lead = line.rstrip()[:-2].rstrip()
            if lead.strip():
                out.append(_rst_inline(lead) + ":")
            if end > start:
                fenced(lines[start:end])
                i = end
            else:
                i += 1
            continue
        out.append(_rst_inline(line))
        i += 1
    return _tidy(out)


def _tidy(lines: list[str]) -> str:
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _rst_block(block: list[str]) -> list[str]:
    """A directive's content: dedented, its own directives and titles converted too."""
    if not block:
        return []
    return rst_to_markdown(textwrap.dedent("\n".join(block))).rstrip("\n").split("\n")


# ---- AsciiDoc --------------------------------------------------------------------------------------------

_ADOC_TITLE = re.compile(r"^(={1,6})\s+(.+?)\s*=*\s*$")
_ADOC_ATTRIBUTE = re.compile(r"^:(!?[\w-]+!?):\s*(.*)$")
_ADOC_BLOCK_ATTRIBUTES = re.compile(r"^\[[^\[\]]*\]\s*$")
_ADOC_ANCHOR = re.compile(r"^\[\[[^\]]*\]\]\s*$")
_ADOC_MACRO_LINE = re.compile(r"^(?:include|image|toc|ifdef|ifndef|ifeval|endif|video|audio)::.*\[.*\]\s*$")
_ADOC_BLOCK_TITLE = re.compile(r"^\.([^\s.].*)$")
_ADOC_LIST = re.compile(r"^(\*+|-|\.+)\s+(.*)$")
_ADOC_TERM = re.compile(r"^(\S.*?)(?::{2,4}|;;)(?:\s+(.*))?$")  # a description list: "term:: definition"
_ADOC_CODE_DELIMITER = re.compile(r"^(-{4,}|\.{4,}|`{3}.*)\s*$")
_ADOC_OTHER_DELIMITER = re.compile(r"^(={4,}|\*{4,}|_{4,}|\+{4,}|--|\|===|,===|:===|!===)\s*$")
_ADOC_URL = re.compile(r"(?:link:)?((?:https?|ftp|mailto):[^\s\[]+)\[([^\]]*)\]")
_ADOC_XREF = re.compile(r"xref:[^\s\[]+\[([^\]]*)\]")
_ADOC_CROSS = re.compile(r"<<([^,>]+)(?:,\s*([^>]+))?>>")
_ADOC_INLINE_MACRO = re.compile(r"\b(?:kbd|btn|menu|pass|footnote|icon|anchor):[^\s\[]*\[([^\]]*)\]")
_ADOC_ATTRIBUTE_REFERENCE = re.compile(r"\{([\w-]+)\}")
_ADOC_BUILTIN_ATTRIBUTES = {"nbsp": " ", "sp": " ", "empty": "", "blank": "", "zwsp": "", "amp": "&"}
_ADOC_ADMONITIONS = {
    "[NOTE]": "Note:",
    "[TIP]": "Tip:",
    "[IMPORTANT]": "Important:",
    "[WARNING]": "Warning:",
    "[CAUTION]": "Caution:",
}


def asciidoc_attributes(text: str) -> dict[str, str]:
    """The document header's attribute entries (`:audience: internal`, `:description: …`), and its
    author line (the line under the title), up to the header's end — the first blank line after the
    title."""
    attributes: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").lstrip("\n").split("\n")
    for number, line in enumerate(lines):
        if not line.strip() or (number and _ADOC_TITLE.match(line)):
            break
        attribute = _ADOC_ATTRIBUTE.match(line)
        if attribute:
            attributes[attribute.group(1).strip("!").lower()] = attribute.group(2).strip()
        elif number == 1 and not line.startswith((":", "//")):
            attributes.setdefault("author", re.sub(r"\s*<[^>]*>", "", line).split(";")[0].strip())
    return attributes


def asciidoc_to_markdown(text: str) -> str:
    """AsciiDoc → Markdown (see the module's docstring for what is kept and what goes)."""
    attributes = dict(_ADOC_BUILTIN_ATTRIBUTES)
    out: list[str] = []
    code_delimiter: str | None = None
    language = ""  # of the next listing block, from `[source,yaml]`
    in_comment = False
    lines = text.replace("\r\n", "\n").split("\n")
    for line in lines:
        stripped = line.strip()
        if in_comment:
            in_comment = not re.match(r"^/{4,}\s*$", stripped)
            continue
        if code_delimiter is not None:
            if stripped == code_delimiter:
                out.append("```")
                code_delimiter = None
            else:
                out.append(line)
            continue
        if re.match(r"^/{4,}\s*$", stripped):
            in_comment = True
            continue
        if stripped.startswith("//"):
            continue
        attribute = _ADOC_ATTRIBUTE.match(line)
        if attribute:
            attributes[attribute.group(1).strip("!")] = attribute.group(2).strip()
            continue
        if _ADOC_CODE_DELIMITER.match(stripped):
            fence_language = stripped[3:].strip() if stripped.startswith("```") else language
            code_delimiter = "```" if stripped.startswith("```") else stripped
            out.append("```" + fence_language)
            language = ""
            continue
        if stripped in _ADOC_ADMONITIONS:
            out.append(_ADOC_ADMONITIONS[stripped])
            continue
        source = re.match(r"^\[source,\s*([\w+#-]+)", stripped)
        if source:
            language = source.group(1)
            continue
        if (
            _ADOC_BLOCK_ATTRIBUTES.match(stripped)
            or _ADOC_ANCHOR.match(stripped)
            or _ADOC_MACRO_LINE.match(stripped)
            or _ADOC_OTHER_DELIMITER.match(stripped)
            or stripped == "+"
        ):
            continue
        line = _ADOC_ATTRIBUTE_REFERENCE.sub(lambda m: attributes.get(m.group(1), m.group(0)), line)
        title = _ADOC_TITLE.match(line)
        if title:
            out.extend(["", "#" * len(title.group(1)) + " " + _adoc_inline(title.group(2)), ""])
            continue
        block_title = _ADOC_BLOCK_TITLE.match(stripped)
        if block_title:
            out.append(_adoc_inline(block_title.group(1)) + ":")
            continue
        item = _ADOC_LIST.match(stripped)
        if item:
            marker = "1." if item.group(1).startswith(".") else "-"
            depth = len(item.group(1)) - 1 if item.group(1) != "-" else 0
            out.append("  " * depth + f"{marker} {_adoc_inline(item.group(2))}")
            continue
        term = _ADOC_TERM.match(stripped)
        if term and not _ADOC_MACRO_LINE.match(stripped):
            out.append(f"- {_adoc_inline(term.group(1))}: {_adoc_inline(term.group(2) or '')}".rstrip())
            continue
        if stripped.startswith("|"):
            line = " | ".join(cell.strip() for cell in stripped.strip("|").split("|"))
        out.append(_adoc_inline(line))
    if code_delimiter is not None:
        out.append("```")
    return _tidy(out)


def _adoc_inline(line: str) -> str:
    line = _ADOC_URL.sub(lambda m: f"[{m.group(2) or m.group(1)}]({m.group(1)})", line)
    line = _ADOC_XREF.sub(r"\1", line)
    line = _ADOC_CROSS.sub(lambda m: (m.group(2) or m.group(1)).strip(), line)
    return _ADOC_INLINE_MACRO.sub(r"\1", line)
