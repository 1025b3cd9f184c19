"""The announcement jobs with the frozen clock: scheduled posts, acknowledgement reminders, end-of-sale
reminders, launch milestones. Each job is idempotent: a second run posts nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.messages import Button
from bot.models import OutboxMessage
from jobs.announcements import (
    deliver_due_announcements,
    post_eos_reminders,
    post_launch_milestones,
    remind_unacknowledged,
)
from salesbridge.app import build_services
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import (
    PM,
    announcements,
    draft,
    eos_text,
    publish,
    release_text,
    seed_members,
)


def _at(day: str, hour: int = 10) -> datetime:
    """`hour` o'clock in Shanghai (UTC+8) on `day`, as UTC."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


def _ack(bot: Harness, announcement_id: int, user: str, platform: str = "slack") -> None:
    bot.click(
        Button(action_id="announce.ack", label="", value=str(announcement_id)), user=user, platform=platform
    )


# --- scheduled posts -----------------------------------------------------------------------------------


def test_scheduled_announcement_is_posted_when_due_and_only_once(bot: Harness) -> None:
    preview = draft(bot, release_text(extra="at:2026-11-24 09:30"))
    assert [b.action_id for b in preview.buttons] == ["announce.cancel"]
    assert any("Scheduled for 2026-11-24 09:30 (Asia/Shanghai)" in note for note in preview.context)
    assert announcements(bot)[0].status == "scheduled"
    assert deliver_due_announcements(bot.services) == 0
    bot.clock.set(_at("2026-11-24", 9) + timedelta(minutes=29))
    assert deliver_due_announcements(bot.services) == 0
    bot.clock.set(_at("2026-11-24", 9) + timedelta(minutes=30))
    assert deliver_due_announcements(bot.services) == 2
    assert deliver_due_announcements(bot.services) == 0
    assert [p.address.conversation for p in bot.slack.posted if p.address.conversation] == ["C9"]
    [note] = bot.slack.to(user=PM)
    assert "was posted to slack:C9, feishu:oc_1" in note.reply.text
    assert [p.address.conversation for p in bot.feishu.posted] == ["oc_1"]
    assert announcements(bot)[0].status == "published"


def test_cancelled_scheduled_announcement_is_never_posted(bot: Harness) -> None:
    preview = draft(bot, release_text(extra="at:2026-11-24T09:30"))
    [cancelled] = bot.click(preview.buttons[0], user=PM)
    assert "cancelled" in cancelled.text
    bot.clock.set(_at("2026-11-25"))
    assert deliver_due_announcements(bot.services) == 0 and bot.slack.posted == []


def test_scheduled_confirm_button_is_not_offered_but_confirm_cannot_double_post(bot: Harness) -> None:
    preview = draft(bot, release_text(extra="at:2026-11-24T09:30"))
    bot.clock.set(_at("2026-11-24"))
    assert deliver_due_announcements(bot.services) == 2
    [late_cancel] = bot.click(preview.buttons[0], user=PM)  # a scheduled preview offers only Cancel
    assert "already published and cannot be cancelled" in late_cancel.text and "无法取消" in late_cancel.text
    assert len(bot.slack.to(conversation="C9")) == 1  # posted once, and still there


# --- acknowledgement reminders -------------------------------------------------------------------------------


@pytest.fixture
def reminding_bot(sqlite_url: str) -> Iterator[Harness]:
    harness = Harness.create(
        sqlite_url, migrate=False, SALESBRIDGE_ACK_REMINDER_HOURS="24", SALESBRIDGE_ACK_REMINDER_MAX="2"
    )
    yield harness
    harness.close()


def _dms(bot: Harness) -> list[tuple[str, str]]:
    return [
        (p.address.platform, p.address.user or "")
        for port in (bot.slack, bot.feishu)
        for p in port.posted
        if p.address.user
        and not p.address.conversation
        and p.reply.title
        and "Please acknowledge" in p.reply.title
    ]


def test_non_acknowledgers_are_reminded_after_the_delay_at_most_n_times(reminding_bot: Harness) -> None:
    bot = reminding_bot
    seed_members(bot)  # slack C9: U1, U2, UPM (author); feishu oc_1: ou_1, ou_2
    announcement_id = publish(bot, release_text())
    _ack(bot, announcement_id, "U1")
    start = bot.clock.now()
    bot.clock.set(start + timedelta(hours=23, minutes=59))
    assert remind_unacknowledged(bot.services) == 0
    bot.clock.set(start + timedelta(hours=24))
    assert remind_unacknowledged(bot.services) == 3
    assert sorted(_dms(bot)) == [("feishu", "ou_1"), ("feishu", "ou_2"), ("slack", "U2")]
    assert remind_unacknowledged(bot.services) == 0  # idempotent within the interval
    reminder = next(p for p in bot.slack.posted if p.address.user == "U2")
    assert reminder.reply.buttons[0].action_id == "announce.ack"
    assert "Reminder 1" in reminder.reply.context[0]
    _ack(bot, announcement_id, "ou_1", platform="feishu")
    bot.clock.set(start + timedelta(hours=48))
    assert remind_unacknowledged(bot.services) == 2  # U2 and ou_2, round 2
    bot.clock.set(start + timedelta(hours=96))
    assert remind_unacknowledged(bot.services) == 0  # at most two reminders
    assert sorted(_dms(bot)) == [
        ("feishu", "ou_1"),
        ("feishu", "ou_2"),
        ("feishu", "ou_2"),
        ("slack", "U2"),
        ("slack", "U2"),
    ]


def test_a_long_outage_does_not_send_several_rounds_at_once(reminding_bot: Harness) -> None:
    bot = reminding_bot
    seed_members(bot)
    publish(bot, release_text(channels="slack:C9"))
    bot.clock.advance(hours=80)
    assert remind_unacknowledged(bot.services) == 2  # U1 and U2, round 1 only
    bot.clock.advance(hours=1)
    assert remind_unacknowledged(bot.services) == 0  # round 2 waits a full interval after round 1
    bot.clock.advance(hours=23)
    assert remind_unacknowledged(bot.services) == 2
    bot.clock.advance(hours=48)
    assert remind_unacknowledged(bot.services) == 0


def test_reminders_can_be_switched_off(sqlite_url: str) -> None:
    bot = Harness.create(sqlite_url, migrate=False, SALESBRIDGE_ACK_REMINDER_MAX="0")
    try:
        seed_members(bot)
        publish(bot, release_text())
        bot.clock.advance(hours=48)
        assert remind_unacknowledged(bot.services) == 0
    finally:
        bot.close()


def test_member_in_two_channels_gets_one_dm_per_round(reminding_bot: Harness) -> None:
    bot = reminding_bot
    bot.slack.channel_members.update({"C9": ["U2"], "C8": ["U2", "U3"]})
    publish(bot, release_text(channels="slack:C9,slack:C8"))
    bot.clock.advance(hours=25)
    assert remind_unacknowledged(bot.services) == 2
    assert sorted(u for _, u in _dms(bot)) == ["U2", "U3"]


# --- end-of-sale reminders ---------------------------------------------------------------------------------


def test_eos_reminders_at_t60_t30_t7_in_the_same_channels(bot: Harness) -> None:
    announcement_id = publish(bot, eos_text(dates={"last-order": "2027-06-30"}))
    assert post_eos_reminders(bot.services) == 0
    posted = len(bot.slack.posted)
    bot.clock.set(_at("2027-04-30", 8))  # T-61 … then T-60 but before 09:00
    assert post_eos_reminders(bot.services) == 0
    bot.clock.set(_at("2027-05-01", 8))
    assert post_eos_reminders(bot.services) == 0  # T-60, not working hours yet
    bot.clock.set(_at("2027-05-01", 9))
    assert post_eos_reminders(bot.services) == 2
    assert post_eos_reminders(bot.services) == 0
    reminder = bot.slack.posted[posted].reply
    assert reminder.title is not None and "60 days to the last order of LegacyDB" in reminder.title
    assert "距 LegacyDB 最后订购日还有 60 天" in reminder.title
    assert bot.slack.posted[posted].address.conversation == "C9"
    assert bot.feishu.posted[-1].address.conversation == "oc_1"
    assert reminder.buttons[0].value == str(announcement_id)
    bot.clock.set(_at("2027-05-02"))
    assert post_eos_reminders(bot.services) == 0
    bot.clock.set(_at("2027-05-31"))
    assert post_eos_reminders(bot.services) == 2  # T-30
    bot.clock.set(_at("2027-06-25"))  # T-5: the T-7 run was missed (outage); caught up once
    assert post_eos_reminders(bot.services) == 2
    assert "5 days" in (bot.slack.posted[-1].reply.title or "")
    assert post_eos_reminders(bot.services) == 0
    bot.clock.set(_at("2027-07-01"))
    assert post_eos_reminders(bot.services) == 0  # past the last-order date


def test_late_notice_skips_reminders_that_would_precede_it(bot: Harness) -> None:
    publish(bot, eos_text(dates={"last-order": "2027-01-10"}))  # 48 days away: T-60 and T-30 already gone
    posted = len(bot.slack.posted)
    bot.clock.set(_at("2026-12-11"))  # T-30
    assert post_eos_reminders(bot.services) == 2
    bot.clock.set(_at("2027-01-03"))  # T-7
    assert post_eos_reminders(bot.services) == 2
    assert len(bot.slack.posted) == posted + 2


def test_eos_reminder_days_are_configurable(sqlite_url: str) -> None:
    bot = Harness.create(sqlite_url, migrate=False, SALESBRIDGE_EOS_REMINDER_DAYS="14")
    try:
        publish(bot, eos_text(dates={"last-order": "2027-06-30"}))
        bot.clock.set(_at("2027-05-01"))
        assert post_eos_reminders(bot.services) == 0
        bot.clock.set(_at("2027-06-16"))
        assert post_eos_reminders(bot.services) == 2
    finally:
        bot.close()


# --- launch milestones ---------------------------------------------------------------------------------------


MILESTONE_DAYS = {
    "T-90": "2026-12-01",
    "T-60": "2026-12-31",
    "T-30": "2027-01-29",  # 30 January 2027 is a Saturday: the Friday before
    "T0": "2027-03-01",
    "T+30": "2027-03-31",
    "T+90": "2027-05-28",  # 30 May 2027 is a Sunday
}


def test_launch_milestones_are_posted_on_their_days_with_their_checklists(bot: Harness) -> None:
    bot.say("launch CloudDB 3 date:2027-03-01 channels:slack:C9,feishu:oc_1", user=PM)
    bot.slack.clear()
    for label, day in MILESTONE_DAYS.items():
        previous = datetime.fromisoformat(day).date() - timedelta(days=1)
        bot.clock.set(_at(previous.isoformat()))
        assert post_launch_milestones(bot.services) == 0, f"the day before {label}"
        bot.clock.set(_at(day))
        assert post_launch_milestones(bot.services) == 2, label
        assert post_launch_milestones(bot.services) == 0, label
        post = bot.slack.posted[-1].reply
        assert post.title is not None and f"CloudDB 3 launch {label}:" in post.title
        assert post.text.count("☐") == 4
        assert {f.label: f.value for f in post.fields}["Milestone date / 里程碑日期"] == day
    first = bot.slack.posted[0].reply
    assert "Positioning and competitive analysis done" in (first.title or "")
    assert "battle cards" in first.text and "竞争对比卡" in first.text
    assert len(bot.feishu.posted) == 6


def test_milestones_follow_the_schedule_timezone(sqlite_url: str) -> None:
    bot = Harness.create(sqlite_url, migrate=False, SALESBRIDGE_TIMEZONE="America/New_York")
    try:
        bot.say("launch CloudDB 3 date:2027-03-01 channels:slack:C9", user=PM)
        bot.slack.clear()
        bot.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # 05:00 in New York
        assert post_launch_milestones(bot.services) == 0
        bot.clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # 09:00 in New York
        assert post_launch_milestones(bot.services) == 1
    finally:
        bot.close()


def test_cancelled_and_late_created_launches(bot: Harness) -> None:
    bot.say("launch CloudDB 3 date:2027-03-01 channels:slack:C9", user=PM)
    bot.say("launch Edge Box date:2026-12-13 channels:slack:C8", user=PM)  # created at T-20
    bot.say("launch cancel 1", user=PM)
    bot.slack.clear()
    bot.clock.set(_at("2026-12-01"))  # T-90 of the cancelled plan
    assert post_launch_milestones(bot.services) == 0
    bot.clock.set(_at("2026-12-13"))
    assert post_launch_milestones(bot.services) == 1  # Edge Box T0; its T-30 predates the plan
    assert [p.address.conversation for p in bot.slack.posted] == ["C8"]
    bot.clock.set(_at("2027-02-01"))  # T+30 of Edge Box was on 2027-01-12: a missed run catches up once
    assert post_launch_milestones(bot.services) == 1
    assert "T+90" not in (bot.slack.posted[-1].reply.title or "") and "T+30" in (
        bot.slack.posted[-1].reply.title or ""
    )


def test_a_milestone_moved_to_a_day_before_the_plan_is_posted_the_day_the_plan_is_made(bot: Harness) -> None:
    # made on Saturday 28 Nov; T-30 of a 29 Dec launch is Sunday 29 Nov, moved to Friday 27 Nov: already past
    bot.clock.set(_at("2026-11-28"))
    [plan] = bot.say("launch Edge Box date:2026-12-29 channels:slack:C8", user=PM)
    t30 = next(line for line in plan.text.splitlines() if "**T-30**" in line)
    assert "2026-11-27 (from 2026-11-29" in t30 and "posted today" in t30 and "passed, not posted" not in t30
    assert post_launch_milestones(bot.services) == 1  # was 0: the T-30 checklist was never posted
    assert "T-30" in (bot.slack.posted[-1].reply.title or "")
    bot.clock.set(_at("2026-11-30"))
    assert post_launch_milestones(bot.services) == 0  # once


def test_scheduled_eos_notice_becomes_knowledge_when_posted(bot: Harness) -> None:
    draft(bot, eos_text(at="2026-11-24T08:00"))
    assert bot.services.knowledge.documents(kind="eos") == []
    bot.clock.set(_at("2026-11-24", 8))
    assert deliver_due_announcements(bot.services) == 2
    assert [d.path for d in bot.services.knowledge.documents(kind="eos")] == ["eos:1"]
    [note] = bot.slack.to(user=PM)
    assert "Questions about LegacyDB now get the end-of-sale note" in note.reply.text


def test_a_job_in_a_process_without_the_port_never_counts_the_message_as_delivered(bot: Harness) -> None:
    """`jobs run system:announcements.deliver_due` in another shell than the console: the post waits in the
    outbox, unsent, until the console's process sends it."""
    bot.console.channel_members["general"] = ["you", "lily"]
    preview = draft(bot, release_text(channels="console:general", extra="at:2026-11-24 09:30"))
    assert "Scheduled" in " ".join(preview.context)
    other_shell = build_services(
        bot.services.settings, ports={"slack": bot.slack}, clock=bot.clock, db=bot.services.db
    )
    bot.clock.set(_at("2026-11-24", 10))
    assert deliver_due_announcements(other_shell) >= 1
    assert bot.console.posted == []
    with bot.services.db.session() as session:
        rows = [r for r in session.exec(select(OutboxMessage)) if r.platform == "console"]
    assert rows and all(r.status == "pending" and r.sent_at is None for r in rows)
    assert other_shell.outbox.flush() == 0  # the other shell cannot send it, and does not give up on it
    assert other_shell.outbox.waiting_elsewhere() == {"console": len(rows)}
    assert bot.services.outbox.flush() == len(rows)  # the console process sends it
    assert [p.address.conversation for p in bot.console.posted if p.address.conversation] == ["general"]
    assert bot.services.outbox.waiting_elsewhere() == {}


def test_milestones_are_posted_on_the_days_of_the_plans_calendar(bot: Harness) -> None:
    # the setting says cn; a plan with calendar:none posts T-30 of a 2027-06-01 launch on 2 May itself
    bot.say("launch CloudDB 3 date:2027-06-01 channels:slack:C9 calendar:none", user=PM)
    bot.say("launch Edge Box date:2027-06-01 channels:slack:C8", user=PM)  # the setting's calendar: cn
    bot.clock.set(_at("2027-04-29"))
    assert post_launch_milestones(bot.services) == 2  # both plans' T-60 (2 April)
    bot.clock.set(_at("2027-04-30"))
    bot.slack.clear()
    assert post_launch_milestones(bot.services) == 1  # only the cn plan moved T-30 to 30 April
    assert bot.slack.posted[0].address.conversation == "C8"
    bot.clock.set(_at("2027-05-02"))
    assert post_launch_milestones(bot.services) == 1
    assert bot.slack.posted[-1].address.conversation == "C9"
