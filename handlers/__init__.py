"""Every command, button, form and listener the bot knows, registered in one place.

Read `register_handlers` to learn what the bot can do; each capability's `register` lists its commands.
Handlers parse what people typed or clicked, call the services (`services/`) and return replies.
"""

from __future__ import annotations

from typing import Any

from bot.router import Router
from handlers import announcements, ask, dashboard, feedback, objections, roles, schedules
from handlers import help as help_
from handlers import requests as feature_requests


def register_handlers(router: Router[Any]) -> None:
    help_.register(router)  # help, 帮助
    roles.register(router)  # role, 角色
    feature_requests.register(router)  # request, requests, 需求
    announcements.register(router)  # announce, audience, launch, 公告
    schedules.register(router)  # schedule, 提醒
    objections.register(router)  # objection, 异议 (+ practice-thread listener)
    ask.register(router)  # ask, answer, kb, 提问 (+ the free-text fallback: questions)
    feedback.register(router)  # feedback, 反馈 (the answer buttons as text)
    dashboard.register(router)  # dashboard, 看板 (a one-time sign-in link to the web dashboard)
