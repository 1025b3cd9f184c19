"""What every entry point gets from the core: settings, database, clock, ports, outbound delivery, roles.

Built once, in the composition root (`salesbridge/app.py`). The capabilities' own long-lived objects (the
knowledge base, the LLM client) are added one layer up, in `services.context.Services`, which is what
handlers and jobs receive; the router and the dispatcher only need this part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from bot.database import Database
from bot.messages import Address, Reply
from bot.outbox import Delivery, Outbox
from bot.ports import ChatPort
from bot.roles import Roles


@dataclass
class Core:
    settings: Settings
    db: Database
    clock: Clock
    ports: dict[str, ChatPort]
    outbox: Outbox
    roles: Roles

    def now(self) -> datetime:
        return self.clock.now()

    def send(self, address: Address, reply: Reply, *, dedupe_key: str | None = None) -> Delivery:
        """Send a message outside a conversation turn (jobs, notifications) through the outbox."""
        return self.outbox.deliver(address, reply.model_copy(update={"to": address}), dedupe_key=dedupe_key)

    def members(self, *, platform: str, conversation: str) -> list[str] | None:
        """Members of a channel, or None when this process cannot ask (no port for that platform)."""
        port = self.ports.get(platform)
        return port.members(conversation) if port is not None else None
