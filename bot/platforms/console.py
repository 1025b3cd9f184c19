"""The console adapter: a chat with the bot in a terminal, with threads, buttons, forms and several people.

- `@bot …` mentions the bot in #general, `/cmd …` is a slash command, any other line is a direct message.
- Every message in a channel or DM gets a number (`[#4]`); `>4 text` replies in the thread of message 4
  (as on Slack or Feishu: a reply to a reply stays in the same thread). Thread replies are indented.
- `!N` clicks button N of the last message that has buttons (in that message's conversation); every button
  also has a text command (`announce ack 7`, listed by `help`). A form asks for its inputs one line at a
  time and is submitted in the conversation (and thread) it was opened from; `cancel` / `取消` at any of its
  prompts abandons it (nothing is stored), `quit` ends the session.
- `as lily: …` says one line as lily; `/user lily` switches to lily (`/user` lists the people here). The
  people in the console are the members of its channels, each with their own role and DMs.
- `time` shows the bot's time, `time +2h` / `time +1d` fast-forwards it and runs what became due;
  `jobs run` runs every due job now (both only when the session is given a clock and the jobs). A line that
  starts with `time` or `jobs` is always the console's: one it cannot read gets the console's usage, it is
  never sent to the bot as a question (`@bot time …` / `ask time …` asks the bot).

Works on a terminal and with piped stdin (scripts, tests).
"""

from __future__ import annotations

import itertools
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, TextIO

from bot.markup import at_names
from bot.messages import Address, Button, Form, IncomingMessage, Kind, Reply, Sent

_MENTION = re.compile(r"^@(bot|salesbridge)\b[:,]?\s*", re.IGNORECASE)
_AS_USER = re.compile(r"^as\s+([\w.@-]+)\s*[:：]\s*(.*)$", re.IGNORECASE | re.DOTALL)
_THREAD = re.compile(r"^>\s*#?(\d+)\s+(.+)$", re.DOTALL)
_USER_NAME = re.compile(r"^[\w.@-]{1,64}$")
_DURATION = re.compile(r"^\+?\s*(\d+)\s*(m|min|h|d|w)$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
CHANNEL = "general"
INDENT = "      "
FIELD_INDENT = "    "  # the further lines of a field's value, under its label
CANCEL_WORDS = frozenset({"cancel", "取消"})  # at a form's prompt: abandon the form
QUIT_WORDS = frozenset({"quit", "exit", ":q"})
CONSOLE_WORDS = frozenset(
    {"time", "jobs"}
)  # a line starting with one of these is the console's, not the bot's
CONSOLE_USAGE = (
    "console commands: `time` (the bot's time), `time +30m` / `+2h` / `+1d` / `+1w` (fast-forward and run "
    "what became due), `jobs run` (run what is due now), `/user NAME`, `quit`; to ask the bot something "
    "that starts with “time” or “jobs”, write `@bot …` or `ask …` / 控制台命令：`time`（机器人时间）、"
    "`time +30m` / `+2h` / `+1d` / `+1w`（快进并运行到期的任务）、`jobs run`（立即运行到期的任务）、`/user 名字`、"
    "`quit`；要向机器人提问以 “time” 或 “jobs” 开头的内容，请写 `@bot …` 或 `ask …`"
)


def render_text(reply: Reply, *, buttons_from: int = 1) -> str:
    """The reply as terminal text: the bot's mentions read `@lily`; what users wrote is shown as typed."""
    return at_names(_render(reply, buttons_from=buttons_from))


def _render(reply: Reply, *, buttons_from: int) -> str:
    lines: list[str] = []
    if reply.title:
        lines.append(f"== {reply.title} ==")
    if reply.text:
        lines.append(reply.text)
    for f in reply.fields:  # a value of several lines stays under its label (one entry, not loose lines)
        first, *more = f.value.split("\n")
        lines.append(f"  {f.label}: {first}")
        lines.extend(f"  {FIELD_INDENT}{line}" if line else "" for line in more)
    for c in reply.citations:
        where = f" › {c.section}" if c.section else ""
        updated = f" ({c.updated.isoformat()})" if c.updated else ""
        stale = f" ⚠ {c.stale_note()}" if c.stale else ""
        lines.append(f"  [{c.index}] {c.title}{where}{updated}{stale}")
    lines.extend(f"  ({note})" for note in reply.context)
    if reply.buttons:
        lines.append(
            "  " + "  ".join(f"[!{n}] {b.label}" for n, b in enumerate(reply.buttons, start=buttons_from))
        )
    if reply.attachment:
        lines.append(f"  📎 {reply.attachment.filename}\n{reply.attachment.content}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Origin:
    """Where something happened: a conversation (`general`, `dm-lily`, …) and the thread in it, if any."""

    conversation: str = CHANNEL
    thread: str | None = None

    @property
    def is_direct(self) -> bool:
        return self.conversation.startswith("dm-")


@dataclass(frozen=True)
class PendingForm:
    """A form the bot opened, with the conversation (and thread) of the message that opened it."""

    form: Form
    origin: Origin


class FormEnd(Enum):
    """How a form was left without being submitted."""

    CANCELLED = "cancelled"  # `cancel` / `取消`: nothing stored, the session goes on
    QUIT = "quit"  # `quit` or the end of input: the session ends


@dataclass(frozen=True)
class ConsoleMessage:
    """A message shown in the console: its number, where it is, and the thread it sits in."""

    number: int
    conversation: str
    root: int | None = None  # the thread's first message, when this one is a reply in a thread


@dataclass
class ConsolePort:
    out: TextIO = field(default_factory=lambda: sys.stdout)
    platform: str = "console"
    people: list[str] = field(default_factory=list)  # the members of the console's channels
    buttons: list[Button] = field(default_factory=list)  # of the last message that has buttons
    buttons_origin: Origin = field(default_factory=Origin)  # … and where that message is
    pending_form: PendingForm | None = None
    session: str = field(default_factory=lambda: f"c{int(time.time())}")  # keeps ids unique across runs
    messages: dict[int, ConsoleMessage] = field(default_factory=dict)
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))
    _private: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # --- message numbers and threads ----------------------------------------------------------------
    def message_id(self, number: int) -> str:
        return f"{self.session}.{number}"

    def number_of(self, message_id: str | None) -> int | None:
        if not message_id:
            return None
        prefix, _, number = message_id.rpartition(".")
        return int(number) if prefix == self.session and number.isdecimal() else None

    def record(self, conversation: str, thread: str | None) -> ConsoleMessage:
        """Number a new message in `conversation`, inside the thread of message id `thread` if given."""
        with self._lock:
            root = self.number_of(thread)
            if root is not None and root in self.messages:
                root = self.messages[root].root or root  # a reply to a reply stays in the same thread
            message = ConsoleMessage(number=next(self._numbers), conversation=conversation, root=root)
            self.messages[message.number] = message
            return message

    # --- the port -------------------------------------------------------------------------------------
    def _print(self, address: Address, reply: Reply, *, number: int | None, root: int | None) -> None:
        with self._lock:
            if reply.buttons:
                self.buttons = list(reply.buttons)
                self.buttons_origin = Origin(conversation=address.conversation or f"dm-{address.user}")
            prefix = ""
            if address.ephemeral:
                prefix = f"(only {address.user}) " if len(self.people) > 1 else "(only you) "
            elif address.user and not address.conversation:
                prefix = f"(DM to {address.user}) "
            elif address.conversation and address.conversation.startswith("dm-"):
                if len(self.people) > 1:  # with several people, say whose DM it is
                    prefix = f"(DM with {address.conversation[3:]}) "
            elif address.conversation and address.conversation.lstrip("#") != CHANNEL:
                prefix = f"(#{address.conversation.lstrip('#')}) "
            mark = f"[#{number}] " if number is not None else ""
            body = render_text(reply)
            if root is not None:
                head = f"  ↳ in thread #{root} · bot> {mark}{prefix}"
                body = body.replace("\n", "\n" + INDENT)
            else:
                head = f"bot> {mark}{prefix}"
            self.out.write(f"{head}{body}\n")
            self.out.flush()

    def find_sent(self, address: Address, key: str) -> Sent | None:
        return None  # one process, no crash to recover from mid-send

    def send(self, address: Address, reply: Reply, *, key: str | None = None) -> Sent:
        conversation = address.conversation or f"dm-{address.user}"
        if address.ephemeral:  # seen by one person, never a thread root: no number
            root = self.number_of(address.thread)
            self._print(address, reply, number=None, root=root)
            return Sent(
                platform="console",
                conversation=conversation,
                message_id=f"{self.session}.e{next(self._private)}",
            )
        message = self.record(conversation, address.thread)
        self._print(address, reply, number=message.number, root=message.root)
        return Sent(platform="console", conversation=conversation, message_id=self.message_id(message.number))

    def update(self, sent: Sent, reply: Reply) -> None:
        number = self.number_of(sent.message_id)
        message = self.messages.get(number) if number is not None else None
        self._print(
            Address(platform="console", conversation=sent.conversation),
            reply,
            number=number,
            root=message.root if message else None,
        )

    def open_form(self, msg: IncomingMessage, form: Form) -> None:
        with self._lock:
            origin = Origin(conversation=msg.conversation or CHANNEL, thread=msg.thread)
            self.pending_form = PendingForm(form=form, origin=origin)
            self.out.write(
                f"bot> [{form.title}] — one line per field; `-` leaves an optional field empty; `cancel` abandons "
                "the form / 每行填写一项；`-` 留空可选项；`取消` 放弃填写。\n"
            )
            self.out.flush()

    def members(self, conversation: str) -> list[str]:
        if conversation.startswith("dm-"):
            return [conversation[3:]]
        return list(self.people) or ["you"]

    def display_name(self, user: str) -> str | None:
        return user  # console people are their names

    def form_errors(self, form: Form, errors: dict[str, str]) -> None:
        with self._lock:
            self.out.write("bot> Please correct / 请修改:\n")
            for item in form.inputs:
                if item.name in errors:
                    self.out.write(f"  ⚠ {item.label}: {errors[item.name]}\n")
            self.out.flush()

    def note(self, text: str) -> None:
        """A line from the console itself (not the bot)."""
        with self._lock:
            self.out.write(f"  ({text})\n")
            self.out.flush()


@dataclass
class ConsoleSession:
    """Turns lines into `IncomingMessage`s and hands them to `process` (the dispatcher)."""

    port: ConsolePort
    process: Callable[[IncomingMessage], object]
    user: str = "you"
    advance: Callable[[timedelta], datetime] | None = None  # fast-forward the bot's clock
    now: Callable[[], datetime] | None = None
    run_jobs: Callable[[timedelta | None], dict[str, int]] | None = None  # every due job, now
    validate: Callable[[IncomingMessage], dict[str, str]] | None = None  # a form's errors by input name

    def __post_init__(self) -> None:
        self._join(self.user)

    def _join(self, name: str) -> None:
        if name not in self.port.people:
            self.port.people.append(name)

    def message_for(self, line: str, *, user: str | None = None) -> IncomingMessage | None:
        speaker = user or self.user
        base: dict[str, Any] = {"platform": "console", "user": speaker, "user_name": speaker}
        if line.startswith("!") and line[1:].isdecimal():
            index = int(line[1:]) - 1
            if not 0 <= index < len(self.port.buttons):
                self.port.out.write("bot> (no such button)\n")
                return None
            button = self.port.buttons[index]
            origin = self.port.buttons_origin
            return IncomingMessage(
                **base,
                conversation=origin.conversation,
                is_direct=origin.is_direct,
                kind=Kind.ACTION,
                action_id=button.action_id,
                action_value=button.value,
            )
        threaded = _THREAD.match(line)
        if threaded:
            return self._thread_reply(int(threaded.group(1)), threaded.group(2).strip(), base)
        if line.startswith("/"):
            return IncomingMessage(**base, conversation=CHANNEL, kind=Kind.COMMAND, text=line[1:])
        mention = _MENTION.match(line)
        if mention:
            message = self.port.record(CHANNEL, None)
            return IncomingMessage(
                **base,
                conversation=CHANNEL,
                text=line[mention.end() :],
                mentions_bot=True,
                message_id=self.port.message_id(message.number),
            )
        conversation = f"dm-{speaker}"
        message = self.port.record(conversation, None)
        return IncomingMessage(
            **base,
            conversation=conversation,
            text=line,
            is_direct=True,
            message_id=self.port.message_id(message.number),
        )

    def _thread_reply(self, number: int, text: str, base: dict[str, Any]) -> IncomingMessage | None:
        target = self.port.messages.get(number)
        if target is None:
            self.port.out.write(f"bot> (no message #{number} to reply to / 没有编号为 #{number} 的消息)\n")
            return None
        root = target.root or target.number
        conversation = target.conversation
        message = self.port.record(conversation, self.port.message_id(root))
        mention = _MENTION.match(text)
        command = text.startswith("/")
        return IncomingMessage(
            **base,
            conversation=conversation,
            kind=Kind.COMMAND if command else Kind.MESSAGE,
            text=text[1:] if command else (text[mention.end() :] if mention else text),
            mentions_bot=bool(mention),
            is_direct=conversation.startswith("dm-"),
            thread=self.port.message_id(root),
            in_thread=True,
            message_id=self.port.message_id(message.number),
        )

    # --- the console's own commands -----------------------------------------------------------------
    def console_command(self, line: str) -> bool:
        """`/user`, `time`, `jobs run`: handled here, not sent to the bot. True when handled — also for a
        line starting with `time` or `jobs` that does not parse, which gets the console's usage."""
        word, _, rest = line.lstrip("/").partition(" ")
        word, rest = word.lower(), rest.strip()
        if word == "user" and line.startswith("/"):
            self._switch_user(rest)
            return True
        if word not in CONSOLE_WORDS:
            return False
        if word == "time" and (not rest or _DURATION.match(rest)):
            self._time(rest)
        elif word == "jobs" and rest.lower() == "run":
            self._run_jobs(None)
        else:
            self.port.note(f"the console cannot read `{line}` / 控制台无法识别 `{line}` — {CONSOLE_USAGE}")
        return True

    def _switch_user(self, name: str) -> None:
        if not name:
            people = ", ".join(f"*{p}*" if p == self.user else p for p in self.port.people)
            self.port.note(f"people here: {people} · `/user NAME` switches / 切换用户")
            return
        if not _USER_NAME.match(name):
            self.port.note(
                "a user name is one word of letters, digits, `.`, `-` or `_`: `/user lily` / "
                "用户名应为一个词，例如 `/user lily`"
            )
            return
        self.user = name
        self._join(name)
        self.port.note(f"you are now {name} / 当前用户：{name}")

    def _time(self, rest: str) -> None:
        if self.now is None or self.advance is None:
            self.port.note("this console has no clock to move / 此控制台不能调整时间")
            return
        if rest:
            found = _DURATION.match(rest)
            assert found is not None
            delta = timedelta(**{_UNITS[found.group(2).lower()]: int(found.group(1))})
            self.advance(delta)
            self.port.note(f"time moved forward {rest.lstrip('+')} / 时间前进 {rest.lstrip('+')}")
            self._run_jobs(delta)
        self.port.note(f"bot time / 机器人时间: {self.now():%Y-%m-%d %H:%M %a}")

    def _run_jobs(self, grace: timedelta | None) -> None:
        if self.run_jobs is None:
            self.port.note("no jobs in this console / 此控制台没有定时任务")
            return
        did = {name: count for name, count in self.run_jobs(grace).items() if count}
        summary = (
            ", ".join(f"{name}: {count}" for name, count in did.items()) or "nothing was due / 没有到期的任务"
        )
        self.port.note(f"jobs run — {summary}")

    # --- the loop -------------------------------------------------------------------------------------
    def fill_form(
        self, pending: PendingForm, read: Callable[[str], str | None], *, user: str
    ) -> IncomingMessage | FormEnd:
        """Ask each input; when the form's validator finds errors, show them all and ask again only for the
        wrong fields (Enter keeps what was typed), like a modal that stays open. `cancel` at any prompt
        abandons the form, `quit` (or the end of input) the session. The submission comes from the
        conversation and thread the form was opened from."""
        form, origin = pending.form, pending.origin
        values: dict[str, str] = {}
        asking = list(form.inputs)
        while True:
            for item in asking:
                choices = f" [{' | '.join(v for v, _ in item.options)}]" if item.options else ""
                kept = f" (Enter keeps {values[item.name]!r})" if values.get(item.name) else ""
                answer = read(f"  {item.label}{choices}{'' if item.required else ' (optional)'}{kept}: ")
                word = answer.strip().lower() if answer is not None else ""
                if answer is None or word in QUIT_WORDS:
                    return FormEnd.QUIT
                if word in CANCEL_WORDS:
                    return FormEnd.CANCELLED
                if answer.strip() or not kept:
                    values[item.name] = "" if answer.strip() == "-" else answer.strip()
            msg = IncomingMessage(
                platform="console",
                conversation=origin.conversation,
                thread=origin.thread,
                in_thread=origin.thread is not None,
                is_direct=origin.is_direct,
                user=user,
                kind=Kind.FORM,
                form_id=form.form_id,
                form=dict(values),
                action_value=form.private_value,
            )
            errors = self.validate(msg) if self.validate is not None else {}
            if not errors:
                return msg
            self.port.form_errors(form, errors)
            asking = [item for item in form.inputs if item.name in errors] or list(form.inputs)

    def run(self, stdin: TextIO, *, interactive: bool) -> None:
        def read(prompt: str) -> str | None:
            if interactive:
                self.port.out.write(prompt)
                self.port.out.flush()
            line = stdin.readline()
            return None if line == "" else line.rstrip("\n")

        while True:
            line = read(f"{self.user}> ")
            if line is None or line.strip().lower() in QUIT_WORDS:
                break
            line = line.strip()
            if not line or self.console_command(line):
                continue
            speaker = self.user
            one_off = _AS_USER.match(line)
            if one_off:
                speaker, line = one_off.group(1), one_off.group(2).strip()
                self._join(speaker)
                if not line or self.console_command(line):
                    continue
            msg = self.message_for(line, user=speaker)
            if msg is None:
                continue
            self.process(msg)
            while self.port.pending_form is not None:
                pending, self.port.pending_form = self.port.pending_form, None
                submitted = self.fill_form(pending, read, user=speaker)
                if submitted is FormEnd.QUIT:
                    return
                if submitted is FormEnd.CANCELLED:
                    self.port.note(
                        f"form “{pending.form.title}” cancelled — nothing was stored / 已放弃填写表单，未保存任何内容"
                    )
                    continue
                self.process(submitted)
