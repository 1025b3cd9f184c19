"""Slack payloads → `IncomingMessage`. Pure functions over the parsed JSON / form bodies bolt hands us.

Returning None means "not for us" (bot messages, edits, channel chatter that does not involve the bot).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.messages import IncomingMessage, Kind, Platform
from bot.platforms.slack.codec import FormContext, decode_form_context, original_action_id

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
_SELECTED_LISTS = ("selected_users", "selected_conversations", "selected_channels")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
# a user group (`<!subteam^S0123|@sales>`) reads as its handle; a date (`<!date^1392734382^{date}|Feb 18>`)
# as the fallback text Slack shows where it cannot format it
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>")
_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
_USER = re.compile(r"<@([A-Z0-9]+)\|[^>]*>")


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _id(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def installation_team_ids(body: Mapping[str, Any]) -> tuple[str, str]:
    """(team id, enterprise id) of the installation a request was delivered to — an Events API envelope, a
    slash command or an interactive payload — read in slack-bolt's order (`request/internals.py::
    extract_team_id / extract_enterprise_id`): in a Slack Connect channel an envelope's `team_id` and
    `enterprise_id` are the workspace where the event happened, possibly the other organisation's, and
    ours is `authorizations[0]`; a modal opened there names ours in `view.app_installed_team_id`."""
    view = _dict(body.get("view"))
    authorizations = body.get("authorizations")
    first = authorizations[0] if isinstance(authorizations, list) and authorizations else None
    if isinstance(first, Mapping) and (_id(first.get("team_id")) or _id(first.get("enterprise_id"))):
        team, enterprise = _id(first.get("team_id")), _id(first.get("enterprise_id"))
    else:
        team = _id(body.get("team")) or _id(body.get("team_id"))
        enterprise = _id(body.get("enterprise")) or _id(body.get("enterprise_id"))
    team = _id(view.get("app_installed_team_id")) or team or _id(view.get("team_id"))
    return team, enterprise


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
    text = _SUBTEAM.sub(lambda m: f"@{m.group(2) or m.group(1)}", text)
    text = _DATE.sub(r"\1", text)

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
    if event.get("edited"):
        # Slack sends `app_mention` again, with a new event_id, when a message that mentions the bot is
        # edited: the question was answered when it was first posted
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
        workspace=installation_team_ids(body)[0] or _string(event.get("team")),
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
    if "value" in action:  # a button (its value may be absent: "")
        return str(action.get("value") or "")
    return _input_value(action)


def from_block_action(body: Mapping[str, Any]) -> IncomingMessage | None:
    """A `block_actions` payload (button click / select in one of our messages or modals) → an ACTION.

    Clicked in a message, it answers in that message's channel and thread; in an ephemeral message (which
    has no `message`, and whose ts no reply can thread under), in the thread it was shown in, else the
    channel; in a modal (`container.type` "view": no channel at all), where the modal was opened from (its
    `private_metadata`, as a submission), else in the user's DM with the bot."""
    actions = body.get("actions")
    action = _dict(actions[0] if isinstance(actions, list) and actions else None)
    person = _dict(body.get("user"))
    user = _string(person.get("id"))
    if not action or not user:
        return None
    container = _dict(body.get("container"))
    message = _dict(body.get("message"))
    raw = dict(body)
    channel = _string(_dict(body.get("channel")).get("id")) or _string(container.get("channel_id"))
    if container.get("type") == "view" or not channel:
        context, channel = _form_origin(_dict(body.get("view")), user=user, raw=raw)
        ts, thread, in_thread = None, context.thread or None, bool(context.thread)
    elif container.get("is_ephemeral"):
        ts = None
        thread = _string(container.get("thread_ts")) or None
        in_thread = thread is not None
    else:
        ts = _string(message.get("ts")) or _string(container.get("message_ts")) or None
        thread_ts = _string(message.get("thread_ts")) or _string(container.get("thread_ts"))
        thread = thread_ts or ts
        in_thread = bool(thread_ts) and thread_ts != ts
    trigger_id = body.get("trigger_id")
    return IncomingMessage(
        platform=Platform.SLACK,
        workspace=installation_team_ids(body)[0],
        user_workspace=_string(person.get("team_id")),
        conversation=channel,
        user=user,
        user_name=_string(person.get("username")) or None,
        kind=Kind.ACTION,
        action_id=original_action_id(str(action.get("action_id") or "")),
        action_value=_action_value(action),
        thread=thread,
        message_id=ts,
        in_thread=in_thread,
        is_direct=_is_dm_channel(channel) or channel == user,
        trigger_id=str(trigger_id) if trigger_id else None,
        event_id=f"action:{trigger_id}" if trigger_id else None,
        raw=raw,
    )


def _rich_text_inline(element: Mapping[str, Any]) -> str:
    match element.get("type"):
        case "text":
            return _string(element.get("text"))
        case "link":
            url, label = _string(element.get("url")), _string(element.get("text"))
            return f"{label} ({url})" if label and label.rstrip("/") != url.rstrip("/") else url
        case "user":
            return f"<@{_string(element.get('user_id'))}>"
        case "channel":
            return f"<#{_string(element.get('channel_id'))}>"
        case "usergroup":
            return f"@{_string(element.get('usergroup_id'))}"
        case "broadcast":
            return f"@{_string(element.get('range'))}"
        case "emoji":
            return f":{_string(element.get('name'))}:"
        case "date":
            return _string(element.get("fallback")) or str(element.get("timestamp") or "")
        case _:
            return ""


def rich_text_plain(block: Mapping[str, Any]) -> str:
    """A `rich_text` value (a rich_text_input's `rich_text_value`) as plain text: one line per section,
    list item, preformatted or quoted block; mentions as Slack writes them in message text."""
    lines: list[str] = []
    for part in _list(block.get("elements")):
        part = _dict(part)
        if part.get("type") == "rich_text_list":
            ordered = part.get("style") == "ordered"
            for number, item in enumerate(_list(part.get("elements")), start=1):
                text = rich_text_plain({"elements": [item]})
                lines.append(f"{number}. {text}" if ordered else f"• {text}")
            continue
        inline = [_dict(element) for element in _list(part.get("elements"))]
        lines.append("".join(_rich_text_inline(element) for element in inline))
    return "\n".join(line.rstrip() for line in "\n".join(lines).split("\n")).strip("\n")


def _input_value(element: Mapping[str, Any]) -> str:
    """What one input element of a submitted view (or a block action) holds, as text: lists comma-joined,
    a date-time picker's epoch seconds as ISO 8601 UTC, a rich text input as plain text."""
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
    for key in _SELECTED_LISTS:
        chosen = element.get(key)
        if isinstance(chosen, list):
            return ",".join(str(item) for item in chosen)
    moment = element.get("selected_date_time")
    if isinstance(moment, int | float) and not isinstance(moment, bool):
        try:
            return datetime.fromtimestamp(moment, tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError):  # not a time Slack could have sent
            return ""
    rich = element.get("rich_text_value")
    if isinstance(rich, Mapping):
        return rich_text_plain(rich)
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


def _form_origin(view: Mapping[str, Any], *, user: str, raw: dict[str, Any]) -> tuple[FormContext, str]:
    """Where a modal was opened from (its `private_metadata`) and the channel to answer in — the user's DM
    with the bot when no origin is known; its `response_url` goes into `raw` when the payload has none."""
    context = decode_form_context(_string(view.get("private_metadata")))
    if context.response_url and not raw.get("response_url"):
        raw["response_url"] = context.response_url
    return context, context.channel or user


def from_view_submission(body: Mapping[str, Any]) -> IncomingMessage | None:
    """A submitted modal → a FORM, back in the conversation the form was opened from."""
    view = _dict(body.get("view"))
    person = _dict(body.get("user"))
    user = _string(person.get("id"))
    form_id = view.get("callback_id")
    if not user or not form_id:
        return None
    raw = dict(body)
    context, channel = _form_origin(view, user=user, raw=raw)
    trigger_id = body.get("trigger_id")
    return IncomingMessage(
        platform=Platform.SLACK,
        workspace=installation_team_ids(body)[0],
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
