"""Slack payloads → `IncomingMessage`. Pure functions over the parsed JSON / form bodies bolt hands us.

Returning None means "not for us" (bot messages, edits, channel chatter that does not involve the bot).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.messages import IncomingMessage, Kind, Platform
from bot.platforms.slack.codec import decode_form_context, original_action_id

# Slash commands that are shortcuts for `/salesbridge <word> …`.
SHORTCUT_COMMANDS = {
    "/ask": "ask",
    "/request": "request",
    "/requests": "requests",
    "/announce": "announce",
    "/objection": "objection",
    "/schedule": "schedule",
}
MAIN_COMMAND = "/salesbridge"
LOG_REQUEST_SHORTCUT = "log_feature_request"
LOG_REQUEST_ACTION = "request.from_message"

_ALLOWED_SUBTYPES = {None, "thread_broadcast", "file_share"}
_SELECTED_KEYS = (
    "selected_date",
    "selected_time",
    "selected_user",
    "selected_channel",
    "selected_conversation",
)
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_USER = re.compile(r"<@([A-Z0-9]+)\|[^>]*>")


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def bot_user_id_of(body: Mapping[str, Any]) -> str | None:
    """The bot's user id from an Events API envelope (`authorizations[0].user_id`)."""
    authorizations = body.get("authorizations")
    for auth in authorizations if isinstance(authorizations, list) else []:
        if isinstance(auth, Mapping) and auth.get("is_bot") and auth.get("user_id"):
            return str(auth["user_id"])
    return None


def clean_text(text: str, *, bot_user_id: str | None = None) -> str:
    """Slack message text → neutral text: bot mention removed, `<@U|name>` → `<@U>`, links unwrapped,
    `&amp; &lt; &gt;` decoded. Other user mentions stay as `<@U…>` (handlers parse them)."""
    if bot_user_id:
        text = re.sub(rf"[ \t]*<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[:,]?[ \t]*", " ", text)
    text = _USER.sub(r"<@\1>", text)
    text = _SPECIAL.sub(r"@\1", text)

    def unwrap(match: re.Match[str]) -> str:
        url, label = match.group(1), match.group(2)
        bare = url.split(":", 1)[1].lstrip("/").rstrip("/")
        if not label or label.rstrip("/") in (url, bare):
            return bare if url.startswith("mailto:") else url
        return f"{label} ({url})"

    text = _LINK.sub(unwrap, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.strip()


def mentions(text: str, user_id: str | None) -> bool:
    return bool(user_id) and re.search(rf"<@{re.escape(user_id or '')}(?:\|[^>]*)?>", text) is not None


def from_event(body: Mapping[str, Any], *, bot_user_id: str | None = None) -> IncomingMessage | None:
    """An Events API envelope (`event_callback`) → a MESSAGE, or None when the bot should stay silent."""
    event = body.get("event")
    if not isinstance(event, Mapping):
        return None
    bot_user_id = bot_user_id or bot_user_id_of(body)
    event_type = event.get("type")
    subtype = event.get("subtype")
    if event.get("bot_id") or not isinstance(subtype, str | None) or subtype not in _ALLOWED_SUBTYPES:
        return None
    # Slack sends these as strings; anything else is not a message we could answer
    user, channel, ts = _string(event.get("user")), _string(event.get("channel")), _string(event.get("ts"))
    if not user or not channel or not ts or user == bot_user_id:
        return None
    raw_text = _string(event.get("text"))
    thread_ts = _string(event.get("thread_ts"))
    in_thread = bool(thread_ts) and thread_ts != ts
    is_direct = event.get("channel_type") == "im"
    if event_type == "app_mention":
        mentions_bot = True
    elif event_type == "message":
        if is_direct:
            mentions_bot = False
        elif mentions(raw_text, bot_user_id):
            return None  # the app_mention event for the same message answers it
        elif in_thread:
            mentions_bot = False  # thread chatter: only thread listeners (e.g. practice sessions) look at it
        else:
            return None
    else:
        return None
    return IncomingMessage(
        platform=Platform.SLACK,
        workspace=str(body.get("team_id") or event.get("team") or ""),
        user_workspace=str(event.get("user_team") or event.get("team") or ""),
        conversation=channel,
        user=user,
        text=clean_text(raw_text, bot_user_id=bot_user_id),
        kind=Kind.MESSAGE,
        thread=thread_ts or ts,
        message_id=ts,
        in_thread=in_thread,
        mentions_bot=mentions_bot,
        is_direct=is_direct,
        event_id=str(body["event_id"]) if body.get("event_id") else None,
        raw=dict(body),
    )


def _is_dm_channel(channel: str, channel_name: str = "") -> bool:
    return channel.startswith("D") or channel_name == "directmessage"


def from_command(form: Mapping[str, Any]) -> IncomingMessage | None:
    """A slash command form body → a COMMAND whose text starts with the command word."""
    command = str(form.get("command") or "").lower()
    text = clean_text(str(form.get("text") or ""))
    if command == MAIN_COMMAND:
        full = text
    elif command in SHORTCUT_COMMANDS:
        full = f"{SHORTCUT_COMMANDS[command]} {text}".strip()
    else:
        return None
    channel = str(form.get("channel_id") or "")
    user = str(form.get("user_id") or "")
    if not channel or not user:
        return None
    trigger_id = form.get("trigger_id")
    return IncomingMessage(
        platform=Platform.SLACK,
        workspace=str(form.get("team_id") or ""),
        conversation=channel,
        user=user,
        user_name=str(form.get("user_name") or "") or None,
        text=full,
        kind=Kind.COMMAND,
        is_direct=_is_dm_channel(channel, str(form.get("channel_name") or "")),
        trigger_id=str(trigger_id) if trigger_id else None,
        event_id=f"command:{trigger_id}" if trigger_id else None,
        raw=dict(form),
    )


def _action_value(action: Mapping[str, Any]) -> str:
    if "value" in action:
        return str(action.get("value") or "")
    selected = action.get("selected_option")
    if isinstance(selected, Mapping):
        return str(selected.get("value") or "")
    for key in _SELECTED_KEYS:
        if action.get(key):
            return str(action[key])
    return ""


def from_block_action(body: Mapping[str, Any]) -> IncomingMessage | None:
    """A `block_actions` payload (button click / select in one of our messages) → an ACTION."""
    actions = body.get("actions")
    action = _dict(actions[0] if isinstance(actions, list) and actions else None)
    person = _dict(body.get("user"))
    user = _string(person.get("id"))
    if not action or not user:
        return None
    container = _dict(body.get("container"))
    message = _dict(body.get("message"))
    channel = str(_dict(body.get("channel")).get("id") or container.get("channel_id") or "")
    ts = message.get("ts") or container.get("message_ts")
    thread = message.get("thread_ts") or container.get("thread_ts") or ts
    trigger_id = body.get("trigger_id")
    return IncomingMessage(
        platform=Platform.SLACK,
        workspace=str(_dict(body.get("team")).get("id") or ""),
        user_workspace=_string(person.get("team_id")),
        conversation=channel,
        user=user,
        user_name=_string(person.get("username")) or None,
        kind=Kind.ACTION,
        action_id=original_action_id(str(action.get("action_id") or "")),
        action_value=_action_value(action),
        thread=str(thread) if thread else None,
        message_id=str(ts) if ts else None,
        in_thread=bool(message.get("thread_ts")) and message.get("thread_ts") != ts,
        is_direct=_is_dm_channel(channel),
        trigger_id=str(trigger_id) if trigger_id else None,
        event_id=f"action:{trigger_id}" if trigger_id else None,
        raw=dict(body),
    )


def _input_value(element: Mapping[str, Any]) -> str:
    if element.get("value") is not None:
        return str(element["value"])
    selected = element.get("selected_option")
    if isinstance(selected, Mapping):
        return str(selected.get("value") or "")
    options = element.get("selected_options")
    if isinstance(options, list):
        return ",".join(str(o.get("value") or "") for o in options if isinstance(o, Mapping))
    for key in _SELECTED_KEYS:
        if element.get(key):
            return str(element[key])
    users = element.get("selected_users")
    if isinstance(users, list):
        return ",".join(str(u) for u in users)
    return ""


def form_values(state: Mapping[str, Any]) -> dict[str, str]:
    """`view.state.values` ({block_id: {action_id: element}}) → {input name: value} (name = action_id)."""
    values: dict[str, str] = {}
    for block in _dict(state.get("values")).values():
        if not isinstance(block, Mapping):
            continue
        for name, element in block.items():
            if isinstance(element, Mapping):
                values[str(name)] = _input_value(element).strip()
    return values


def from_view_submission(body: Mapping[str, Any]) -> IncomingMessage | None:
    """A submitted modal → a FORM, back in the conversation the form was opened from."""
    view = _dict(body.get("view"))
    person = _dict(body.get("user"))
    user = _string(person.get("id"))
    form_id = view.get("callback_id")
    if not user or not form_id:
        return None
    context = decode_form_context(str(view.get("private_metadata") or ""))
    channel = context.channel or user  # no origin known: answer in the user's DM with the bot
    raw = dict(body)
    if context.response_url:
        raw["response_url"] = context.response_url
    trigger_id = body.get("trigger_id")
    return IncomingMessage(
        platform=Platform.SLACK,
        workspace=str(_dict(body.get("team")).get("id") or ""),
        user_workspace=_string(person.get("team_id")),
        conversation=channel,
        user=user,
        user_name=_string(person.get("username")) or None,
        kind=Kind.FORM,
        form_id=str(form_id),
        form=form_values(_dict(view.get("state"))),
        action_value=context.value,
        thread=context.thread or None,
        in_thread=bool(context.thread),
        is_direct=_is_dm_channel(channel) or channel == user,
        trigger_id=str(trigger_id) if trigger_id else None,
        event_id=f"view:{view.get('id')}:{view.get('hash')}" if view.get("id") else None,
        raw=raw,
    )


def message_link(*, domain: str, channel: str, ts: str) -> str:
    """The permalink Slack shows for a message (`https://<domain>.slack.com/archives/C…/p<ts digits>`)."""
    host = f"https://{domain}.slack.com" if domain else "https://slack.com"
    return f"{host}/archives/{channel}/p{ts.replace('.', '')}"


def from_message_shortcut(body: Mapping[str, Any]) -> IncomingMessage | None:
    """The "Log feature request" message shortcut → ACTION `request.from_message` with the message as JSON."""
    if body.get("callback_id") != LOG_REQUEST_SHORTCUT:
        return None
    person = _dict(body.get("user"))
    user = _string(person.get("id"))
    channel = str(_dict(body.get("channel")).get("id") or "")
    message = _dict(body.get("message"))
    ts = str(message.get("ts") or "")
    if not user or not channel or not ts:
        return None
    team = _dict(body.get("team"))
    value = {
        "text": clean_text(str(message.get("text") or "")),
        "link": message_link(domain=str(team.get("domain") or ""), channel=channel, ts=ts),
        "author": str(message.get("user") or message.get("bot_id") or ""),
        "channel": channel,
        "ts": ts,
    }
    trigger_id = body.get("trigger_id")
    thread = message.get("thread_ts") or ts
    return IncomingMessage(
        platform=Platform.SLACK,
        workspace=str(team.get("id") or ""),
        user_workspace=_string(person.get("team_id")),
        conversation=channel,
        user=user,
        user_name=_string(person.get("username")) or _string(person.get("name")) or None,
        kind=Kind.ACTION,
        action_id=LOG_REQUEST_ACTION,
        action_value=json.dumps(value, ensure_ascii=False),
        thread=str(thread),
        message_id=ts,
        in_thread=thread != ts,
        is_direct=_is_dm_channel(channel),
        trigger_id=str(trigger_id) if trigger_id else None,
        event_id=f"shortcut:{trigger_id}" if trigger_id else None,
        raw=dict(body),
    )
