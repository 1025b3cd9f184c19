"""Digests, as `Reply`s (each platform adapter renders them), titled by how often their schedule runs
("Daily sales digest / 销售日报", "Weekly PM digest / 产品经理周报", `names`).

- `digest` for sales groups: releases and end-of-sale notices since the last digest, top new requests and
  their status moves, newly answered FAQ entries (escalations resolved), most-asked questions.
- `pm-digest` for PM channels: requests by customer ARR, knowledge gaps (every escalated question still
  unanswered, however old), announcement acknowledgement rates (those published since the last digest, and
  older ones still under-acknowledged, `open_items`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.clock import as_utc
from bot.messages import Reply
from services.announcements.workflow import announcements_since
from services.context import Services
from services.questions.escalation import answered_escalations, most_asked, unanswered_questions
from services.requests.queries import (
    requests_by_arr,
    requests_created_since,
    status_changes_since,
    top_requests,
)
from services.schedules.lines import (
    ack_rate_line,
    announcement_line,
    escalation_line,
    most_asked_line,
    request_line,
    status_change_line,
)
from services.schedules.names import WEEKLY, kind_name
from services.schedules.open_items import acknowledgement_report
from services.schedules.sections import Section, block, read_section

T = TypeVar("T")

NOTHING = "— nothing / 无"


def _block(title: str, section: Section[T], line: Callable[[T], str], *, limit: int = 8) -> str:
    return block(title, section, line, empty=NOTHING, limit=limit)


def _period(since: datetime, now: datetime, timezone: str) -> str:
    """`2026-12-01 → 2026-12-08`: the team's dates (a digest at 07:30 in Shanghai is yesterday in UTC)."""
    zone = ZoneInfo(timezone)
    return f"{as_utc(since).astimezone(zone):%Y-%m-%d} → {as_utc(now).astimezone(zone):%Y-%m-%d}"


def _title(kind: str, frequency: str) -> str:
    en, zh = kind_name(kind, frequency)
    return f"{en} / {zh}"


def build_digest(
    *,
    services: Services,
    since: datetime,
    now: datetime,
    frequency: str = WEEKLY,
    timezone: str | None = None,
) -> Reply:
    """Dated in `timezone` (the schedule's; default `SALESBRIDGE_TIMEZONE`)."""
    announced = read_section(
        services, lambda s: announcements_since(session=s, since=since), name="announcements since"
    )
    new = read_section(
        services, lambda s: requests_created_since(session=s, since=since), name="new requests"
    )
    top = read_section(services, lambda s: top_requests(session=s, limit=5), name="top requests")
    moved = read_section(
        services, lambda s: status_changes_since(session=s, since=since), name="status changes"
    )
    answered = read_section(
        services, lambda s: answered_escalations(session=s, since=since), name="answered escalations"
    )
    asked = read_section(services, lambda s: most_asked(session=s, since=since, limit=5), name="most asked")
    parts = [
        _block("Releases & end-of-sale notices / 发布与停售通知", announced, announcement_line),
        _block("New feature requests / 新需求", new, request_line),
        _block("Top requests / 热门需求", top, request_line),
        _block("Status moves / 需求状态变化", moved, status_change_line),
        _block("Newly answered questions / 新解答的问题", answered, escalation_line),
        _block("Most-asked questions / 最常被问的问题", asked, most_asked_line),
    ]
    return Reply(
        title=_title("digest", frequency),
        text="\n\n".join(parts),
        context=[f"{_period(since, now, timezone or services.settings.timezone)} · SalesBridge"],
        where="channel",
        color="info",
    )


def build_pm_digest(
    *,
    services: Services,
    since: datetime,
    now: datetime,
    frequency: str = WEEKLY,
    timezone: str | None = None,
) -> Reply:
    """Dated in `timezone` (the schedule's; default `SALESBRIDGE_TIMEZONE`)."""
    by_arr = read_section(services, lambda s: requests_by_arr(session=s, limit=10), name="requests by ARR")
    gaps = read_section(services, lambda s: unanswered_questions(session=s), name="unanswered questions")
    asked = read_section(services, lambda s: most_asked(session=s, since=since, limit=5), name="most asked")
    rates = read_section(
        services,
        lambda s: acknowledgement_report(session=s, since=since, now=now),
        name="acknowledgement rates",
    )
    parts = [
        _block("Requests by customer ARR / 按客户 ARR 排序的需求", by_arr, request_line, limit=10),
        _block("Knowledge gaps (unanswered) / 知识缺口（未解答）", gaps, escalation_line),
        _block("Most-asked questions / 最常被问的问题", asked, most_asked_line),
        _block("Announcement acknowledgement / 公告确认率", rates, ack_rate_line),
    ]
    return Reply(
        title=_title("pm-digest", frequency),
        text="\n\n".join(parts),
        context=[f"{_period(since, now, timezone or services.settings.timezone)} · SalesBridge"],
        where="channel",
        color="info",
    )
