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
_ONE_DIGIT_MINUTE = re.compile(r"^(\d{1,2})[:：](\d)$")
_AM_PM = re.compile(r"^(\d{1,2})(?:[:：.](\d{2}))?(am|pm|a\.m\.|p\.m\.)$", re.I)
# 上午十点, 下午3点半, 晚上8点15分, 10点, 9时30分: an optional part of the day, an hour, 点/时, minutes
_CN_DIGITS = "零〇一二两三四五六七八九十0-9"
_CHINESE_TIME = re.compile(
    rf"^(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上)?([{_CN_DIGITS}]+)(?:点钟?|时)(半|[{_CN_DIGITS}]+分?)?$"
)
_CN_VALUES = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NAMED_TIMES = {"midnight": (0, 0), "noon": (12, 0), "午夜": (0, 0), "零点": (0, 0), "正午": (12, 0)}
_EVENING = {"下午", "傍晚", "晚上"}

WHEN_HELP_EN = (
    "`<when>` is `weekly mon 10:00`, `daily 09:30`, `weekdays 09:00`, `monthly 1 10:00` or a quoted "
    'crontab like `"30 9 * * 1-5"` (minute hour day month weekday); the time may also be `9:30am`, `noon`.'
)
WHEN_HELP_ZH = (
    "`<when>` 可以是 `weekly mon 10:00`（每周 周一 10:00）、`daily 09:30`（每天）、`weekdays 09:00`（工作日）、"
    '`monthly 1 10:00`（每月1日）或带引号的 crontab，例如 `"30 9 * * 1-5"`（分 时 日 月 周）；'
    "时间也可以写成 `上午十点`、`下午3点半`。"
)


def _bad(en: str, zh: str) -> UsageError:
    return UsageError(f"{en} {WHEN_HELP_EN}", f"{zh}{WHEN_HELP_ZH}")


def _midnight(token: str) -> UsageError:
    return _bad(
        f"{token!r} is the end of the day: for midnight write 00:00 (it belongs to the next day).",
        f"{token!r} 是一天的结束：午夜请写 00:00（算作第二天）。",
    )


def _cn_number(text: str) -> int | None:
    """`10`, `十`, `十五`, `二十三`, `两` → the number (0–99); None when it is not one."""
    if text.isascii():
        return int(text) if text.isdecimal() else None
    if any(ch not in _CN_VALUES and ch != "十" for ch in text) or text.count("十") > 1:
        return None
    if "十" not in text:
        return _CN_VALUES[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN_VALUES[tens] if tens else 1) * 10 + (_CN_VALUES[ones] if ones else 0)


def _chinese_time(match: re.Match[str], token: str) -> tuple[int, int]:
    part, hour_text, minute_text = match.groups()
    hour = _cn_number(hour_text)
    if minute_text == "半":
        minute: int | None = 30
    elif minute_text:
        minute = _cn_number(minute_text.removesuffix("分"))
    else:
        minute = 0
    if hour is None or minute is None or hour > 24 or minute > 59:
        raise _bad(
            f"{token!r} is not a time of day like 10:00.",
            f"{token!r} 不是有效的时间（例如 10:00、上午十点）。",
        )
    if hour == 24 or (hour == 12 and part == "晚上"):
        raise _midnight(token)
    if (part in _EVENING and 1 <= hour <= 11) or (part == "中午" and 1 <= hour <= 2):
        hour += 12
    elif hour == 12 and part == "凌晨":
        hour = 0
    return hour, minute


def _time(token: str) -> tuple[int, int]:
    """A time of day → (hour, minute): `10:00`, `9:05`, `10：00`, `9:30am`, `3pm`, `noon`, `midnight`,
    `上午十点`, `下午3点半`, `晚上8点15分`. Bilingual UsageError naming what is wrong."""
    shown, token = token.strip(), "".join(token.split())
    match = _TIME.match(token)
    if match:
        return int(match.group(1)), int(match.group(2))
    if token.lower() in _NAMED_TIMES:
        return _NAMED_TIMES[token.lower()]
    if token in {"24:00", "24：00"}:
        raise _midnight(shown)
    short = _ONE_DIGIT_MINUTE.match(token)
    if short:
        hour, digit = short.groups()
        raise _bad(
            f"{shown!r}: write the minutes with two digits, e.g. {int(hour):02d}:0{digit} or {int(hour):02d}:{digit}0.",
            f"{shown!r}：分钟请写两位数，例如 {int(hour):02d}:0{digit} 或 {int(hour):02d}:{digit}0。",
        )
    am_pm = _AM_PM.match(token)
    if am_pm:
        hour, minute = int(am_pm.group(1)), int(am_pm.group(2) or 0)
        if 1 <= hour <= 12 and minute <= 59:
            return hour % 12 + (12 if am_pm.group(3).lower().startswith("p") else 0), minute
    chinese = _CHINESE_TIME.match(token)
    if chinese:
        return _chinese_time(chinese, shown)
    raise _bad(
        f"{shown!r} is not a time of day like 10:00.", f"{shown!r} 不是有效的时间（例如 10:00、上午十点）。"
    )


def _split_prefix(word: str, names: list[str]) -> tuple[str, str] | None:
    """`每周一上午十点` with names [每周, …] → (每周, 一上午十点): Chinese is written without spaces."""
    for name in sorted(names, key=len, reverse=True):
        if word.startswith(name):
            return name, word[len(name) :]
    return None


_CN_PERIODS = [name for name in _PERIODS if not name.isascii()]
_CN_WEEKDAYS = [name for name in WEEKDAYS if not name.isascii()]


def _weekday(word: str) -> tuple[str, str] | None:
    """A weekday at the start of `word` → (day, the rest): `mon`, `周一`, `星期一上午十点`, and after `每周` a bare
    `一` … `日`."""
    day = WEEKDAYS.get(word.lower())
    if day is not None:
        return day, ""
    split = _split_prefix(word, _CN_WEEKDAYS) or _split_prefix(word, list("一二三四五六日天"))
    if split is None:
        return None
    name, rest = split
    day = WEEKDAYS.get(name) or WEEKDAYS.get(f"周{name}")
    return (day, rest) if day else None


def parse_when(text: str) -> str:
    """A user's `<when>` → a canonical 5-field crontab (`0 10 * * 1`). Raises a bilingual UsageError.
    The time may be written in several words (`9:30 am`) and Chinese without spaces (`每周一上午十点`)."""
    words = text.split()
    if not words:
        raise _bad("When should it run?", "请指定运行时间。")
    period = _PERIODS.get(words[0].lower())
    if period is None and (glued := _split_prefix(words[0], _CN_PERIODS)):
        words = [*glued, *words[1:]]
        period = _PERIODS[words[0]]
    if period is None:
        if len(words) == 5:
            return validate_crontab(" ".join(words))
        raise _bad(f"I don't understand the schedule {text!r}.", f"无法理解时间设置 {text!r}。")
    rest = words[1:]
    if period in {"daily", "weekdays"}:
        if not rest:
            raise _bad(
                f"`{words[0]}` needs a time, e.g. `daily 09:30`.",
                f"`{words[0]}` 后面需要一个时间，例如 `daily 09:30`。",
            )
        hour, minute = _time(" ".join(rest))
        return f"{minute} {hour} * * {WORKWEEK if period == 'weekdays' else '*'}"
    if period == "weekly":
        found = _weekday(rest[0]) if rest else None
        if found is not None and found[1]:
            rest = [rest[0], found[1], *rest[1:]]
        if len(rest) < 2:
            raise _bad(
                "`weekly` needs a weekday and a time, e.g. `weekly mon 10:00`.",
                "`weekly` 需要星期和时间，例如 `weekly mon 10:00`。",
            )
        if found is None:
            raise _bad(
                f"{rest[0]!r} is not a weekday (mon … sun).",
                f"{rest[0]!r} 不是星期（mon … sun / 周一 … 周日）。",
            )
        hour, minute = _time(" ".join(rest[1:]))
        return f"{minute} {hour} * * {found[0]}"
    day_text = rest[0].removesuffix("号").removesuffix("日") if rest else ""
    day_of_month = _cn_number(day_text) if day_text else None
    if len(rest) < 2 or day_of_month is None:
        raise _bad(
            "`monthly` needs a day of the month and a time, e.g. `monthly 1 10:00`.",
            "`monthly` 需要日期和时间，例如 `monthly 1 10:00`（每月 1号 10:00）。",
        )
    if not 1 <= day_of_month <= 28:
        raise _bad(
            f"Day {day_of_month} does not exist in every month; choose 1–28.",
            f"并非每个月都有 {day_of_month} 日，请选择 1–28。",
        )
    hour, minute = _time(" ".join(rest[1:]))
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
