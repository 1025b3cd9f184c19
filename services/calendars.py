"""Holiday calendars: should a schedule post on this local date?

- `none` (default): every date the cron expression names.
- `cn`: Chinese working days via `chinese-calendar` — public holidays are skipped and the official make-up
  workdays (调休, a Saturday or Sunday) count as working days. The library ships data per year; for a year it
  does not cover we fall back to Monday–Friday minus the statutory public holidays known in advance
  (`holidays`), and say so (log warning + a note on the post, `missing_data_note`), never crash.
- any other ISO country code (`us`, `gb`, `de`, `jp`, `sg`, …): the `holidays` package, Monday–Friday minus
  that country's public holidays.

A schedule with a calendar treats weekends as non-working days unless the calendar says otherwise; the
scheduler widens a Monday–Friday trigger to every day so a make-up Saturday can fire (see `services.schedules.timing`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

from bot.errors import UsageError

logger = logging.getLogger(__name__)

_warned_years: set[int] = set()
NONE = "none"
CHINA = "cn"


@dataclass(frozen=True)
class DayVerdict:
    run: bool
    reason_en: str = ""
    reason_zh: str = ""
    note_en: str = ""  # shown on the post (e.g. calendar data missing for this year)
    note_zh: str = ""


def normalize_calendar(value: str | None) -> str:
    """`CN`, `china`, `中国` → `cn`; validates the country code; raises a bilingual UsageError if unknown."""
    cleaned = (value or NONE).strip().lower()
    if cleaned in {"", NONE, "off", "无"}:
        return NONE
    if cleaned in {CHINA, "china", "zh", "中国", "prc"}:
        return CHINA
    if not _country_supported(cleaned):
        raise UsageError(
            f"Unknown holiday calendar {value!r}. Use `calendar:none`, `calendar:cn` (Chinese holidays and "
            "make-up workdays) or a country code such as `calendar:us`, `calendar:gb`, `calendar:jp`.",
            f"未知的节假日日历 {value!r}。可用 `calendar:none`、`calendar:cn`（中国法定节假日与调休）"
            "或国家代码，例如 `calendar:us`、`calendar:gb`、`calendar:jp`。",
        )
    return cleaned


@lru_cache(maxsize=64)
def _country_supported(code: str) -> bool:
    import holidays

    return code.upper() in holidays.list_supported_countries()


@lru_cache(maxsize=128)
def _country_holidays(code: str, year: int, language: str | None = None) -> dict[date, str]:
    """`code`'s public holidays in `year`, named in `language` (`zh_CN`, …) when the package has it."""
    import holidays

    return dict(holidays.country_holidays(code.upper(), years=year, language=language).items())


def _chinese_name(english: str) -> str:
    """chinese-calendar's holiday name in Chinese ("National Day" → 国庆节); as given if unknown."""
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def china_covers(year: int) -> bool:
    """Whether the installed chinese-calendar ships data for `year`."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def missing_data_note(years: list[int]) -> tuple[str, str]:
    """(English, Chinese) note for Chinese holiday data missing for `years`: what still counts (weekends and
    the statutory public holidays, from `holidays`) and what is unknown until the package is upgraded."""
    en_years, zh_years = ", ".join(map(str, years)), "、".join(map(str, years))
    return (
        f"Chinese holiday data for {en_years} is not installed: weekends and statutory public holidays are "
        "skipped, but the official arrangement (extra days off, make-up workdays) is not known until "
        "`chinese-calendar` is upgraded.",
        f"未安装 {zh_years} 年的中国节假日数据：周末和法定节假日照常跳过，但官方放假调休安排（额外休息日、调休上班日）"
        "要在升级 `chinese-calendar` 之后才能知道。",
    )


def verdict(*, calendar: str, day: date) -> DayVerdict:
    """Whether a schedule with `calendar` posts on local date `day`, and why not."""
    if calendar == NONE:
        return DayVerdict(run=True)
    if calendar == CHINA:
        return _china(day)
    name = _country_holidays(calendar, day.year).get(day)
    if name:
        return DayVerdict(
            run=False,
            reason_en=f"{day.isoformat()} is a public holiday ({calendar.upper()}: {name})",
            reason_zh=f"{day.isoformat()} 是公共假日（{calendar.upper()}：{name}）",
        )
    if day.weekday() >= 5:
        return DayVerdict(
            run=False,
            reason_en=f"{day.isoformat()} is a weekend day",
            reason_zh=f"{day.isoformat()} 是周末",
        )
    return DayVerdict(run=True)


def previous_working_day(*, calendar: str, day: date, limit: int = 31) -> date:
    """`day` itself when it is a working day of `calendar`, else the closest working day before it
    (weekends, public holidays; Chinese make-up workdays count as working days)."""
    candidate = day
    for _ in range(limit):
        if verdict(calendar=calendar, day=candidate).run:
            return candidate
        candidate -= timedelta(days=1)
    return day


def _china(day: date) -> DayVerdict:
    try:
        workday = chinese_calendar.is_workday(day)
        holiday_name = chinese_calendar.get_holiday_detail(day)[1]
    except NotImplementedError:
        # no official arrangement (with make-up workdays) published for this year yet: the statutory
        # holidays known in advance (python-holidays, with observed days) still count
        statutory = _country_holidays(CHINA, day.year, "en_US").get(day)
        if statutory:
            statutory_zh = _country_holidays(CHINA, day.year, "zh_CN").get(day, statutory)
            return DayVerdict(
                run=False,
                reason_en=f"{day.isoformat()} is a Chinese public holiday ({statutory})",
                reason_zh=f"{day.isoformat()} 是中国法定节假日（{statutory_zh}）",
            )
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "chinese-calendar has no data for %d: statutory public holidays are still skipped, but the "
                "official arrangement (extra days off, make-up workdays) is unknown; Monday-Friday are working "
                "days otherwise. Upgrade the chinese-calendar package.",
                day.year,
            )
        note_en, note_zh = missing_data_note([day.year])
        if day.weekday() >= 5:
            return DayVerdict(
                run=False,
                reason_en=f"{day.isoformat()} is a weekend day",
                reason_zh=f"{day.isoformat()} 是周末",
                note_en=note_en,
                note_zh=note_zh,
            )
        return DayVerdict(run=True, note_en=note_en, note_zh=note_zh)
    if workday:
        if day.weekday() >= 5:
            return DayVerdict(
                run=True,
                note_en=f"{day.isoformat()} is an official make-up workday.",
                note_zh=f"{day.isoformat()} 是调休工作日。",
            )
        return DayVerdict(run=True)
    if holiday_name:
        return DayVerdict(
            run=False,
            reason_en=f"{day.isoformat()} is a Chinese public holiday ({holiday_name})",
            reason_zh=f"{day.isoformat()} 是中国法定节假日（{_chinese_name(holiday_name)}）",
        )
    return DayVerdict(
        run=False, reason_en=f"{day.isoformat()} is a weekend day", reason_zh=f"{day.isoformat()} 是周末"
    )
