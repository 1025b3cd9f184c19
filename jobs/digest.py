"""Weekly digests, as `Reply`s (each platform adapter renders them).

- `digest` for sales groups: releases and end-of-sale notices of the week, top new requests and their status
  moves, newly answered FAQ entries (escalations resolved), most-asked questions.
- `pm-digest` for PM channels: requests by customer ARR, knowledge gaps (unanswered questions), announcement
  acknowledgement rates.
"""

from __future__ import annotations

from datetime import datetime

from bot.messages import Reply
from jobs import sources
from services.context import Services


def _block(title: str, section: sources.Section, *, limit: int = 8) -> str:
    if not section.available:
        return f"**{title}**\n_(not available yet / 暂不可用)_"
    if not section.items:
        return f"**{title}**\n— nothing this week / 本周无"
    return f"**{title}**\n{sources.bullets(section.items, limit=limit)}"


def _period(since: datetime, now: datetime) -> str:
    return f"{since.date().isoformat()} → {now.date().isoformat()}"


def build_digest(*, services: Services, since: datetime, now: datetime) -> Reply:
    parts = [
        _block(
            "Releases & end-of-sale notices / 本周发布与停售",
            sources.announcements_since(services, since=since),
        ),
        _block("New feature requests / 新需求", sources.new_requests(services, since=since)),
        _block("Top requests / 热门需求", sources.top_requests(services, limit=5)),
        _block("Status moves / 需求状态变化", sources.status_changes(services, since=since)),
        _block(
            "Newly answered questions / 新解答的问题", sources.answered_escalations(services, since=since)
        ),
        _block("Most-asked questions / 最常被问的问题", sources.most_asked(services, since=since, limit=5)),
    ]
    return Reply(
        title="Weekly sales digest / 销售周报",
        text="\n\n".join(parts),
        context=[f"{_period(since, now)} · SalesBridge"],
        where="channel",
        color="info",
    )


def build_pm_digest(*, services: Services, since: datetime, now: datetime) -> Reply:
    parts = [
        _block(
            "Requests by customer ARR / 按客户 ARR 排序的需求",
            sources.requests_by_arr(services, limit=10),
            limit=10,
        ),
        _block(
            "Knowledge gaps (unanswered) / 知识缺口（未解答）",
            sources.unanswered_questions(services, since=since),
        ),
        _block("Most-asked questions / 最常被问的问题", sources.most_asked(services, since=since, limit=5)),
        _block(
            "Announcement acknowledgement / 公告确认率", sources.acknowledgement_rates(services, since=since)
        ),
    ]
    return Reply(
        title="Weekly PM digest / 产品经理周报",
        text="\n\n".join(parts),
        context=[f"{_period(since, now)} · SalesBridge"],
        where="channel",
        color="info",
    )
