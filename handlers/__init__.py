"""Every command, button, form and listener the bot knows, registered in one place.

Read `register_handlers` to learn what the bot can do; each capability's `register` lists its commands.
"""

from __future__ import annotations

from bot.router import Router
from handlers import help as help_
from handlers import roles


def register_handlers(router: Router) -> None:
    help_.register(router)
    roles.register(router)
