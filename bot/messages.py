"""The platform-neutral vocabulary: `IncomingMessage` in, `Reply` out.

Adapters translate Slack events / Feishu events / console lines into `IncomingMessage`, and render `Reply`
into Block Kit / Feishu cards / terminal text. Handlers see nothing else. `Reply` and its parts are pydantic
models so that the outbox can persist them as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from bot.i18n import Language, detect_language
from bot.markup import clean_text


class Platform(StrEnum):
    SLACK = "slack"
    FEISHU = "feishu"
    CONSOLE = "console"


class Kind(StrEnum):
    MESSAGE = "message"  # a chat message (mention, DM, thread reply)
    COMMAND = "command"  # an explicit slash command (Slack `/request …`, console `/request …`)
    ACTION = "action"  # a button click on one of our messages
    FORM = "form"  # a submitted modal / card form


_USER_STRINGS = (
    "platform",
    "conversation",
    "user",
    "text",
    "workspace",
    "user_workspace",
    "thread",
    "message_id",
    "command",
    "args",
    "action_id",
    "action_value",
    "form_id",
    "event_id",
    "user_name",
    "trigger_id",
)


@dataclass(frozen=True, kw_only=True)
class IncomingMessage:
    """One thing a user did, on any platform.

    `thread` is where a threaded reply goes: Slack's `thread_ts` (or the message's own `ts`), Feishu's
    message id to reply to. `text` has the bot mention stripped. `command`/`args` are filled by the router
    when the text starts with a known command word. `action_id`/`action_value` describe a button click,
    `form` holds submitted form values keyed by input name.
    """

    platform: str
    conversation: str
    user: str
    text: str = ""
    kind: Kind = Kind.MESSAGE
    workspace: str = ""
    # the user's own workspace when the platform says (Slack `user_team`: another organisation's in a Slack
    # Connect channel); `external` is set by the adapter when that is not one of ours
    user_workspace: str = ""
    external: bool = False
    thread: str | None = None
    message_id: str | None = None
    in_thread: bool = False  # the message itself sits inside an existing thread
    mentions_bot: bool = False
    is_direct: bool = False
    command: str | None = None
    args: str = ""
    action_id: str | None = None
    action_value: str = ""
    form_id: str | None = None
    form: Mapping[str, str] = field(default_factory=dict)
    event_id: str | None = None
    user_name: str | None = None
    trigger_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Everything a user sent is cleaned once, here, for every platform (`bot.markup.clean_text`): it
        can then carry no mention token of the bot's and nothing the database cannot store (NUL …)."""
        for name in _USER_STRINGS:
            value = getattr(self, name)
            if isinstance(value, str):
                cleaned = clean_text(value)
                if cleaned != value:
                    object.__setattr__(self, name, cleaned)
        if any(clean_text(k) != k or clean_text(v) != v for k, v in self.form.items()):
            cleaned_form = {clean_text(k): clean_text(v) for k, v in self.form.items()}
            object.__setattr__(self, "form", cleaned_form)

    @property
    def language(self) -> Language:
        return detect_language(self.text or self.args)

    @property
    def role_workspace(self) -> str:
        """The workspace a role of this user is looked up in: the user's own, else the event's."""
        return self.user_workspace or self.workspace

    @property
    def addressed_to_bot(self) -> bool:
        """In channels the bot reacts only to mentions, commands and its own buttons; in DMs to everything."""
        return self.is_direct or self.mentions_bot or self.kind is not Kind.MESSAGE

    def evolve(self, **changes: Any) -> IncomingMessage:
        return replace(self, **changes)


# --- outgoing ----------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Button(_Model):
    action_id: str
    label: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


class Citation(_Model):
    """A numbered source. `language` is the reader's: the renderers' own words (updated, may be outdated)
    follow it; None (unknown) gives both languages."""

    index: int
    title: str
    section: str = ""
    source: str = ""  # path or URL
    updated: date | None = None
    stale: bool = False
    language: Language | None = None

    def _say(self, en: str, zh: str) -> str:
        return {"en": en, "zh": zh}.get(self.language or "", f"{en} / {zh}")

    def stale_note(self) -> str:
        return self._say("may be outdated", "可能已过时")

    def updated_note(self) -> str:
        """The date the source was updated, in the reader's words (empty without a date)."""
        if self.updated is None:
            return ""
        day = self.updated.isoformat()
        return f"更新于 {day}" if self.language == "zh" else f"updated {day}"


class KeyValue(_Model):
    label: str
    value: str


class FormInput(_Model):
    name: str
    label: str
    placeholder: str = ""
    multiline: bool = False
    required: bool = True
    initial: str = ""
    options: list[tuple[str, str]] = []  # (value, label); a select when non-empty


class Form(_Model):
    """A modal on Slack (views.open), an interactive card with inputs on Feishu, prompts on the console."""

    form_id: str
    title: str
    submit_label: str = "Submit"
    inputs: list[FormInput]
    private_value: str = ""  # echoed back on submit (e.g. the id the form is about)


class Attachment(_Model):
    filename: str
    content: str
    mimetype: str = "text/plain"


class Address(_Model):
    """Where a message goes. `user` alone is a DM; `conversation` + `user` with `ephemeral` is a private note."""

    platform: str
    conversation: str | None = None
    thread: str | None = None
    user: str | None = None
    ephemeral: bool = False
    workspace: str = ""
    reply_url: str | None = None  # a platform callback URL for replying to a command (Slack response_url)


Where = Literal["thread", "channel", "dm", "ephemeral"]


class Reply(_Model):
    """Platform-neutral content. `text` is markdown-ish: **bold**, _italic_, `code`, [label](url), bullets.

    `where` is relative to the incoming message; `to` is an explicit address (jobs, notifications of other
    users). `form` asks the adapter to open a form instead of posting a message.
    """

    text: str = ""
    title: str | None = None
    fields: list[KeyValue] = []
    citations: list[Citation] = []
    buttons: list[Button] = []
    context: list[str] = []
    form: Form | None = None
    attachment: Attachment | None = None
    where: Where = "thread"
    to: Address | None = None
    color: Literal["default", "info", "success", "warning", "danger"] = "default"

    def plain_text(self) -> str:
        """A text fallback (notifications, console, logs)."""
        parts = [f"*{self.title}*"] if self.title else []
        if self.text:
            parts.append(self.text)
        parts.extend(f"{f.label}: {f.value}" for f in self.fields)
        parts.extend(
            f"[{c.index}] {c.title}" + (f" › {c.section}" if c.section else "") for c in self.citations
        )
        return "\n".join(parts) or " "


@dataclass(frozen=True)
class Sent:
    """What a platform returned for a posted message: enough to update it or reply under it."""

    platform: str
    conversation: str
    message_id: str


def resolve_address(msg: IncomingMessage, reply: Reply) -> Address:
    """Where a reply to `msg` goes, per `reply.where` (unless the reply names its own `to`)."""
    if reply.to is not None:
        return reply.to
    base = Address(
        platform=msg.platform,
        workspace=msg.workspace,
        conversation=msg.conversation,
        # Slack commands carry a response_url: private notes go through it, and a channel post falls back
        # to it when the bot is not a member of the channel the command was typed in.
        reply_url=msg.raw.get("response_url")
        if msg.kind is Kind.COMMAND or reply.where == "ephemeral"
        else None,
    )
    match reply.where:
        case "dm":
            return base.model_copy(update={"conversation": None, "user": msg.user, "reply_url": None})
        case "ephemeral" if not msg.is_direct:
            return base.model_copy(update={"user": msg.user, "ephemeral": True, "thread": msg.thread})
        case "channel":
            return base
        case _:  # thread (and "ephemeral" in a DM, which is private anyway)
            if msg.is_direct and not msg.in_thread:
                return base
            return base.model_copy(update={"thread": msg.thread or msg.message_id})
