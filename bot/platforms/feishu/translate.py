"""Feishu events (decoded JSON dicts) → `IncomingMessage`. Pure: no network, no lark-oapi.

`im.message.receive_v1` becomes a MESSAGE; `card.action.trigger` becomes an ACTION (a button rendered by
`render.py`) or a FORM (the submit button of a form card). Anything else we do not act on gives `None`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from bot.messages import IncomingMessage, Kind, Platform

logger = logging.getLogger(__name__)

PLATFORM = Platform.FEISHU.value
_PLACEHOLDER = re.compile(r"@_user_\d+")
_AT_ALL = re.compile(r"@_all\b")  # "@所有人" in a received text (it has no entry in `mentions`)
_SPACES = re.compile(r"[ \t]{2,}")


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _loads(content: Any) -> Mapping[str, Any]:
    if isinstance(content, Mapping):
        return content
    if not isinstance(content, str) or not content:
        return {}
    try:
        decoded = json.loads(content)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, Mapping) else {}


def post_text(content: Mapping[str, Any]) -> str:
    """The plain text of a `post` (rich text) message: title, then one line per paragraph.

    Received posts carry `title` and `content` at the top level; a sent-style post nests them under a
    language key (`zh_cn`, `en_us`), which we also accept. `at` elements keep their `@_user_N` placeholder
    so that mentions resolve like in text messages.
    """
    if "content" not in content:
        for value in content.values():
            if isinstance(value, Mapping) and "content" in value:
                content = value
                break
    lines: list[str] = []
    title = content.get("title")
    if isinstance(title, str) and title.strip():
        lines.append(title.strip())
    paragraphs = content.get("content")
    for paragraph in paragraphs if isinstance(paragraphs, list) else []:
        parts: list[str] = []
        for element in paragraph if isinstance(paragraph, list) else []:
            parts.append(_post_element_text(_dict(element)))
        line = "".join(parts).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def _post_element_text(element: Mapping[str, Any]) -> str:
    tag = element.get("tag")
    text = str(element.get("text") or "")
    match tag:
        case "text" | "md":
            return text
        case "a":
            href = str(element.get("href") or "")
            if not href or text.rstrip("/") == href.rstrip("/"):
                return href or text  # a bare link: its text is the address
            return f"[{text}]({href})" if text else href
        case "at":
            user = str(element.get("user_id") or element.get("open_id") or "")
            if _PLACEHOLDER.fullmatch(user):
                return user
            if user in ("all", "@_all"):
                return "@all"
            return f"<@{user}>" if user else ""
        case "code_block":
            return f"`{text}`"
        case _:  # img, media, emotion, hr: nothing to read
            return ""


def _resolve_mentions(text: str, mentions: Any, bot_open_id: str | None) -> tuple[str, bool]:
    """Replace `@_user_N` placeholders: the bot's own mention is removed, other users become `<@ou_…>`."""
    mentions_bot = False
    by_key: dict[str, str] = {}
    for mention in mentions if isinstance(mentions, list) else []:
        mention = _dict(mention)
        key = str(mention.get("key") or "")
        open_id = str(_dict(mention.get("id")).get("open_id") or "")
        if not key:
            continue
        if bot_open_id and open_id == bot_open_id:
            by_key[key] = ""
        else:
            by_key[key] = f"<@{open_id}>" if open_id else str(mention.get("name") or "")

    def substitute(match: re.Match[str]) -> str:
        nonlocal mentions_bot
        key = match.group(0)
        if key not in by_key:
            return key
        if by_key[key] == "":
            mentions_bot = True
        return by_key[key]

    resolved = _AT_ALL.sub("@all", _PLACEHOLDER.sub(substitute, text))
    resolved = "\n".join(_SPACES.sub(" ", line).strip() for line in resolved.splitlines())
    return resolved.strip(), mentions_bot


def message_text(message: Mapping[str, Any]) -> str | None:
    """The readable text of a received message, or None for types we do not read (images, files …)."""
    content = _loads(message.get("content"))
    match message.get("message_type"):
        case "text":
            text = content.get("text")
            return text if isinstance(text, str) else ""
        case "post":
            return post_text(content)
        case _:
            return None


def message_event_id(payload: Mapping[str, Any]) -> str | None:
    """The event id `message_event` gives a received message (its message id: the webhook and the long
    connection may both deliver it, and a redelivery has a new header.event_id)."""
    message_id = str(_dict(_dict(payload.get("event")).get("message")).get("message_id") or "")
    return f"msg:{message_id}" if message_id else None


def message_event(payload: Mapping[str, Any], *, bot_open_id: str | None) -> IncomingMessage | None:
    """`im.message.receive_v1` → MESSAGE, or None (bot/app senders, unreadable message types)."""
    header = _dict(payload.get("header"))
    event = _dict(payload.get("event"))
    sender = _dict(event.get("sender"))
    message = _dict(event.get("message"))
    if sender.get("sender_type") != "user":
        return None
    user = str(_dict(sender.get("sender_id")).get("open_id") or "")
    message_id = str(message.get("message_id") or "")
    chat_id = str(message.get("chat_id") or "")
    if not user or not message_id or not chat_id:
        logger.info("feishu message without sender, message id or chat id ignored")
        return None
    if bot_open_id and user == bot_open_id:
        return None
    raw_text = message_text(message)
    if raw_text is None and message.get("chat_type") == "p2p":
        raw_text = ""  # a picture or a file sent to the bot: it gets the hint, as an empty Slack DM does
    if raw_text is None:
        logger.debug("feishu message type %s ignored", message.get("message_type"))
        return None
    text, mentions_bot = _resolve_mentions(raw_text, message.get("mentions"), bot_open_id)
    root_id = str(message.get("root_id") or "") or None
    return IncomingMessage(
        platform=PLATFORM,
        workspace=str(header.get("tenant_key") or sender.get("tenant_key") or ""),
        # the sender's own tenant: another organisation's in an external group (外部群)
        user_workspace=str(sender.get("tenant_key") or ""),
        conversation=chat_id,
        user=user,
        text=text,
        kind=Kind.MESSAGE,
        thread=root_id or message_id,
        message_id=message_id,
        in_thread=root_id is not None,
        mentions_bot=mentions_bot,
        is_direct=message.get("chat_type") == "p2p",
        event_id=message_event_id(payload),
        raw=payload,
    )


def _stringify(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(_stringify(item) for item in value)
    return json.dumps(value, ensure_ascii=False)


def card_action(payload: Mapping[str, Any]) -> IncomingMessage | None:
    """`card.action.trigger` → ACTION (a button of ours) or FORM (a form card's submit), else None.

    Buttons carry `{"action": <action_id>, "value": <value>}`; a form's submit button carries
    `{"form": <form_id>, "value": <private value>}` and the inputs arrive in `action.form_value`.
    """
    header = _dict(payload.get("header"))
    event = _dict(payload.get("event"))
    operator = _dict(event.get("operator"))
    action = _dict(event.get("action"))
    context = _dict(event.get("context"))
    value = _dict(action.get("value"))
    user = str(operator.get("open_id") or "")
    if not user:
        return None
    message_id = str(context.get("open_message_id") or "") or None
    common: dict[str, Any] = {
        "platform": PLATFORM,
        "workspace": str(header.get("tenant_key") or operator.get("tenant_key") or ""),
        "user_workspace": str(operator.get("tenant_key") or ""),
        "conversation": str(context.get("open_chat_id") or ""),
        "user": user,
        "message_id": message_id,
        "thread": message_id,
        "event_id": str(header.get("event_id") or "") or None,
        "raw": payload,
    }
    form_id = value.get("form")
    if isinstance(form_id, str) and form_id:
        form_values = _dict(action.get("form_value"))
        return IncomingMessage(
            kind=Kind.FORM,
            form_id=form_id,
            form={str(name): _stringify(v).strip() for name, v in form_values.items()},
            action_value=_stringify(value.get("value")),
            **common,
        )
    action_id = value.get("action")
    if isinstance(action_id, str) and action_id:
        return IncomingMessage(
            kind=Kind.ACTION, action_id=action_id, action_value=_stringify(value.get("value")), **common
        )
    return None
