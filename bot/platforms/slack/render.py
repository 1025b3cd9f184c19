"""`Reply` → Block Kit message, `Form` → modal view. Pure functions; Slack's limits are enforced here.

All text is escaped (`&`, `<`, `>`) in one step (`to_mrkdwn`), so `<!channel>`, `<!subteam^S1>`, `<@U1>` or
`<https://evil|invoice.pdf>` written by a user reach readers as the characters typed; `[label](url)` is not
Slack syntax and stays text with its real URL. Only the bot's own mention tokens (`bot.markup`) become
`<@U…>`, and links only from citations (a knowledge source's URL).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote

from bot.markup import Mention, at_names, render
from bot.messages import Citation, Form, FormInput, Reply
from bot.people import neutral_label
from bot.platforms.slack.codec import FormContext, encode_form_context, unique_action_id

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
HEADER_LIMIT = 150
BUTTON_LABEL_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
BUTTONS_PER_BLOCK = 25
CONTEXT_ELEMENTS = 10
FALLBACK_LIMIT = 3000
MODAL_TITLE_LIMIT = 24
MODAL_BLOCKS = 100
OPTIONS_LIMIT = 100

_COLOR_MARK = {"warning": "⚠️ ", "danger": "⛔ ", "success": "✅ ", "info": "ℹ️ ", "default": ""}

_USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")  # never `!channel`, `#C1`, `!subteam^S1`
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)
_SAFE_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)


def escape(text: str) -> str:
    """Slack's three control characters (https://docs.slack.dev/messaging/formatting-message-text)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _safe_url(url: str) -> str:
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def mention(found: Mention) -> str:
    """A mention the bot made: live for a Slack user id; someone on another platform (not localized by the
    outbox) by a neutral label; an id that is not a user id as text."""
    if found.platform not in (None, "slack"):
        return escape(neutral_label(found.platform, "both"))
    if not _USER_ID.match(found.user):
        return escape("@" + found.user)
    return f"<@{found.user}>"


def to_mrkdwn(text: str) -> str:
    """Our markdown-ish text → Slack mrkdwn: every character escaped, the bot's mentions made live,
    `**b**` → `*b*`."""
    return _BOLD.sub(r"*\1*", render(text, escape=escape, mention=mention))


def plain(text: str, limit: int) -> str:
    """Text for a `plain_text` object (not parsed by Slack), cut to `limit` characters."""
    text = at_names(text).strip() or " "
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut_point(line: str, limit: int) -> int:
    cut = line.rfind(" ", 0, limit)
    if cut <= limit // 2:
        cut = limit
    amp = line.rfind("&", max(cut - 5, 0), cut)
    if amp > 0 and ";" not in line[amp:cut]:
        cut = amp
    lt = line.rfind("<", 0, cut)
    if lt > 0 and ">" not in line[lt:cut] and cut - lt < 600:
        cut = lt
    return cut


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split mrkdwn into chunks of at most `limit` characters, at line breaks when possible, keeping code
    fences balanced in every chunk."""
    room = limit - 8  # space for re-opening / closing a code fence
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > room:  # a single huge line: cut at a space, never inside an entity or link
            cut = _cut_point(line, room)
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > room and current:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    balanced: list[str] = []
    open_fence = False
    for chunk in chunks:
        if open_fence:
            chunk = "```\n" + chunk
        if chunk.count("```") % 2 == 1:
            chunk += "\n```"
            open_fence = True
        else:
            open_fence = False
        balanced.append(chunk)
    return [c for c in balanced if c.strip()] or [" "]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def citation_text(citation: Citation) -> str:
    title = escape(at_names(citation.title))
    if _SAFE_URL.match(citation.source):
        title = f"<{_safe_url(citation.source)}|{title.replace('|', '¦')}>"
    text = f"[{citation.index}] {title}"
    if citation.section:
        text += f" › {to_mrkdwn(citation.section)}"
    if citation.updated:
        text += f" · {citation.updated_note()}"
    if citation.stale:
        text += f" · ⚠️ {citation.stale_note()}"
    return text


def _context_blocks(texts: list[str]) -> list[dict[str, Any]]:
    blocks = []
    for start in range(0, len(texts), CONTEXT_ELEMENTS):
        elements = [
            {"type": "mrkdwn", "text": t[:SECTION_LIMIT]} for t in texts[start : start + CONTEXT_ELEMENTS]
        ]
        blocks.append({"type": "context", "elements": elements})
    return blocks


def _button(action_id: str, label: str, value: str, style: str) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": plain(label, BUTTON_LABEL_LIMIT), "emoji": True},
        "value": value[:BUTTON_VALUE_LIMIT],
    }
    if style in ("primary", "danger"):
        button["style"] = style
    return button


def render_blocks(reply: Reply) -> list[dict[str, Any]]:
    """The Block Kit blocks of a reply (at most 50; overflowing text is cut with a note)."""
    head: list[dict[str, Any]] = []
    mark = _COLOR_MARK.get(reply.color, "")
    if reply.title and unicodedata.category(reply.title.lstrip()[:1] or " ") == "So":
        mark = ""  # the title brings its own icon ("⛔ End of sale"): one icon, not "⛔ ⛔"
    if reply.title:
        head.append(
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": plain(mark + reply.title, HEADER_LIMIT),
                    "emoji": True,
                },
            }
        )
    body: list[dict[str, Any]] = []
    if reply.text:
        prefix = mark if not reply.title else ""
        body.extend(_section(chunk) for chunk in split_text(prefix + to_mrkdwn(reply.text)))
    for start in range(0, len(reply.fields), FIELDS_PER_SECTION):
        fields = [
            {"type": "mrkdwn", "text": f"*{escape(at_names(f.label))}*\n{to_mrkdwn(f.value)}"[:FIELD_LIMIT]}
            for f in reply.fields[start : start + FIELDS_PER_SECTION]
        ]
        body.append({"type": "section", "fields": fields})
    body.extend(_context_blocks([citation_text(c) for c in reply.citations]))
    body.extend(_context_blocks([to_mrkdwn(note) for note in reply.context]))
    tail: list[dict[str, Any]] = []
    for start in range(0, len(reply.buttons), BUTTONS_PER_BLOCK):
        chunk = reply.buttons[start : start + BUTTONS_PER_BLOCK]
        elements = [
            _button(unique_action_id(b.action_id, start + i), b.label, b.value, b.style)
            for i, b in enumerate(chunk)
        ]
        tail.append({"type": "actions", "elements": elements})
    tail = tail[: MAX_BLOCKS - len(head) - 2]
    room = MAX_BLOCKS - len(head) - len(tail)
    if len(body) > room:
        note = {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "… (truncated / 内容过长，已截断)"}],
        }
        body = [*body[: room - 1], note]
    return head + body + tail


def fallback_text(reply: Reply) -> str:
    """The notification / screen-reader text that accompanies the blocks."""
    parts = [reply.title] if reply.title else []
    if reply.text:
        parts.append(reply.text)
    text = to_mrkdwn("\n".join(parts)) if parts else to_mrkdwn(reply.plain_text())
    return text if len(text) <= FALLBACK_LIMIT else text[: FALLBACK_LIMIT - 1] + "…"


def render_message(reply: Reply) -> dict[str, Any]:
    """Arguments for chat.postMessage / chat.update / chat.postEphemeral / a response_url body."""
    blocks = render_blocks(reply)
    return {"text": fallback_text(reply), "blocks": blocks} if blocks else {"text": fallback_text(reply)}


def _input_block(spec: FormInput) -> dict[str, Any]:
    element: dict[str, Any]
    if spec.options:
        options = [
            {"text": {"type": "plain_text", "text": plain(label, 75), "emoji": True}, "value": value[:150]}
            for value, label in spec.options[:OPTIONS_LIMIT]
        ]
        element = {"type": "static_select", "action_id": spec.name, "options": options}
        initial = next((o for o in options if o["value"] == spec.initial), None)
        if initial is not None:
            element["initial_option"] = initial
    else:
        element = {"type": "plain_text_input", "action_id": spec.name, "multiline": spec.multiline}
        if spec.initial:
            element["initial_value"] = spec.initial[:3000]
    if spec.placeholder:
        element["placeholder"] = {"type": "plain_text", "text": plain(spec.placeholder, 150)}
    return {
        "type": "input",
        "block_id": spec.name,
        "optional": not spec.required,
        "label": {"type": "plain_text", "text": plain(spec.label, 2000), "emoji": True},
        "element": element,
    }


def render_view(form: Form, *, context: FormContext | None = None) -> dict[str, Any]:
    """A modal for views.open; `callback_id` is the form id, the origin rides in `private_metadata`."""
    context = context or FormContext(value=form.private_value)
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "title": {"type": "plain_text", "text": plain(form.title, MODAL_TITLE_LIMIT), "emoji": True},
        "submit": {"type": "plain_text", "text": plain(form.submit_label, MODAL_TITLE_LIMIT), "emoji": True},
        "close": {"type": "plain_text", "text": "Cancel / 取消"},
        "private_metadata": encode_form_context(context),
        "blocks": [_input_block(spec) for spec in form.inputs[:MODAL_BLOCKS]],
    }
