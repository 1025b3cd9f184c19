"""An in-process chat platform: records what the bot sent, can be told to fail."""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field

from bot.errors import DeliveryError
from bot.markup import mention_token
from bot.messages import Address, Form, IncomingMessage, Reply, Sent

_WRITTEN = re.compile(r"<@(?:(?P<platform>[a-z]+):)?(?P<user>[A-Za-z0-9_.@\-]+)>")


def tokens(text: str) -> str:
    """Expected bot text written readably: each `<@U1>` / `<@slack:U1>` becomes the bot's mention token
    (`bot.markup`), as handlers write it with `bot.chat_text.mention`."""
    return _WRITTEN.sub(lambda m: mention_token(m.group("user"), platform=m.group("platform")), text)


@dataclass
class Posted:
    address: Address
    reply: Reply
    message_id: str


@dataclass
class FakePort:
    platform: str = "slack"
    posted: list[Posted] = field(default_factory=list)
    updates: list[tuple[Sent, Reply]] = field(default_factory=list)
    forms: list[tuple[IncomingMessage, Form]] = field(default_factory=list)
    channel_members: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # user id → display name (users.info / contact)
    fail_next: list[DeliveryError] = field(default_factory=list)  # raised, in order, by the next sends
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def find_sent(self, address: Address, key: str) -> Sent | None:
        return None

    def send(self, address: Address, reply: Reply, *, key: str | None = None) -> Sent:
        with self._lock:
            if self.fail_next:
                raise self.fail_next.pop(0)
            message_id = f"{self.platform}-m{next(self._ids)}"
            self.posted.append(Posted(address=address, reply=reply, message_id=message_id))
        return Sent(
            platform=self.platform,
            conversation=address.conversation or address.user or "",
            message_id=message_id,
        )

    def update(self, sent: Sent, reply: Reply) -> None:
        with self._lock:
            self.updates.append((sent, reply))

    def open_form(self, msg: IncomingMessage, form: Form) -> None:
        with self._lock:
            self.forms.append((msg, form))

    def members(self, conversation: str) -> list[str]:
        return list(self.channel_members.get(conversation, []))

    def display_name(self, user: str) -> str | None:
        return self.names.get(user)

    # --- assertions helpers ----------------------------------------------------------------------
    def texts(self) -> list[str]:
        return [p.reply.plain_text() for p in self.posted]

    def to(self, *, conversation: str | None = None, user: str | None = None) -> list[Posted]:
        return [
            p
            for p in self.posted
            if (conversation is None or p.address.conversation == conversation)
            and (user is None or p.address.user == user)
        ]

    def clear(self) -> None:
        with self._lock:
            self.posted.clear()
            self.updates.clear()
            self.forms.clear()
