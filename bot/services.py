"""What a handler receives besides the message: settings, database, clock, roles, outbound delivery.

Built once, in the composition root (`salesbridge/app.py`). Capabilities add their own long-lived objects here
(the knowledge base, the LLM client) as explicit, typed fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Settings
from bot.database import Database
from bot.messages import Address, Reply
from bot.outbox import Delivery, Outbox
from bot.platforms.base import ChatPort
from bot.roles import Roles

if TYPE_CHECKING:
    from bot.llm import LLM
    from knowledge.base import KnowledgeBase


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    ports: dict[str, ChatPort]
    outbox: Outbox
    roles: Roles
    knowledge: KnowledgeBase  # search / add_document; the index loads lazily on first search
    llm: LLM | None = None  # None: no model configured, answers are extractive

    def now(self) -> datetime:
        return self.clock.now()

    def send(self, address: Address, reply: Reply, *, dedupe_key: str | None = None) -> Delivery:
        """Send a message outside a conversation turn (jobs, notifications) through the outbox."""
        return self.outbox.deliver(address, reply.model_copy(update={"to": address}), dedupe_key=dedupe_key)

    def members(self, *, platform: str, conversation: str) -> list[str] | None:
        """Members of a channel, or None when this process cannot ask (no port for that platform)."""
        port = self.ports.get(platform)
        return port.members(conversation) if port is not None else None
