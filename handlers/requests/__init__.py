"""Customer feature requests: capture, priority (P0–P3 + RICE), duplicates, workflow, notifications, export.

`register` adds the `request` and `requests` commands, the buttons and the form; other capabilities use the
data functions in `services.requests.workflow` (`mark_shipped`, `top_requests`, …). The package itself
imports nothing heavy, so `salesbridge.cli.requests` loads fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.router import Router


def register(router: Router) -> None:
    from handlers.requests.commands import register as register_commands

    register_commands(router)
