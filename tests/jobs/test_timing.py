"""`<when>` parsing and cron arithmetic across timezones and DST changes (no clock involved)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UsageError
from services.schedules.timing import (
    build_trigger,
    latest_slot,
    next_fire_times,
    normalize_weekdays,
    parse_when,
)


@pytest.mark.parametrize(
    ("when", "cron"),
    [
        ("weekly mon 10:00", "0 10 * * mon"),
        ("weekly Friday 9:05", "5 9 * * fri"),
        ("每周 周三 15:30", "30 15 * * wed"),
        ("daily 09:30", "30 9 * * *"),
        ("weekdays 09:00", "0 9 * * mon,tue,wed,thu,fri"),
        ("monthly 1 10:00", "0 10 1 * *"),
        ("30 9 * * 1-5", "30 9 * * mon,tue,wed,thu,fri"),
        ("0 8 * * 0", "0 8 * * sun"),
        ("0 8 * * 7", "0 8 * * sun"),
        ("0 8 * * */2", "0 8 * * tue,thu,sat,sun"),
        ("0 8 * * 0-6", "0 8 * * *"),
    ],
)
def test_parse_when_gives_canonical_crontab(when: str, cron: str) -> None:
    assert parse_when(when) == cron


@pytest.mark.parametrize(
    ("when", "cron"),
    [
        # times as people write them: these were "'上午十点' is not a time of day like 10:00"
        ("每周 周一 上午十点", "0 10 * * mon"),
        ("每周一 上午10点", "0 10 * * mon"),
        ("每周一上午十点", "0 10 * * mon"),
        ("每周 星期五 下午3点半", "30 15 * * fri"),
        ("每天 晚上8点15分", "15 20 * * *"),
        ("工作日 9时30分", "30 9 * * mon,tue,wed,thu,fri"),
        ("每月 1号 中午12点", "0 12 1 * *"),
        ("每月 十五日 10:00", "0 10 15 * *"),
        ("weekly mon 9:30am", "30 9 * * mon"),
        ("weekly fri 3 pm", "0 15 * * fri"),
        ("daily 12am", "0 0 * * *"),
        ("daily midnight", "0 0 * * *"),
        ("weekdays noon", "0 12 * * mon,tue,wed,thu,fri"),
        ("weekly mon 00:00", "0 0 * * mon"),
    ],
)
def test_times_in_words_and_chinese(when: str, cron: str) -> None:
    assert parse_when(when) == cron


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("weekly mon 24:00", "for midnight write 00:00"),
        ("每周 周一 24点", "for midnight write 00:00"),
        ("每周 周一 晚上12点", "for midnight write 00:00"),
        ("weekly mon 7:5", "write the minutes with two digits, e.g. 07:05 or 07:50"),
        ("daily 13pm", "'13pm' is not a time of day"),
        ("每天 二十五点", "'二十五点' is not a time of day"),
        ("daily 09:30 10:00", "'09:30 10:00' is not a time of day"),
    ],
)
def test_odd_times_say_what_to_write(when: str, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_when(when)
    assert problem in caught.value.en and caught.value.zh


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("", "When should it run"),
        ("weekly funday 10:00", "'funday' is not a weekday"),
        ("weekly mon", "needs a weekday and a time"),
        ("daily 25:00", "'25:00' is not a time"),
        ("monthly 31 10:00", "choose 1–28"),
        ("* * * * *", "every minute"),
        ("0 99 * * *", "Invalid cron expression"),
        ("0 8 * * 8", "Invalid weekday field"),
        ("every tuesday", "I don't understand"),
    ],
)
def test_bad_when_names_the_problem_in_both_languages(when: str, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_when(when)
    assert problem in caught.value.en
    assert caught.value.zh and any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.zh)


def test_weekday_numbers_follow_crontab_not_apscheduler() -> None:
    # APScheduler counts Monday as 0; crontab counts Sunday as 0. A "1" typed by a user means Monday.
    assert normalize_weekdays("1") == "mon"
    assert normalize_weekdays("5-7") == "fri,sat,sun"
    trigger = build_trigger(cron=parse_when("0 10 * * 1"), timezone="UTC")
    fire = next_fire_times(trigger, after=datetime(2026, 11, 22, tzinfo=UTC), count=1)[0]
    assert fire.strftime("%a %H:%M") == "Mon 10:00"


def test_new_york_wall_clock_survives_the_dst_change() -> None:
    trigger = build_trigger(cron=parse_when("weekly mon 10:00"), timezone="America/New_York")
    fires = next_fire_times(trigger, after=datetime(2026, 10, 20, tzinfo=UTC), count=3)
    # 26 Oct (EDT, UTC-4), 2 Nov (EST after 1 Nov, UTC-5), 9 Nov
    assert [f.astimezone(UTC).strftime("%m-%d %H:%M") for f in fires] == [
        "10-26 14:00",
        "11-02 15:00",
        "11-09 15:00",
    ]
    assert all(f.strftime("%H:%M") == "10:00" for f in fires)
    spring = next_fire_times(trigger, after=datetime(2027, 3, 1, tzinfo=UTC), count=3)  # DST from 14 Mar 2027
    assert [f.astimezone(UTC).strftime("%m-%d %H:%M") for f in spring] == [
        "03-01 15:00",
        "03-08 15:00",
        "03-15 14:00",
    ]


def test_nonexistent_local_time_on_spring_forward_day_still_fires_once() -> None:
    trigger = build_trigger(cron=parse_when("daily 02:30"), timezone="America/New_York")
    fires = next_fire_times(trigger, after=datetime(2027, 3, 13, 12, tzinfo=UTC), count=3)
    days = [f.astimezone(UTC).date().isoformat() for f in fires]
    assert len(days) == len(set(days)) == 3  # one post per day, none lost, none doubled


def test_shanghai_has_no_dst_and_is_utc_plus_8() -> None:
    trigger = build_trigger(cron=parse_when("weekly mon 10:00"), timezone="Asia/Shanghai")
    fires = next_fire_times(trigger, after=datetime(2026, 3, 1, tzinfo=UTC), count=40)
    assert {f.astimezone(UTC).strftime("%H:%M") for f in fires} == {"02:00"}


def test_latest_slot_coalesces_missed_runs_into_the_most_recent() -> None:
    trigger = build_trigger(cron=parse_when("daily 09:00"), timezone="UTC")
    now = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    slot = latest_slot(trigger, now=now, not_before=datetime(2026, 11, 22, tzinfo=UTC))
    assert slot == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert latest_slot(trigger, now=now, not_before=slot) is None


def test_ambiguous_local_time_on_fall_back_day_fires_once() -> None:
    trigger = build_trigger(cron=parse_when("daily 01:30"), timezone="America/New_York")
    fires = next_fire_times(trigger, after=datetime(2026, 10, 31, 12, tzinfo=UTC), count=3)
    days = [f.astimezone(ZoneInfo("America/New_York")).date().isoformat() for f in fires]
    assert days == ["2026-11-01", "2026-11-02", "2026-11-03"]  # 1 Nov 01:30 happens twice; posted once
