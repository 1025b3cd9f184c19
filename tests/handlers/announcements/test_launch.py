"""`launch` / `上市`: creating, listing and cancelling launch plans."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.models import LaunchPlan
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import PM


def _plans(bot: Harness) -> list[LaunchPlan]:
    with bot.services.db.session() as session:
        return list(session.exec(select(LaunchPlan)))


def test_launch_creates_the_milestone_plan(bot: Harness) -> None:
    [reply] = bot.say("launch CloudDB 3 date:2027-03-01 channels:slack:C9,feishu:oc_1", user=PM)
    assert reply.title == "Launch plan #1: CloudDB 3 on 2027-03-01 / 上市计划 #1：CloudDB 3"
    lines = reply.text.splitlines()
    assert lines[0].startswith("• **T-90** 2026-12-01: Positioning and competitive analysis done")
    assert [line.split("**")[1] for line in lines] == ["T-90", "T-60", "T-30", "T0", "T+30", "T+90"]
    assert "2027-05-28 (from 2027-05-30, not a working day" in lines[-1]  # 30 May 2027 is a Sunday
    assert lines[-1].endswith(": Quarter review / 季度复盘")
    [plan] = _plans(bot)
    assert plan.targets == "slack:C9,feishu:oc_1" and plan.status == "active"


def test_a_chinese_launch_date_is_understood(bot: Harness) -> None:
    [reply] = bot.say("上市 云数据库 日期:2027年3月1日 频道:feishu:oc_1", user=PM)
    assert reply.title == "Launch plan #1: 云数据库 on 2027-03-01 / 上市计划 #1：云数据库"
    [yearless] = bot.say("上市 云数据库 日期:3月1日 频道:feishu:oc_1", user=PM)
    assert "缺少年份" in yearless.text and len(_plans(bot)) == 1


def test_milestones_already_passed_are_marked(bot: Harness) -> None:
    [reply] = bot.say("上市 CloudDB 3 日期:2026-12-30 频道:feishu:oc_1", user=PM)
    passed = [line for line in reply.text.splitlines() if "passed" in line]
    assert [line.split("**")[1] for line in passed] == ["T-90", "T-60"]


def test_launch_list_and_cancel(bot: Harness) -> None:
    bot.say("launch CloudDB 3 date:2027-03-01 channels:slack:C9", user=PM)
    bot.say("launch Edge Box date:2026-12-01 channels:slack:C9", user=PM)
    [listing] = bot.say("launch list", user=PM)
    assert [f.label for f in listing.fields] == [
        "#2 Edge Box — 2026-12-01 (cn)",
        "#1 CloudDB 3 — 2027-03-01 (cn)",
    ]
    assert listing.fields[1].value.startswith("T-90 2026-12-01")
    assert listing.fields[0].value.startswith("T0 2026-12-01")
    [cancelled] = bot.say("launch cancel #2", user=PM)
    assert "cancelled" in cancelled.text and "已取消" in cancelled.text
    [again] = bot.say("launch cancel 2", user=PM)
    assert "already cancelled" in again.text
    [listing] = bot.say("launch list", user=PM)
    assert [f.label for f in listing.fields] == ["#1 CloudDB 3 — 2027-03-01 (cn)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("launch", "Name the product"),
        ("launch CloudDB", "date:"),
        ("launch date:2027-03-01 channels:slack:C9", "product"),
        ("launch CloudDB date:2027-03-01", "channels:"),
        ("launch CloudDB date:soon channels:slack:C9", "not a valid date"),
        ("launch CloudDB date:2026-01-01 channels:slack:C9", "in the past"),
        ("launch CloudDB date:9999-12-31 channels:slack:C9", "more than 10 years ahead"),  # T+90 overflowed
        ("launch CloudDB date:2207-03-01 channels:slack:C9", "check the year"),
        ("launch CloudDB date:2027-03-01 channels:nowhere", "No audience named"),
        ("launch cancel", "needs one launch id"),
        (
            "launch list all",
            "`launch list` takes nothing after it (got 'all')",
        ),  # was "needs: date:, channels:"
        ("launch cancel x", "Expected a launch id"),
        ("launch cancel 42", "no launch plan #42"),
    ],
)
def test_launch_bad_input(bot: Harness, text: str, expected: str) -> None:
    [reply] = bot.say(text, user=PM)
    assert reply.where == "ephemeral" and expected in reply.text, reply.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply.text)
    assert _plans(bot) == []


def test_the_same_launch_twice_is_refused_and_a_second_date_is_pointed_out(bot: Harness) -> None:
    bot.say("launch CloudDB 3 date:2027-03-01 channels:slack:C9", user=PM)
    [again] = bot.say("launch clouddb 3  date:2027/3/1 channels:feishu:oc_1", user=PM)
    assert "Launch plan #1 already covers CloudDB 3 on 2027-03-01" in again.text and "重复发送" in again.text
    assert len(_plans(bot)) == 1  # was a second plan: every milestone posted twice
    [moved] = bot.say("launch CloudDB 3 date:2027-04-01 channels:slack:C9", user=PM)
    assert (moved.title or "").startswith("Launch plan #2")
    assert any("Plan #1 for CloudDB 3 on 2027-03-01 is active too" in note for note in moved.context)


def test_launch_is_for_pms(bot: Harness) -> None:
    [refused] = bot.say("launch CloudDB 3 date:2027-03-01 channels:slack:C9", user="U1")
    assert "pm" in refused.text and _plans(bot) == []
    [empty] = bot.say("launch list", user=PM)
    assert "No active launch plans" in empty.text


def test_milestones_on_a_holiday_move_to_the_previous_working_day(bot: Harness) -> None:
    # T-30 of a 2027-06-01 launch is 2 May 2027, inside the May Day holiday (1-4 May): 30 April
    [reply] = bot.say("launch CloudDB 3 date:2027-06-01 channels:slack:C9", user=PM)
    t30 = next(line for line in reply.text.splitlines() if "**T-30**" in line)
    assert t30.startswith("• **T-30** 2027-04-30 (from 2027-05-02")
    t0 = next(line for line in reply.text.splitlines() if "**T0**" in line)
    assert "2027-06-01:" in t0  # a Tuesday, a working day: unchanged


def test_the_launch_calendar_setting_decides_the_working_days(sqlite_url: str) -> None:
    bot = Harness.create(sqlite_url, SALESBRIDGE_LAUNCH_CALENDAR="none")
    try:
        [reply] = bot.say("launch CloudDB 3 date:2027-06-01 channels:slack:C9", user=PM)
        assert "• **T-30** 2027-05-02:" in reply.text
    finally:
        bot.close()


def test_a_plan_follows_its_own_calendar_option(bot: Harness) -> None:
    # the deployment's calendar is cn (May Day moves T-30 to 30 April); this plan is for a US launch
    [reply] = bot.say("launch CloudDB 3 date:2027-06-01 channels:slack:C9 calendar:none", user=PM)
    assert "• **T-30** 2027-05-02:" in reply.text and "`none`" in " ".join(reply.context)
    [us] = bot.say("上市 Edge Box 日期:2027-07-06 频道:slack:C9 日历:us", user=PM)
    # T-90 is 7 April 2027, a working Wednesday; T-30 6 June a Sunday → Friday 4 June; T+30 is 5 August
    assert "• **T-30** 2027-06-04 (from 2027-06-06" in us.text
    assert [p.calendar for p in _plans(bot)] == ["none", "us"]
    listing = bot.say("launch list", user=PM)[0]
    assert [f.label for f in listing.fields] == [
        "#1 CloudDB 3 — 2027-06-01 (none)",
        "#2 Edge Box — 2027-07-06 (us)",
    ]


def test_a_wrong_calendar_is_refused_in_both_languages_with_the_usage(bot: Harness) -> None:
    [typo] = bot.say("launch CloudDB 3 date:2027-06-01 channels:slack:C9 calender:us", user=PM)
    assert "did you mean `calendar:`" in typo.text and "calendar:cn" in typo.text  # the usage lists it
    [unknown] = bot.say("launch CloudDB 3 date:2027-06-01 channels:slack:C9 calendar:mars", user=PM)
    assert "Unknown holiday calendar" in unknown.text and "未知的节假日日历" in unknown.text
    assert "calendar:cn|us|none" in unknown.text and not _plans(bot)


def test_help_launch_explains_the_calendar_in_both_languages(bot: Harness) -> None:
    assert "previous working day" in bot.say("help launch", user=PM)[0].text
    assert "上一个工作日" in bot.say("帮助 上市", user=PM)[0].text
