"""The values of announcement and launch options: dates, the `at:` time, `ships:` request ids — parsed
with a bilingual usage error, and request ids in the comma-separated form they are stored in."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

from bot.chat_text import is_id
from bot.errors import UsageError
from services.announcements.targets import split_list

# a date further ahead than this is a typo (2207 for 2027); T+90 of 9999-12-31 would overflow
MAX_YEARS_AHEAD = 10

_DATE = re.compile(r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*[日号]?$")
_COMPACT_DATE = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$")
_NO_YEAR = re.compile(r"^\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?$")
_WHEN = re.compile(
    r"^(?P<day>.+?)(?:(?:\s*T\s*|\s+|(?<=[日号]))(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?)?$"
)


def _normal(value: str) -> str:
    """Full-width digits and punctuation (２０２７／３／１, typed with a Chinese input method) as ASCII."""
    return unicodedata.normalize("NFKC", value).strip()


def _invalid_date(value: str, label_en: str, label_zh: str) -> UsageError:
    if _NO_YEAR.match(_normal(value)):
        return UsageError(
            f"{label_en}: {value!r} has no year; write the whole date, e.g. 2027-03-31 or 2027/3/31.",
            f"{label_zh}：{value!r} 缺少年份；请写完整日期，例如 2027-03-31 或 2027年3月31日。",
        )
    return UsageError(
        f"{label_en}: {value!r} is not a valid date; use YYYY-MM-DD, e.g. 2027-03-31 (2027/3/31 works too).",
        f"{label_zh}：{value!r} 不是有效日期；请使用 YYYY-MM-DD，例如 2027-03-31（也可写 2027年3月31日）。",
    )


def _calendar_day(value: str) -> date | None:
    """`2027-03-01`, `2027-3-1`, `2027/3/1`, `2027.3.1`, `2027年3月1日` (or 号), `20270301` → the date; else None."""
    match = _DATE.match(_normal(value)) or _COMPACT_DATE.match(_normal(value))
    if match is None:
        return None
    try:
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:  # 2027-02-30
        return None


def parse_date(value: str, *, label_en: str, label_zh: str) -> date:
    day = _calendar_day(value)
    if day is None:
        raise _invalid_date(value, label_en, label_zh)
    return day


def latest_date(today: date) -> date:
    """The last day an announcement, end-of-sale or launch date may name: `MAX_YEARS_AHEAD` years on."""
    year = today.year + MAX_YEARS_AHEAD
    if (today.month, today.day) == (2, 29):
        return today.replace(year=year, day=28)
    return today.replace(year=year)


def refuse_far_future(day: date, *, today: date, label_en: str, label_zh: str) -> None:
    """A bilingual usage error when `day` lies more than `MAX_YEARS_AHEAD` years after `today`."""
    limit = latest_date(today)
    if day > limit:
        raise UsageError(
            f"{label_en}: {day} is more than {MAX_YEARS_AHEAD} years ahead (the latest is {limit}); "
            "please check the year.",
            f"{label_zh}：{day} 在 {MAX_YEARS_AHEAD} 年之后（最晚 {limit}），请检查年份。",
        )


def parse_when(value: str, *, tz: ZoneInfo) -> datetime:
    """`2026-12-01 09:30`, `2026-12-01T9:30`, `2026年12月1日 9:30` or `2026-12-01` (09:00) in the schedule
    timezone → UTC; a written offset (`…T09:30Z`, `…T09:30+01:00`) is honoured."""
    match = _WHEN.match(_normal(value))
    day = _calendar_day(match["day"]) if match else None
    try:
        if match is None or day is None:
            raise ValueError(value)
        clock = time(int(match["hour"] or 9), int(match["minute"] or 0), int(match["second"] or 0))
        zone: tzinfo = tz
        if match["offset"]:
            zone = UTC if match["offset"] == "Z" else datetime.strptime(match["offset"], "%z").tzinfo or tz
        return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):  # 25:00, 2027-02-30, or year 1 before UTC's first day
        raise UsageError(
            f"at: {value!r} is not a valid date and time; use YYYY-MM-DD HH:MM, e.g. at:2026-12-01T09:30.",
            f"at（定时）：{value!r} 不是有效的日期时间；请使用 YYYY-MM-DD HH:MM，例如 at:2026-12-01T09:30。",
        ) from None


def parse_request_ids(value: str) -> list[int]:
    ids: list[int] = []
    for token in split_list(value):
        cleaned = token.lstrip("#＃")
        if not is_id(cleaned):
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
    return [int(item) for item in stored.split(",") if item.strip().isdecimal()]
