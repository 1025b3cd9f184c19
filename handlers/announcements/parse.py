"""Reading what a PM typed: option keys (English and Chinese), channel targets, dates, request ids."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.errors import UsageError

PLATFORMS = ("slack", "feishu", "console")

# every accepted spelling → canonical option key
RELEASE_KEYS = {
    "product": "product",
    "产品": "product",
    "version": "version",
    "版本": "version",
    "date": "date",
    "日期": "date",
    "发布日期": "date",
    "channels": "channels",
    "channel": "channels",
    "频道": "channels",
    "渠道": "channels",
    "highlights": "highlights",
    "亮点": "highlights",
    "要点": "highlights",
    "ships": "ships",
    "包含需求": "ships",
    "需求": "ships",
    "at": "at",
    "定时": "at",
    "发送时间": "at",
}
EOS_KEYS = {
    "product": "product",
    "产品": "product",
    "reason": "reason",
    "原因": "reason",
    "last-order": "last_order",
    "last_order": "last_order",
    "lastorder": "last_order",
    "最后订购日": "last_order",
    "最后下单日": "last_order",
    "end-of-support": "end_of_support",
    "end_of_support": "end_of_support",
    "eos": "end_of_support",
    "停止支持日": "end_of_support",
    "scope": "scope",
    "范围": "scope",
    "影响范围": "scope",
    "alternative": "alternative",
    "替代": "alternative",
    "替代方案": "alternative",
    "support": "support",
    "支持": "support",
    "支持方案": "support",
    "contact": "contact",
    "联系人": "contact",
    "channels": "channels",
    "channel": "channels",
    "频道": "channels",
    "渠道": "channels",
    "at": "at",
    "定时": "at",
    "发送时间": "at",
}
LAUNCH_KEYS = {
    "date": "date",
    "日期": "date",
    "上市日期": "date",
    "channels": "channels",
    "channel": "channels",
    "频道": "channels",
    "渠道": "channels",
    "calendar": "calendar",
    "cal": "calendar",
    "日历": "calendar",
    "节假日": "calendar",
}

_SEPARATORS = re.compile(r"[\s,，、;；]+")
_SLACK_CHANNEL_MENTION = re.compile(r"^<#([A-Z0-9]+)(?:\|[^>]*)?>$")
_AUDIENCE_NAME = re.compile(r"^[\w\-\u4e00-\u9fff]{1,64}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}$")


@dataclass(frozen=True, order=True)
class Target:
    """One channel to post to."""

    platform: str
    conversation: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.conversation}"


def split_list(value: str) -> list[str]:
    return [item for item in _SEPARATORS.split(value.strip()) if item]


def parse_target(token: str) -> Target | None:
    """`slack:#sales`, `slack:C0123`, `<#C0123|sales>`, `feishu:oc_…`, `console:general` → Target;
    anything without a platform prefix → None (it may be an audience name)."""
    token = token.strip()
    mention = _SLACK_CHANNEL_MENTION.match(token)
    if mention:
        return Target("slack", mention.group(1))
    platform, sep, rest = token.partition(":")
    if not sep:
        platform, sep, rest = token.partition("：")
    if not sep or platform.lower() not in PLATFORMS:
        return None
    rest = rest.strip()
    mention = _SLACK_CHANNEL_MENTION.match(rest)
    if mention:
        rest = mention.group(1)
    if not rest:
        return None
    return Target(platform.lower(), rest)


def is_audience_name(token: str) -> bool:
    return bool(_AUDIENCE_NAME.match(token)) and token.lower() not in PLATFORMS


def format_targets(targets: list[Target]) -> str:
    return ",".join(str(t) for t in targets)


def load_targets(stored: str) -> list[Target]:
    targets = []
    for item in stored.split(","):
        target = parse_target(item)
        if target is not None:
            targets.append(target)
    return targets


def parse_date(value: str, *, label_en: str, label_zh: str) -> date:
    cleaned = value.strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise UsageError(
            f"{label_en}: {value!r} is not a valid date; use YYYY-MM-DD, e.g. 2027-03-31.",
            f"{label_zh}：{value!r} 不是有效日期；请使用 YYYY-MM-DD，例如 2027-03-31。",
        ) from None


def parse_when(value: str, *, tz: ZoneInfo) -> datetime:
    """`2026-12-01 09:30`, `2026-12-01T09:30` or `2026-12-01` (09:00) in the schedule timezone → UTC."""
    cleaned = value.strip().replace("T", " ").replace("/", "-")
    day_part, _, time_part = cleaned.partition(" ")
    try:
        day = date.fromisoformat(day_part)
        clock = time.fromisoformat(time_part.strip()) if time_part.strip() else time(9, 0)
    except ValueError:
        raise UsageError(
            f"at: {value!r} is not a valid date and time; use YYYY-MM-DD HH:MM, e.g. at:2026-12-01T09:30.",
            f"at（定时）：{value!r} 不是有效的日期时间；请使用 YYYY-MM-DD HH:MM，例如 at:2026-12-01T09:30。",
        ) from None
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def take_time_token(free_text: str) -> tuple[str | None, str]:
    """`at:2026-12-01 09:30` leaves "09:30" in the free text; give it back to the `at` option."""
    head, _, rest = free_text.strip().partition(" ")
    if _TIME.match(head):
        return head, rest.strip()
    return None, free_text


def parse_request_ids(value: str) -> list[int]:
    ids: list[int] = []
    for token in split_list(value):
        cleaned = token.lstrip("#＃")
        if not cleaned.isdigit():
            raise UsageError(
                f"ships: {token!r} is not a request id; write ships:#12,#31.",
                f"ships（包含需求）：{token!r} 不是需求编号；请写成 ships:#12,#31。",
            )
        if int(cleaned) not in ids:
            ids.append(int(cleaned))
    return ids


def format_request_ids(ids: list[int]) -> str:
    return ",".join(str(i) for i in ids)


def load_request_ids(stored: str) -> list[int]:
    return [int(item) for item in stored.split(",") if item.strip().isdigit()]
