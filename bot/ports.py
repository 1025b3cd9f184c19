"""The outbound port every platform implements (`bot/platforms/`). Handlers never see it; the dispatcher and outbox do."""

from __future__ import annotations

from typing import Protocol

from bot.messages import Address, Form, IncomingMessage, Reply, Sent


class ChatPort(Protocol):
    platform: str

    def send(self, address: Address, reply: Reply, *, key: str | None = None) -> Sent:
        """Post `reply` (with its attachment, if any). Raise `DeliveryError` when the platform refuses.
        `key` is the same for every attempt of one outbox message: platforms that deduplicate sends (Feishu's
        `uuid`) use it, so a send retried after a crash does not post twice."""
        ...

    def find_sent(self, address: Address, key: str) -> Sent | None:
        """The message an earlier send under `key` posted, if it reached the platform before the process
        died (the outbox asks before resending a message whose send was interrupted); None when unknown."""
        ...

    def update(self, sent: Sent, reply: Reply) -> None:
        """Replace the content of a message we posted earlier."""
        ...

    def open_form(self, msg: IncomingMessage, form: Form) -> None:
        """Show a form to the user who triggered `msg` (Slack modal, Feishu card with inputs)."""
        ...

    def members(self, conversation: str) -> list[str]:
        """User ids of the human members of a channel / group chat."""
        ...

    def display_name(self, user: str) -> str | None:
        """The user's name as people see it on this platform; None when the platform will not say."""
        ...
