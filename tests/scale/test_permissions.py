"""Permission matrix: every PM/admin-only command and subcommand is refused for sales users, on Slack and on
Feishu, with a bilingual ephemeral answer, and stores nothing; the same invocations pass the role check for
a PM (so the matrix is not vacuous).

Generic over `router.commands` specs that declare `roles`, plus the subcommands whose handlers check the
role themselves (collected from handlers/requests, handlers/announcements, handlers/schedules.py,
handlers/ask.py and handlers/roles.py).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.messages import Kind, Reply
from salesbridge.app import build_router
from tests.fakes.harness import Harness

SALES = {"slack": "U1", "feishu": "ou_sales"}
PM = {"slack": "UPM", "feishu": "ou_pm"}
ADMIN = {"slack": "UADMIN", "feishu": "ou_admin"}
CHANNEL = {"slack": "C1", "feishu": "oc_1"}

# subcommands guarded inside their handlers (roles.require / _require_pm), by capability
PM_ONLY_SUBCOMMANDS = [
    # handlers/requests
    "requests triage 1 accepted",
    "requests status 1 planned",
    "requests priority 1 P0",
    "requests merge 1 2",
    "需求列表 triage 1 accepted",
    # handlers/announcements
    "announce",
    "announce release",
    "announce eos",
    'announce release product:CloudDB version:3.2 date:2026-12-01 channels:slack:#sales highlights:"SSO"',
    'announce eos product:LegacyDB reason:"old" last-order:2027-06-30 end-of-support:2028-06-30 channels:sales',
    "announce list",
    "公告 列表",
    # handlers/schedules.py
    "schedule add sync weekly mon 10:00 channels:slack:C0123",
    "schedule add digest daily 09:30",
    "schedule pause 1",
    "schedule resume 1",
    "schedule remove 1",
    "schedule run 1",
    "提醒 删除 1",
    # handlers/ask.py
    "answer 1 SSO ships in March",
    "kb add Pricing | Starter is $10",
    "kb gaps",
    "知识库 添加 价格 | 入门版 10 元",
]
ADMIN_ONLY = ["role grant <@U9> pm", "role list", "角色 list"]


def restricted_invocations() -> list[str]:
    """Every usage line of every command whose spec declares roles, also under its first alias."""
    router = build_router()
    found: list[str] = []
    for spec in router.commands.values():
        if not spec.roles:
            continue
        for line in spec.usage.splitlines():
            line = re.sub(r"\s+\(.*\)$", "", line.strip())
            if line:
                found.append(line)
        if spec.aliases and spec.usage:
            first = spec.usage.splitlines()[0].strip()
            found.append(spec.aliases[0] + first[len(spec.name) :])
    return found


GENERIC = restricted_invocations()
ALL_PM_ONLY = GENERIC + PM_ONLY_SUBCOMMANDS


def row_counts(bot: Harness) -> dict[str, int]:
    counts = {}
    with bot.services.db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            counts[table.name] = int(session.execute(select(func.count()).select_from(table)).scalar_one())
    return counts


def is_denial(replies: list[Reply]) -> bool:
    if len(replies) != 1:
        return False
    reply = replies[0]
    text = reply.plain_text()
    bilingual = bool(re.search(r"[A-Za-z]{3}", text)) and bool(re.search(r"[\u4e00-\u9fff]", text))
    said_why = bool(re.search(r"your role is|yours is", text)) and "你的角色是" in text
    return reply.where == "ephemeral" and reply.color == "warning" and bilingual and said_why


def say(bot: Harness, text: str, *, platform: str, user: str, slash: bool) -> list[Reply]:
    kind = Kind.COMMAND if slash else Kind.MESSAGE
    return bot.say(
        text, user=user, platform=platform, channel=CHANNEL[platform], kind=kind, mention=not slash
    )


def test_the_matrix_covers_every_restricted_spec() -> None:
    router = build_router()
    restricted = {name for name, spec in router.commands.items() if spec.roles}
    assert restricted, "no command declares roles"
    specs = [build_router().lookup(line.split()[0]) for line in ALL_PM_ONLY]
    assert None not in specs  # every line of the matrix starts with a command word
    covered = {spec.name for spec in specs if spec is not None}
    assert restricted <= covered


@pytest.mark.parametrize("platform", ["slack", "feishu"])
@pytest.mark.parametrize("invocation", ALL_PM_ONLY + ADMIN_ONLY)
def test_sales_users_are_refused(bot: Harness, platform: str, invocation: str) -> None:
    before = row_counts(bot)
    for slash in (False, True) if platform == "slack" else (False,):
        replies = say(bot, invocation, platform=platform, user=SALES[platform], slash=slash)
        assert is_denial(replies), (invocation, [r.plain_text() for r in replies])
    assert row_counts(bot) == before, f"{invocation!r} stored something for a sales user"


@pytest.mark.parametrize("platform", ["slack", "feishu"])
def test_pms_pass_the_role_check(bot: Harness, platform: str) -> None:
    for invocation in ALL_PM_ONLY:
        replies = say(bot, invocation, platform=platform, user=PM[platform], slash=False)
        assert not is_denial(replies), (invocation, [r.plain_text() for r in replies])
    for invocation in ADMIN_ONLY:
        assert is_denial(say(bot, invocation, platform=platform, user=PM[platform], slash=False))
        assert not is_denial(say(bot, invocation, platform=platform, user=ADMIN[platform], slash=False))
