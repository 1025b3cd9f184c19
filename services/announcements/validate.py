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

from bot.chat_text import mention, parse_user
from bot.errors import UsageError
from bot.forms import FieldChecks
from services.announcements.values import parse_date, parse_request_ids, parse_when, refuse_far_future

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
    return [item for item in EOS_REQUIRED if not (options.get(item[0]) or "").strip()]


def _missing(
    checks: FieldChecks,
    missing: list[tuple[str, str, str]],
    *,
    what_en: str,
    what_zh: str,
    names: Mapping[str, str],
) -> tuple[str, str] | None:
    """Each missing fact is an error of its field; the text-command message lists them in one line."""
    if not missing:
        return None
    for key, label_en, label_zh in missing:
        checks.fail(key, f"Required — missing: the {label_en}.", f"必填——缺少：{label_zh}。")
    en = ", ".join(f"{label_en} (`{names.get(key, key + ':')}`)" for key, label_en, _ in missing)
    zh = "、".join(label_zh for _, _, label_zh in missing)
    return f"{what_en} refused — missing: {en}.", f"{what_zh}未发布——缺少：{zh}。"


def _finish(checks: FieldChecks, summary: tuple[str, str] | None) -> None:
    """Raise every error at once. The summary (what is missing) leads; other errors follow it."""
    if not checks.errors:
        return
    if summary is not None:
        missing_keys = {key for key, (en, _) in checks.errors.items() if en.startswith("Required — missing")}
        others = [message for key, message in checks.errors.items() if key not in missing_keys]
        summary = (
            "\n".join([summary[0], *(en for en, _ in others)]),
            "\n".join([summary[1], *(zh for _, zh in others)]),
        )
    checks.raise_if_any(summary=summary)


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
    today = now.astimezone(tz).date()
    refuse_far_future(when.astimezone(tz).date(), today=today, label_en="at", label_zh="at（定时）")
    return when


def _contact(value: str) -> str:
    user = parse_user(value)
    return mention(user) if value.strip().startswith(("<@", "@")) and user else value.strip()


def _values(checks: FieldChecks, options: Mapping[str, str], keys: tuple[str, ...]) -> dict[str, str]:
    return {key: checks.check(key, _value, options, key) or "" for key in keys}


def validate_release(*, options: Mapping[str, str], now: datetime, tz: ZoneInfo) -> Draft:
    """A complete release draft, or `FormErrors` naming every wrong field (keys as in the release form)."""
    checks = FieldChecks()
    values = _values(checks, options, ("product", "version", "date", "highlights", "channels", "ships"))
    missing = [item for item in RELEASE_REQUIRED if not values[item[0]] and item[0] not in checks.errors]
    summary = _missing(
        checks,
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
    release_date = (
        checks.check("date", parse_date, values["date"], label_en="date", label_zh="日期")
        if values["date"]
        else None
    )
    if release_date is not None:
        today = now.astimezone(tz).date()
        checks.check("date", refuse_far_future, release_date, today=today, label_en="date", label_zh="日期")
    ships = checks.check("ships", parse_request_ids, values["ships"]) if values["ships"] else []
    at = checks.check("at", _when, options, now=now, tz=tz)
    _finish(checks, summary)
    return Draft(
        kind="release",
        product=values["product"],
        version=values["version"],
        release_date=release_date,
        highlights=values["highlights"],
        ships=ships or [],
        channels=values["channels"],
        at=at,
    )


def validate_eos(*, options: Mapping[str, str], now: datetime, tz: ZoneInfo) -> Draft:
    """A complete end-of-sale draft, or `FormErrors` naming every wrong field (keys as in the EOS form)."""
    checks = FieldChecks()
    keys = ("product", "channels", *(key for key, _, _ in EOS_REQUIRED))
    values = _values(checks, options, keys)
    missing = [item for item in EOS_REQUIRED if not values[item[0]] and item[0] not in checks.errors]
    for key, label_en, label_zh in (("product", "product", "产品"), ("channels", "channels", "频道")):
        if not values[key] and key not in checks.errors:
            missing.append((key, label_en, label_zh))
    summary = _missing(
        checks, missing, what_en="End-of-sale notice", what_zh="停售通知", names=EOS_OPTION_NAMES
    )
    last_order = (
        checks.check(
            "last_order", parse_date, values["last_order"], label_en="last-order", label_zh="最后订购日"
        )
        if values["last_order"]
        else None
    )
    end_of_support = (
        checks.check(
            "end_of_support",
            parse_date,
            values["end_of_support"],
            label_en="end-of-support",
            label_zh="停止支持日",
        )
        if values["end_of_support"]
        else None
    )
    today = now.astimezone(tz).date()
    if last_order is not None and last_order <= today:
        checks.fail(
            "last_order",
            f"The last-order date {last_order} must be in the future (today is {today}).",
            f"最后订购日 {last_order} 必须晚于今天（今天是 {today}）。",
        )
    for key, day, label_en, label_zh in (
        ("last_order", last_order, "last-order", "最后订购日"),
        ("end_of_support", end_of_support, "end-of-support", "停止支持日"),
    ):
        if day is not None:
            checks.check(key, refuse_far_future, day, today=today, label_en=label_en, label_zh=label_zh)
    if last_order is not None and end_of_support is not None and end_of_support <= last_order:
        checks.fail(
            "end_of_support",
            f"The end-of-support date {end_of_support} must come after the last-order date {last_order}.",
            f"停止支持日 {end_of_support} 必须晚于最后订购日 {last_order}。",
        )
    at = checks.check("at", _when, options, now=now, tz=tz)
    if at is not None and last_order is not None and at.astimezone(tz).date() >= last_order:
        posted_on = at.astimezone(tz).date()
        checks.fail(
            "at",
            f"at: the notice would be posted on {posted_on}, on or after its last-order date {last_order}; "
            "schedule it before the last-order date.",
            f"at（定时）：通知将在 {posted_on} 发布，不早于最后订购日 {last_order}；请定在最后订购日之前。",
        )
    _finish(checks, summary)
    assert last_order is not None and end_of_support is not None
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
        product=values["product"],
        reason=values["reason"],
        last_order=last_order,
        end_of_support=end_of_support,
        scope=values["scope"],
        alternative=values["alternative"],
        support_plan=values["support"],
        contact=_contact(values["contact"]),
        channels=values["channels"],
        at=at,
        warnings=warnings,
    )
