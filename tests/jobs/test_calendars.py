"""Holiday calendars: Chinese public holidays and make-up workdays, other countries, missing data."""

from __future__ import annotations

from datetime import date

import pytest

from bot.errors import UsageError
from services import calendars
from services.calendars import china_covers, normalize_calendar, previous_working_day, verdict


def test_none_runs_every_day() -> None:
    assert verdict(calendar="none", day=date(2026, 10, 1)).run


def test_cn_skips_national_day_and_runs_on_the_make_up_saturday() -> None:
    holiday = verdict(calendar="cn", day=date(2026, 10, 1))
    assert not holiday.run
    assert "National Day" in holiday.reason_en and "法定节假日" in holiday.reason_zh
    make_up = verdict(calendar="cn", day=date(2026, 10, 10))  # Saturday, official 调休 workday
    assert make_up.run and "make-up workday" in make_up.note_en and "调休" in make_up.note_zh
    assert not verdict(calendar="cn", day=date(2026, 11, 28)).run  # an ordinary Saturday
    assert verdict(calendar="cn", day=date(2026, 11, 23)).run  # an ordinary Monday


def test_cn_year_not_covered_falls_back_to_weekdays_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    assert china_covers(2026)
    assert not china_covers(2099)
    monday = verdict(calendar="cn", day=date(2099, 1, 5))
    assert monday.run and "2099" in monday.note_en and "chinese-calendar" in monday.note_en
    assert "2099" in monday.note_zh
    saturday = verdict(calendar="cn", day=date(2099, 1, 3))
    assert not saturday.run
    assert "no data for 2099" in caplog.text or 2099 in calendars._warned_years


def test_cn_year_not_covered_says_statutory_holidays_still_apply(caplog: pytest.LogCaptureFixture) -> None:
    """2027 has no chinese-calendar data: the Spring Festival is still skipped, so the warning must not say
    that Monday–Friday are all working days — only the make-up workdays and extra days off are unknown."""
    calendars._warned_years.discard(2027)
    spring_festival = verdict(calendar="cn", day=date(2027, 2, 8))  # Monday
    assert not spring_festival.run and "Spring Festival" in spring_festival.reason_en
    with caplog.at_level("WARNING", logger="services.calendars"):
        monday = verdict(calendar="cn", day=date(2027, 2, 15))
    assert monday.run
    for text in (monday.note_en, caplog.text):
        assert "statutory public holidays" in text and "make-up workdays" in text
        assert "treating Monday-Friday as working days" not in text
        assert "Monday–Friday treated as working days" not in text
    assert "法定节假日照常跳过" in monday.note_zh and "调休" in monday.note_zh
    assert "暂按周一至周五为工作日" not in monday.note_zh


def test_chinese_reasons_name_the_holiday_in_chinese() -> None:
    """`schedule list` in Chinese said "2027-02-08 是中国法定节假日（Chinese New Year (Spring Festival)）"."""
    national_day = verdict(calendar="cn", day=date(2026, 10, 1))  # chinese-calendar data
    assert "（国庆节）" in national_day.reason_zh and "National Day" in national_day.reason_en
    spring_festival = verdict(calendar="cn", day=date(2027, 2, 8))  # no data: statutory holidays
    assert "（春节）" in spring_festival.reason_zh and "Spring Festival" in spring_festival.reason_en
    observed = verdict(calendar="cn", day=date(2027, 2, 10))
    assert "春节（补假）" in observed.reason_zh and "Chinese New Year" in observed.reason_en


def test_other_countries_use_the_holidays_package() -> None:
    thanksgiving = verdict(calendar="us", day=date(2026, 11, 26))
    assert not thanksgiving.run and "Thanksgiving" in thanksgiving.reason_en
    assert verdict(calendar="us", day=date(2026, 11, 25)).run
    assert not verdict(calendar="us", day=date(2026, 11, 28)).run  # weekend


@pytest.mark.parametrize(
    ("typed", "canonical"), [("CN", "cn"), ("中国", "cn"), ("", "none"), ("US", "us"), ("gb", "gb")]
)
def test_normalize_calendar(typed: str, canonical: str) -> None:
    assert normalize_calendar(typed) == canonical


def test_unknown_calendar_is_a_bilingual_usage_error() -> None:
    with pytest.raises(UsageError) as caught:
        normalize_calendar("narnia")
    assert "calendar:cn" in caught.value.en and "节假日" in caught.value.zh


def test_previous_working_day_skips_weekends_and_statutory_holidays_without_official_data() -> None:
    # chinese-calendar has no 2027 arrangement yet; the statutory May Day holiday still counts
    assert previous_working_day(calendar="cn", day=date(2027, 5, 2)) == date(2027, 4, 30)
    assert previous_working_day(calendar="cn", day=date(2027, 5, 4)) == date(2027, 4, 30)
    assert previous_working_day(calendar="cn", day=date(2027, 6, 1)) == date(2027, 6, 1)
    assert previous_working_day(calendar="us", day=date(2027, 7, 4)) == date(
        2027, 7, 2
    )  # Sun; Mon 5th observed
    assert previous_working_day(calendar="none", day=date(2027, 5, 2)) == date(2027, 5, 2)
