"""`schedule` / `提醒` in chat: PM-only management, clear bilingual errors, nothing stored on bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.models import AgendaItem, Schedule, SyncAbsence
from tests.fakes.harness import Harness


def _count(bot: Harness) -> int:
    with bot.services.db.session() as session:
        return len(list(session.exec(select(Schedule))))


def test_pm_adds_a_weekly_sync_and_sees_the_next_runs(bot: Harness) -> None:
    reply = bot.say(
        "schedule add sync weekly mon 10:00 channels:slack:C0123,feishu:oc_abc calendar:cn", user="UPM"
    )[0]
    assert reply.where == "ephemeral" and reply.color == "success"
    assert reply.title == "Schedule #1 added"
    fields = {f.label: f.value for f in reply.fields}
    assert fields["Channels"] == "slack:C0123, feishu:oc_abc"
    assert fields["Next runs"].startswith("Mon 2026-11-30 10:00")
    with bot.services.db.session() as session:
        row = session.get(Schedule, 1)
    assert (
        row is not None
        and row.cron == "0 10 * * mon"
        and row.timezone == "Asia/Shanghai"
        and row.calendar == "cn"
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("utc", "UTC"), ("asia/shanghai", "Asia/Shanghai"), ("AMERICA/NEW_YORK", "America/New_York")],
)
def test_time_zone_names_are_read_whatever_their_case(bot: Harness, typed: str, stored: str) -> None:
    """`tz:utc` and `tz:asia/shanghai` were refused as unknown time zones."""
    reply = bot.say(f"schedule add digest daily 09:30 tz:{typed} channels:slack:C1", user="UPM")[0]
    assert reply.color == "success" and f"({stored})" in reply.text
    with bot.services.db.session() as session:
        assert session.exec(select(Schedule)).one().timezone == stored


def test_defaults_to_this_channel_and_the_configured_timezone(bot: Harness) -> None:
    bot.say("schedule add digest daily 09:30", user="UPM", channel="CHERE", platform="feishu")
    with bot.services.db.session() as session:
        row = session.exec(select(Schedule)).one()
    assert row.channels == "feishu:CHERE" and row.timezone == "Asia/Shanghai" and row.calendar == "none"


def test_chinese_alias_and_options(bot: Harness) -> None:
    reply = bot.say(
        "提醒 add lscpa 每周 周三 15:30 频道:feishu:oc_x 时区:America/New_York 日历:us",
        user="ou_pm",
        platform="feishu",
    )[0]
    assert reply.color == "success", reply
    assert "已添加定时任务" in (reply.title or "")  # answered in the asker's language


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("schedule add", "Say what to schedule"),
        ("schedule add meeting weekly mon 10:00", "Unknown kind 'meeting'"),
        ("schedule add sync", "When should it run"),
        ("schedule add sync weekly funday 10:00", "'funday' is not a weekday"),
        ('schedule add sync "61 10 * * 1"', "Invalid cron expression"),
        ("schedule add sync weekly mon 10:00 tz:Mars/Olympus", "Unknown timezone 'Mars/Olympus'"),
        ("schedule add sync weekly mon 10:00 tz:UTC+8", "is an offset, not a time zone"),
        ("schedule add sync weekly mon 10:00 tz:GMT-5", "`tz:Asia/Shanghai` (UTC+8)"),
        ("schedule add sync weekly mon 10:00 calendar:narnia", "Unknown holiday calendar"),
        ("schedule add sync weekly mon 10:00 channels:teams:C1", "must look like `slack:C0123`"),
        ("schedule add sync weekly mon 10:00 tz:UTC tz:UTC", "given twice"),
        # an option with no value used to fall back to the default silently (tz: → Asia/Shanghai)
        ("schedule add digest daily 09:30 tz:", "Option `tz:` has no value"),
        ("schedule add digest daily 09:30 calendar: tz:UTC", "Option `calendar:` has no value"),
        ("提醒 add digest daily 09:30 时区：", "Option `tz:` has no value"),
        ("schedule add digest daily 09:30 channels:", "Option `channels:` has no value"),
        ("schedule frobnicate", "Unknown subcommand"),
        ("schedule list 1", "`schedule list` takes nothing after it"),  # was the whole list, '1' ignored
        ("提醒 列表 全部", "`schedule list` takes nothing after it"),
        ("schedule pause", "exactly one schedule id"),
        ("schedule pause abc", "schedule id like #12"),
        ("schedule run 99", "no schedule #99"),
    ],
)
def test_bad_input_gets_a_bilingual_usage_message_and_nothing_is_stored(
    bot: Harness, args: str, expected: str
) -> None:
    reply = bot.say(args, user="UPM")[0]
    assert reply.where == "ephemeral" and reply.color == "warning"
    assert expected in reply.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply.text)  # the Chinese half is there too
    assert _count(bot) == 0


def test_channels_on_a_platform_that_is_not_connected_are_refused(bot: Harness) -> None:
    del bot.services.ports["feishu"]
    reply = bot.say("schedule add digest daily 09:30 channels:slack:C1,feishu:oc_1", user="UPM")[0]
    assert "feishu is not connected" in reply.text and "未接入" in reply.text and _count(bot) == 0


def test_add_in_a_dm_needs_channels(bot: Harness) -> None:
    reply = bot.say("schedule add digest daily 09:30", user="UPM", dm=True)[0]
    assert "name the channels" in reply.text and _count(bot) == 0


def test_sales_reps_can_list_but_not_change(bot: Harness) -> None:
    bot.say("schedule add digest daily 09:30 channels:slack:C1", user="UPM")
    for command in (
        "schedule add digest daily 09:30",
        "schedule pause 1",
        "schedule remove 1",
        "schedule run 1",
    ):
        reply = bot.say(command, user="U1")[0]
        assert reply.where == "ephemeral" and "pm or admin" in reply.text, command
    assert _count(bot) == 1
    listed = bot.say("schedule list", user="U1")[0]
    assert listed.fields[0].label == "#1 Daily sales digest" and "next " in listed.fields[0].value
    assert bot.slack.posted == []


def test_pause_resume_remove_and_run(bot: Harness) -> None:
    bot.say("schedule add digest daily 09:30 channels:slack:C1", user="UPM")
    assert "paused" in bot.say("schedule pause 1", user="UADMIN")[0].text
    assert "paused" in bot.say("schedule list", user="U1")[0].fields[0].value
    assert "resumed" in bot.say("schedule resume #1", user="UPM")[0].text
    assert "1 channel" in bot.say("schedule run 1", user="UPM")[0].text
    assert len(bot.slack.to(conversation="C1")) == 1
    assert "removed" in bot.say("schedule remove 1", user="UPM")[0].text
    assert _count(bot) == 0
    assert "No schedules yet" in bot.say("schedule", user="U1")[0].text


def test_pausing_twice_says_it_is_already_paused_and_resuming_a_running_one_says_so(bot: Harness) -> None:
    bot.say("schedule add digest daily 09:30 channels:slack:C1", user="UPM")
    first = bot.say("schedule pause 1", user="UPM")[0]
    assert first.text == "Schedule #1 paused." and first.color == "success"
    again = bot.say("schedule pause 1", user="UPM")[0]
    assert "Schedule #1 is already paused" in again.text and "已经是暂停状态" in again.text
    assert again.color == "info" and again.where == "ephemeral"
    assert bot.say("schedule resume 1", user="UPM")[0].text == "Schedule #1 resumed."
    with bot.services.db.session() as session:
        resumed_at = session.get(Schedule, 1).last_slot  # type: ignore[union-attr]
    bot.clock.advance(timedelta(minutes=5))
    running = bot.say("schedule resume 1", user="UPM")[0]
    assert "Schedule #1 is not paused" in running.text and "没有暂停" in running.text
    with bot.services.db.session() as session:
        row = session.get(Schedule, 1)
    assert row is not None and not row.paused and row.last_slot == resumed_at  # nothing touched


@pytest.mark.parametrize(
    ("when", "en", "zh"),
    [
        ("digest daily 09:30", "Daily sales digest", "销售日报"),
        ("digest weekdays 09:30", "Daily sales digest", "销售日报"),
        ("digest weekly fri 17:00", "Weekly sales digest", "销售周报"),
        ("digest monthly 1 10:00", "Monthly sales digest", "销售月报"),
        ('digest "0 9,17 * * *"', "Sales digest", "销售简报"),
        ("pm-digest weekly mon 09:00", "Weekly PM digest", "产品经理周报"),
        ("pm-digest daily 09:00", "Daily PM digest", "产品经理日报"),
        ("lscpa weekly mon 09:00", "LSCPA objection practice", "LSCPA 异议处理练习"),
        ("sync weekly mon 10:00", "Weekly sync reminder", "周同步会提醒"),
    ],
)
def test_added_listed_and_posted_under_the_same_proper_name(
    bot: Harness, when: str, en: str, zh: str
) -> None:
    added = bot.say(f"schedule add {when} channels:slack:C1", user="UPM")[0]
    assert added.text.startswith(f"{en}: `")  # not "Pm digest" / "Lscpa objection practice"
    assert bot.say("schedule list", user="U1")[0].fields[0].label == f"#1 {en}"
    assert bot.say("提醒 列表", user="ou_pm", platform="feishu")[0].fields[0].label == f"#1 {zh}"
    if not when.startswith(("lscpa", "sync")):  # a digest's post is titled by its frequency too
        bot.say("schedule run 1", user="UPM")
        assert bot.slack.to(conversation="C1")[0].reply.title == f"{en} / {zh}"


@pytest.mark.parametrize(
    ("when", "title"),
    [
        ("weekly mon 10:00", "Weekly product–sales sync / 产品–销售周同步会"),
        ("daily 10:00", "Daily product–sales sync / 产品–销售每日同步会"),
        ("monthly 3 10:00", "Monthly product–sales sync / 产品–销售月度同步会"),
        ('"0 10 * * mon,thu"', "Product–sales sync / 产品–销售同步会"),
    ],
)
def test_the_sync_post_says_how_often_the_sync_is_held(bot: Harness, when: str, title: str) -> None:
    bot.say(f"schedule add sync {when} channels:slack:C1", user="UPM")
    bot.say("schedule run 1", user="UPM")
    assert bot.slack.to(conversation="C1")[0].reply.title == title


def test_list_warns_when_chinese_holiday_data_is_missing_for_the_year(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 6, 1, tzinfo=UTC))
    bot.say("schedule add sync weekly mon 10:00 channels:slack:C1 calendar:cn", user="UPM")
    assert "⚠️" not in bot.say("schedule list", user="U1")[0].fields[0].value  # 2026 is covered
    bot.clock.set(datetime(2026, 12, 20, tzinfo=UTC))  # 2027 starts within the look-ahead; not installed
    value = bot.say("schedule list", user="U1")[0].fields[0].value
    assert "Chinese holiday data for 2027 is not installed" in value and "2027 年" in value
    # the Spring Festival is still skipped without the data: the warning says what is unknown, nothing more
    assert "statutory public holidays are skipped" in value and "法定节假日照常跳过" in value
    assert "Monday–Friday are treated as working days" not in value and "按周一至周五为工作日" not in value


def test_help_explains_the_command(bot: Harness) -> None:
    reply = bot.say("help schedule", user="U1")[0]
    assert "calendar" in reply.text and "schedule add sync" in reply.text


def test_chinese_schedule_replies_name_weekdays_in_chinese(bot: Harness) -> None:
    [added] = bot.say("提醒 add sync 每周 周一 10:00 频道:feishu:oc_abc 日历:cn", user="UPM")
    fields = {f.label: f.value for f in added.fields}
    assert fields["接下来运行"].startswith("周一 2026-11-30 10:00")
    assert not any(day in fields["接下来运行"] for day in ("Mon", "Tue", "Fri"))
    [listed] = bot.say("提醒 列表", user="UPM")
    assert "下次 周一 2026-11-30 10:00" in listed.fields[0].value


def test_agenda_items_and_absences_only_for_a_sync(bot: Harness) -> None:
    """`schedule agenda 1 …` on a digest answered 'Added to the next sync agenda' and the item was never
    shown anywhere; `schedule absent 1` recorded an absence from a digest."""
    bot.say("schedule add digest daily 09:30 channels:slack:C1", user="UPM")
    for typed in ("schedule agenda 1 Pricing of the EU plan", "schedule absent 1", "提醒 请假 1"):
        [reply] = bot.say(typed, user="U3")
        assert reply.color == "warning" and "is a Daily sales digest, not a sync" in reply.text, typed
        assert "是销售日报，不是同步会" in reply.text
    with bot.services.db.session() as session:
        assert not list(session.exec(select(AgendaItem))) and not list(session.exec(select(SyncAbsence)))
