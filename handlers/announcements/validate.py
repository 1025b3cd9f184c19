"""Turning parsed options into a complete, valid draft — or a bilingual refusal naming what is wrong.

A good end-of-sale notice states why (reason), when (last-order and end-of-support dates), who is affected
(scope), what to move to (alternative), how existing customers stay supported (support plan) and whom to
ask (contact); a notice missing any of them is refused with the list of what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.errors import UsageError
from handlers.announcements.parse import parse_date, parse_request_ids, parse_when
from handlers.common import parse_user

LATE_NOTICE_DAYS = 90  # less notice than this before the last-order date earns a warning

# the seven things every end-of-sale notice must state: (option key, English label, Chinese label)
EOS_REQUIRED: tuple[tuple[str, str, str], ...] = (
    ("reason", "reason", "原因"),
    ("last_order", "last-order date", "最后订购日"),
    ("end_of_support", "end-of-support date", "停止支持日"),
    ("scope", "affected scope", "影响范围"),
    ("alternative", "alternative / replacement", "替代方案"),
    ("support", "support plan for existing customers", "现有客户支持方案"),
    ("contact", "contact person", "联系人"),
)
EOS_OPTION_NAMES = {
    "reason": "reason:",
    "last_order": "last-order:",
    "end_of_support": "end-of-support:",
    "scope": "scope:",
    "alternative": "alternative:",
    "support": "support:",
    "contact": "contact:",
    "product": "product:",
    "channels": "channels:",
}
RELEASE_REQUIRED: tuple[tuple[str, str, str], ...] = (
    ("product", "product", "产品"),
    ("version", "version", "版本"),
    ("date", "release date", "发布日期"),
    ("highlights", "highlights", "亮点"),
    ("channels", "channels", "频道"),
)


@dataclass(frozen=True, kw_only=True)
class Draft:
    """A complete announcement, ready to preview or schedule."""

    kind: str  # release | eos
    product: str
    channels: str
    version: str = ""
    release_date: date | None = None
    highlights: str = ""
    ships: list[int] = field(default_factory=list)
    reason: str = ""
    last_order: date | None = None
    end_of_support: date | None = None
    scope: str = ""
    alternative: str = ""
    support_plan: str = ""
    contact: str = ""
    at: datetime | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (en, zh)


MAX_LENGTHS = {"product": 200, "version": 100, "contact": 200}  # the columns' sizes


def _value(options: Mapping[str, str], key: str) -> str:
    value = (options.get(key) or "").strip()
    limit = MAX_LENGTHS.get(key)
    if limit is not None and len(value) > limit:
        raise UsageError(f"{key}: at most {limit} characters, please.", f"{key}：最多 {limit} 个字符。")
    return value


def missing_eos_fields(options: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """The required end-of-sale facts absent from `options`, in the canonical order."""
    return [item for item in EOS_REQUIRED if not _value(options, item[0])]


def _refuse_missing(
    missing: list[tuple[str, str, str]], *, what_en: str, what_zh: str, names: Mapping[str, str]
) -> None:
    if not missing:
        return
    en = ", ".join(f"{label_en} (`{names.get(key, key + ':')}`)" for key, label_en, _ in missing)
    zh = "、".join(label_zh for _, _, label_zh in missing)
    raise UsageError(
        f"{what_en} refused — missing: {en}.",
        f"{what_zh}未发布——缺少：{zh}。",
    )


def _when(options: Mapping[str, str], *, now: datetime, tz: ZoneInfo) -> datetime | None:
    raw = _value(options, "at")
    if not raw:
        return None
    when = parse_when(raw, tz=tz)
    if when <= now:
        local = when.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        raise UsageError(
            f"at: {local} is in the past; pick a future time or leave `at:` out to post now.",
            f"at（定时）：{local} 已经过去；请选择将来的时间，或去掉 `at:` 立即发布。",
        )
    return when


def _contact(value: str) -> str:
    user = parse_user(value)
    return f"<@{user}>" if value.strip().startswith(("<@", "@")) and user else value.strip()


def validate_release(*, options: Mapping[str, str], now: datetime, tz: ZoneInfo) -> Draft:
    missing = [item for item in RELEASE_REQUIRED if not _value(options, item[0])]
    _refuse_missing(
        missing,
        what_en="Release announcement",
        what_zh="发布公告",
        names={
            "date": "date:",
            "product": "product:",
            "version": "version:",
            "highlights": "highlights:",
            "channels": "channels:",
        },
    )
    release_date = parse_date(_value(options, "date"), label_en="date", label_zh="日期")
    ships = parse_request_ids(_value(options, "ships")) if _value(options, "ships") else []
    return Draft(
        kind="release",
        product=_value(options, "product"),
        version=_value(options, "version"),
        release_date=release_date,
        highlights=_value(options, "highlights"),
        ships=ships,
        channels=_value(options, "channels"),
        at=_when(options, now=now, tz=tz),
    )


def validate_eos(*, options: Mapping[str, str], now: datetime, tz: ZoneInfo) -> Draft:
    missing = missing_eos_fields(options)
    for key, label_en, label_zh in (("product", "product", "产品"), ("channels", "channels", "频道")):
        if not _value(options, key):
            missing.append((key, label_en, label_zh))
    _refuse_missing(missing, what_en="End-of-sale notice", what_zh="停售通知", names=EOS_OPTION_NAMES)
    last_order = parse_date(_value(options, "last_order"), label_en="last-order", label_zh="最后订购日")
    end_of_support = parse_date(
        _value(options, "end_of_support"), label_en="end-of-support", label_zh="停止支持日"
    )
    today = now.astimezone(tz).date()
    if last_order <= today:
        raise UsageError(
            f"The last-order date {last_order} must be in the future (today is {today}).",
            f"最后订购日 {last_order} 必须晚于今天（今天是 {today}）。",
        )
    if end_of_support <= last_order:
        raise UsageError(
            f"The end-of-support date {end_of_support} must come after the last-order date {last_order}.",
            f"停止支持日 {end_of_support} 必须晚于最后订购日 {last_order}。",
        )
    warnings: list[tuple[str, str]] = []
    days_left = (last_order - today).days
    if days_left < LATE_NOTICE_DAYS:
        warnings.append(
            (
                f"Late notice: the last-order date is only {days_left} days away (customers usually need "
                f"at least {LATE_NOTICE_DAYS}).",
                f"通知偏晚：距最后订购日仅剩 {days_left} 天（客户通常需要至少 {LATE_NOTICE_DAYS} 天）。",
            )
        )
    return Draft(
        kind="eos",
        product=_value(options, "product"),
        reason=_value(options, "reason"),
        last_order=last_order,
        end_of_support=end_of_support,
        scope=_value(options, "scope"),
        alternative=_value(options, "alternative"),
        support_plan=_value(options, "support"),
        contact=_contact(_value(options, "contact")),
        channels=_value(options, "channels"),
        at=_when(options, now=now, tz=tz),
        warnings=warnings,
    )
