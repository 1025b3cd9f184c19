"""The console adapter: you are a user in a channel. `@bot …` mentions the bot in #general, `/cmd …` is a
slash command, any other line is a direct message. `!N` clicks button N of the last message; a form asks
for its inputs one line at a time. Works on a terminal and with piped stdin (scripts, tests).
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from bot.messages import Address, Button, Form, IncomingMessage, Kind, Reply, Sent

_MENTION = re.compile(r"^@(bot|salesbridge)\b[:,]?\s*", re.IGNORECASE)
CHANNEL = "general"


def render_text(reply: Reply, *, buttons_from: int = 1) -> str:
    lines: list[str] = []
    if reply.title:
        lines.append(f"== {reply.title} ==")
    if reply.text:
        lines.append(reply.text)
    lines.extend(f"  {f.label}: {f.value}" for f in reply.fields)
    for c in reply.citations:
        where = f" › {c.section}" if c.section else ""
        updated = f" ({c.updated.isoformat()})" if c.updated else ""
        stale = " ⚠ old" if c.stale else ""
        lines.append(f"  [{c.index}] {c.title}{where}{updated}{stale}")
    lines.extend(f"  ({note})" for note in reply.context)
    if reply.buttons:
        lines.append(
            "  " + "  ".join(f"[!{n}] {b.label}" for n, b in enumerate(reply.buttons, start=buttons_from))
        )
    if reply.attachment:
        lines.append(f"  📎 {reply.attachment.filename}\n{reply.attachment.content}")
    return "\n".join(lines)


@dataclass
class ConsolePort:
    out: TextIO = field(default_factory=lambda: sys.stdout)
    platform: str = "console"
    buttons: list[Button] = field(default_factory=list)
    pending_form: Form | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _print(self, address: Address, reply: Reply) -> None:
        self.buttons = list(reply.buttons)
        prefix = ""
        if address.ephemeral:
            prefix = "(only you) "
        elif address.user and not address.conversation:
            prefix = f"(DM to {address.user}) "
        elif (
            address.conversation
            and address.conversation != CHANNEL
            and not address.conversation.startswith("dm-")
        ):
            prefix = f"(#{address.conversation}) "
        self.out.write(f"bot> {prefix}{render_text(reply)}\n")
        self.out.flush()

    def send(self, address: Address, reply: Reply) -> Sent:
        self._print(address, reply)
        return Sent(
            platform="console", conversation=address.conversation or "", message_id=str(next(self._ids))
        )

    def update(self, sent: Sent, reply: Reply) -> None:
        self._print(Address(platform="console", conversation=sent.conversation), reply)

    def open_form(self, msg: IncomingMessage, form: Form) -> None:
        self.pending_form = form
        self.out.write(f"bot> [{form.title}] — one line per field; `-` leaves an optional field empty.\n")
        self.out.flush()

    def members(self, conversation: str) -> list[str]:
        return ["you"]


@dataclass
class ConsoleSession:
    """Turns lines into `IncomingMessage`s and hands them to `process` (the dispatcher)."""

    port: ConsolePort
    process: Callable[[IncomingMessage], object]
    user: str = "you"

    def message_for(self, line: str) -> IncomingMessage | None:
        base: dict[str, Any] = {"platform": "console", "user": self.user, "user_name": self.user}
        if line.startswith("!") and line[1:].isdigit():
            index = int(line[1:]) - 1
            if not 0 <= index < len(self.port.buttons):
                self.port.out.write("bot> (no such button)\n")
                return None
            button = self.port.buttons[index]
            return IncomingMessage(
                **base,
                conversation=CHANNEL,
                kind=Kind.ACTION,
                action_id=button.action_id,
                action_value=button.value,
            )
        if line.startswith("/"):
            return IncomingMessage(**base, conversation=CHANNEL, kind=Kind.COMMAND, text=line[1:])
        mention = _MENTION.match(line)
        if mention:
            return IncomingMessage(
                **base, conversation=CHANNEL, text=line[mention.end() :], mentions_bot=True
            )
        return IncomingMessage(**base, conversation=f"dm-{self.user}", text=line, is_direct=True)

    def fill_form(self, form: Form, read: Callable[[str], str | None]) -> IncomingMessage | None:
        values: dict[str, str] = {}
        for item in form.inputs:
            answer = read(f"  {item.label}{'' if item.required else ' (optional)'}: ")
            if answer is None:
                return None
            values[item.name] = "" if answer.strip() == "-" else answer.strip()
        return IncomingMessage(
            platform="console",
            conversation=CHANNEL,
            user=self.user,
            kind=Kind.FORM,
            form_id=form.form_id,
            form=values,
            action_value=form.private_value,
        )

    def run(self, stdin: TextIO, *, interactive: bool) -> None:
        def read(prompt: str) -> str | None:
            if interactive:
                self.port.out.write(prompt)
                self.port.out.flush()
            line = stdin.readline()
            return None if line == "" else line.rstrip("\n")

        while True:
            line = read("you> ")
            if line is None or line.strip().lower() in {"quit", "exit", ":q"}:
                break
            if not line.strip():
                continue
            msg = self.message_for(line.strip())
            if msg is None:
                continue
            self.process(msg)
            while self.port.pending_form is not None:
                form, self.port.pending_form = self.port.pending_form, None
                submitted = self.fill_form(form, read)
                if submitted is None:
                    return
                self.process(submitted)
