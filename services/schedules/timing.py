"""`<when>` parsing and cron arithmetic: `weekly mon 10:00`, `daily 09:30`, `monthly 1 10:00` or a 5-field
crontab, in a named timezone. Pure functions, no clock: callers pass `now`.

Triggers are APScheduler `CronTrigger`s with a `ZoneInfo` timezone, so wall-clock times survive DST
changes (10:00 New York is 14:00 UTC in summer and 15:00 UTC in winter).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from apscheduler.triggers.cron import CronTrigger

from bot.errors import UsageError

WEEKDAYS = {
    "mon": "mon", "monday": "mon", "周一": "mon", "星期一": "mon",
    "tue": "tue", "tuesday": "tue", "周二": "tue", "星期二": "tue",
    "wed": "wed", "wednesday": "wed", "周三": "wed", "星期三": "wed",
    "thu": "thu", "thursday": "thu", "周四": "thu", "星期四": "thu",
    "fri": "fri", "friday": "fri", "周五": "fri", "星期五": "fri",
    "sat": "sat", "saturday": "sat", "周六": "sat", "星期六": "sat",
    "sun": "sun", "sunday": "sun", "周日": "sun", "星期日": "sun", "周天": "sun", "星期天": "sun",
}  # fmt: skip
_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 (and 7) = Sunday
_WEEK_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKWEEK = "mon,tue,wed,thu,fri"
_PERIODS = {
    "weekly": "weekly", "每周": "weekly", "week": "weekly",
    "daily": "daily", "每天": "daily", "每日": "daily", "day": "daily",
    "weekdays": "weekdays", "工作日": "weekdays",
    "monthly": "monthly", "每月": "monthly", "month": "monthly",
}  # fmt: skip
_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")

WHEN_HELP_EN = (
    "`<when>` is `weekly mon 10:00`, `daily 09:30`, `weekdays 09:00`, `monthly 1 10:00` or a quoted "
    'crontab like `"30 9 * * 1-5"` (minute hour day month weekday).'
)
WHEN_HELP_ZH = (
    "`<when>` 可以是 `weekly mon 10:00`（每周 周一 10:00）、`daily 09:30`（每天）、`weekdays 09:00`（工作日）、"
    '`monthly 1 10:00`（每月1日）或带引号的 crontab，例如 `"30 9 * * 1-5"`（分 时 日 月 周）。'
)


def _bad(en: str, zh: str) -> UsageError:
    return UsageError(f"{en} {WHEN_HELP_EN}", f"{zh}{WHEN_HELP_ZH}")


def _time(token: str) -> tuple[int, int]:
    match = _TIME.match(token)
    if not match:
        raise _bad(f"{token!r} is not a time of day like 10:00.", f"{token!r} 不是有效的时间（例如 10:00）。")
    return int(match.group(1)), int(match.group(2))


def parse_when(text: str) -> str:
    """A user's `<when>` → a canonical 5-field crontab (`0 10 * * 1`). Raises a bilingual UsageError."""
    words = text.split()
    if not words:
        raise _bad("When should it run?", "请指定运行时间。")
    period = _PERIODS.get(words[0].lower())
    if period is None:
        if len(words) == 5:
            return validate_crontab(" ".join(words))
        raise _bad(f"I don't understand the schedule {text!r}.", f"无法理解时间设置 {text!r}。")
    rest = words[1:]
    if period in {"daily", "weekdays"}:
        if len(rest) != 1:
            raise _bad(
                f"`{words[0]}` needs exactly a time, e.g. `daily 09:30`.",
                f"`{words[0]}` 后面需要一个时间，例如 `daily 09:30`。",
            )
        hour, minute = _time(rest[0])
        return f"{minute} {hour} * * {WORKWEEK if period == 'weekdays' else '*'}"
    if period == "weekly":
        if len(rest) != 2:
            raise _bad(
                "`weekly` needs a weekday and a time, e.g. `weekly mon 10:00`.",
                "`weekly` 需要星期和时间，例如 `weekly mon 10:00`。",
            )
        day = WEEKDAYS.get(rest[0].lower())
        if day is None:
            raise _bad(
                f"{rest[0]!r} is not a weekday (mon … sun).",
                f"{rest[0]!r} 不是星期（mon … sun / 周一 … 周日）。",
            )
        hour, minute = _time(rest[1])
        return f"{minute} {hour} * * {day}"
    if len(rest) != 2 or not rest[0].isdecimal():
        raise _bad(
            "`monthly` needs a day of the month and a time, e.g. `monthly 1 10:00`.",
            "`monthly` 需要日期和时间，例如 `monthly 1 10:00`。",
        )
    day_of_month = int(rest[0])
    if not 1 <= day_of_month <= 28:
        raise _bad(
            f"Day {day_of_month} does not exist in every month; choose 1–28.",
            f"并非每个月都有 {day_of_month} 日，请选择 1–28。",
        )
    hour, minute = _time(rest[1])
    return f"{minute} {hour} {day_of_month} * *"


def validate_crontab(expression: str) -> str:
    fields = expression.split()
    if len(fields) != 5:
        raise _bad(
            f"A cron expression has 5 fields (minute hour day month weekday); {expression!r} has {len(fields)}.",
            f"cron 表达式需要 5 个字段（分 时 日 月 周）；{expression!r} 有 {len(fields)} 个。",
        )
    try:
        fields[4] = normalize_weekdays(fields[4])
    except ValueError as exc:
        raise _bad(
            f"Invalid weekday field {fields[4]!r} (0–7 or sun…sat).",
            f"无效的星期字段 {fields[4]!r}（0–7 或 sun…sat）。",
        ) from exc
    minute, hour, day, month, weekday = fields
    try:
        CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=weekday, timezone=ZoneInfo("UTC")
        )
    except (ValueError, TypeError) as exc:
        raise _bad(
            f"Invalid cron expression {expression!r}: {exc}.", f"无效的 cron 表达式 {expression!r}：{exc}。"
        ) from exc
    if fields[0] in {"*", "*/1"}:
        raise _bad(
            "Posting every minute would flood the channel; pick a specific minute.",
            "每分钟发送会刷屏，请指定具体分钟。",
        )
    return " ".join(fields)


def _day_number(token: str) -> int:
    token = token.strip().lower()
    if token in _CRON_DAYS:
        return _CRON_DAYS.index(token)
    value = int(token)  # ValueError for garbage
    if not 0 <= value <= 7:
        raise ValueError(f"weekday {value} out of range 0-7")
    return value % 7


def normalize_weekdays(field: str) -> str:
    """A crontab weekday field (0/7 = Sunday, names allowed, ranges, lists, steps) → `*` or names in week
    order (`mon,tue,wed,thu,fri`). APScheduler counts 0 = Monday, so we never hand it crontab numbers."""
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError("step must be positive")
        if base == "*":
            start, end = 0, 6
        elif "-" in base:
            left, _, right = base.partition("-")
            start, end = _day_number(left), _day_number(right)
            if right.strip() == "7":
                end = 7
            if end < start:
                raise ValueError(f"range {base} runs backwards")
        else:
            start = end = _day_number(base)
            if step_text:
                end = 6
        days.update(day % 7 for day in range(start, end + 1, step))
    if len(days) == 7:
        return "*"
    return ",".join(name for name in _WEEK_ORDER if _CRON_DAYS.index(name) in days)


_OFFSET = re.compile(r"^(?:utc|gmt)?\s*[+\-−]\s*\d{1,2}(?::?\d{2})?$", re.I)


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every IANA zone name, by its lower-case spelling (`asia/shanghai` → `Asia/Shanghai`)."""
    return {name.lower(): name for name in available_timezones()}


def parse_timezone(name: str) -> str:
    """An IANA zone name as the database spells it, whatever the case (`utc`, `asia/shanghai`). A bare
    offset (`UTC+8`) is refused with a hint: a place follows daylight-saving changes, an offset does not."""
    try:
        ZoneInfo(name)
        return name
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError for malformed keys
        canonical = _zone_names().get(name.strip().lower())
        if canonical is not None:
            return canonical
        if _OFFSET.match(name.strip()):
            raise UsageError(
                f"{name!r} is an offset, not a time zone: name the place, e.g. `tz:Asia/Shanghai` (UTC+8), "
                "`tz:Europe/Berlin`, `tz:America/New_York`, so that daylight saving time is followed.",
                f"{name!r} 是时差而不是时区：请写地点，例如 `tz:Asia/Shanghai`（UTC+8）、`tz:Europe/Berlin`、"
                "`tz:America/New_York`，这样夏令时也会自动处理。",
            ) from exc
        raise UsageError(
            f"Unknown timezone {name!r}; use an IANA name such as Asia/Shanghai or America/New_York.",
            f"未知时区 {name!r}；请使用 IANA 名称，例如 Asia/Shanghai 或 America/New_York。",
        ) from exc


def build_trigger(*, cron: str, timezone: str, calendar: str = "none") -> CronTrigger:
    """The APScheduler trigger. With a holiday calendar a Monday–Friday trigger fires every day at that
    time and the calendar decides (so an official make-up Saturday runs too)."""
    minute, hour, day, month, weekday = cron.split()
    if calendar != "none" and weekday == WORKWEEK:
        weekday = "*"
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=weekday, timezone=ZoneInfo(timezone)
    )


def next_fire_times(trigger: CronTrigger, *, after: datetime, count: int) -> list[datetime]:
    """The next `count` distinct wall-clock fire times strictly after `after` (aware, in the trigger's zone)."""
    times: list[datetime] = []
    cursor = after.astimezone(UTC) + timedelta(seconds=1)
    while len(times) < count:
        fire = trigger.get_next_fire_time(None, cursor)
        if fire is None:
            break
        if not times or wall_clock_key(fire) != wall_clock_key(times[-1]):
            times.append(fire)
        cursor = fire.astimezone(UTC) + timedelta(seconds=1)  # UTC: wall-clock + 1 s can go back on DST
    return times


def wall_clock_key(fire: datetime) -> str:
    """The local date and time of a fire time: 01:30 on a DST fall-back day happens twice in UTC but is one
    slot for the people in that timezone (APScheduler 3 fires both; we post once)."""
    return fire.strftime("%Y%m%dT%H%M")


def latest_slot(trigger: CronTrigger, *, now: datetime, not_before: datetime) -> datetime | None:
    """The most recent fire time in (not_before, now], or None: what a coalescing run should post."""
    latest: datetime | None = None
    cursor = not_before.astimezone(UTC) + timedelta(seconds=1)
    while True:
        fire = trigger.get_next_fire_time(None, cursor)
        if fire is None or fire > now:
            return latest
        latest = fire
        cursor = fire.astimezone(UTC) + timedelta(seconds=1)  # UTC: wall-clock + 1 s can go back on DST
