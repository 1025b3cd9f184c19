"""Running a schedule on a controllable clock: the due slot posts once, missed slots coalesce within the
grace time, holidays skip, make-up workdays run, a second process/run never double-posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.errors import DeliveryError
from bot.models import Schedule
from services.schedules.posting import run_schedule, run_schedule_detailed
from tests.fakes.harness import Harness
from tests.jobs.helpers import add_schedule, reload


def test_due_slot_posts_once_to_every_channel(bot: Harness) -> None:
    schedule = add_schedule(
        bot, "digest weekly mon 10:00 channels:slack:CSALES,feishu:oc_sales tz:Asia/Shanghai"
    )
    assert (
        run_schedule(services=bot.services, schedule_id=schedule.id) == 0
    )  # created at 10:00 sharp: nothing due
    bot.clock.set(datetime(2026, 11, 30, 2, 0, 30, tzinfo=UTC))  # next Monday 10:00:30 Shanghai
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 2
    assert [p.address.conversation for p in bot.slack.posted] == ["CSALES"]
    assert [p.address.conversation for p in bot.feishu.posted] == ["oc_sales"]
    assert "Weekly sales digest" in bot.slack.posted[0].reply.plain_text()
    # the same slot again (APScheduler fired twice, or a second leader): nothing new
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 0
    assert len(bot.slack.posted) == 1 and len(bot.feishu.posted) == 1
    assert reload(bot, schedule.id).last_slot is not None


def test_missed_slots_within_grace_post_once_and_older_ones_are_dropped(bot: Harness) -> None:
    schedule = add_schedule(bot, "digest daily 09:00 channels:slack:C9 tz:UTC")
    bot.clock.set(datetime(2026, 11, 23, 9, 40, tzinfo=UTC))  # restarted 40 min late: within the 1 h grace
    result = run_schedule_detailed(services=bot.services, schedule_id=schedule.id)
    assert result.posted == 1 and result.slot == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    bot.clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))  # down for three days, 3 h past the last slot
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 0
    assert len(bot.slack.posted) == 1
    bot.clock.set(datetime(2026, 11, 27, 9, 0, 5, tzinfo=UTC))
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1


def test_outbox_dedupe_key_stops_a_second_process_from_double_posting(bot: Harness) -> None:
    schedule = add_schedule(bot, "digest daily 09:00 channels:slack:C9 tz:UTC")
    bot.clock.set(datetime(2026, 11, 24, 9, 0, 1, tzinfo=UTC))
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1
    # another process read the schedule row before the first one stored last_slot
    with bot.services.db.session() as session:
        row = session.get(Schedule, schedule.id)
        assert row is not None
        row.last_slot = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        session.add(row)
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 0
    assert len(bot.slack.posted) == 1


def test_cn_calendar_skips_a_holiday_and_posts_on_the_make_up_saturday(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 9, 28, 0, 0, tzinfo=UTC))
    schedule = add_schedule(bot, "digest weekdays 09:30 channels:slack:CCN tz:Asia/Shanghai calendar:cn")
    thursday_holiday = datetime(2026, 10, 1, 1, 30, 10, tzinfo=UTC)  # 09:30 Shanghai, National Day
    bot.clock.set(thursday_holiday)
    result = run_schedule_detailed(services=bot.services, schedule_id=schedule.id)
    assert result.posted == 0 and "National Day" in result.skipped_reason
    assert "National Day" in reload(bot, schedule.id).last_note
    [listed] = bot.say("提醒 列表", user="UPM")  # the reason in the reader's language, the holiday's name too
    assert "上次跳过：2026-10-01 是中国法定节假日（国庆节）" in listed.fields[0].value
    [listed] = bot.say("schedule list", user="UPM")
    assert "last skipped: 2026-10-01 is a Chinese public holiday (National Day)" in listed.fields[0].value
    bot.clock.set(datetime(2026, 10, 10, 1, 30, 10, tzinfo=UTC))  # Saturday, 调休 workday
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1
    assert "make-up workday" in " ".join(bot.slack.posted[0].reply.context)
    bot.clock.set(datetime(2026, 10, 11, 1, 30, 10, tzinfo=UTC))  # Sunday 11 Oct: ordinary weekend
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 0
    bot.clock.set(datetime(2026, 10, 12, 1, 30, 10, tzinfo=UTC))  # Monday
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1


def test_paused_schedules_do_not_post_and_resume_does_not_backfill(bot: Harness) -> None:
    schedule = add_schedule(bot, "digest daily 09:00 channels:slack:C9 tz:UTC")
    bot.say(f"schedule pause {schedule.id}", user="UPM")
    bot.clock.set(datetime(2026, 11, 23, 9, 10, tzinfo=UTC))
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 0
    bot.say(f"schedule resume {schedule.id}", user="UPM")
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 0
    bot.clock.advance(timedelta(days=1))
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1


def test_failed_channel_send_is_queued_in_the_outbox_and_counted(bot: Harness) -> None:
    schedule = add_schedule(bot, "digest daily 09:00 channels:slack:C9 tz:UTC")
    bot.slack.fail_next.append(DeliveryError("rate limited", retry_after=1))
    bot.clock.set(datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC))
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1
    assert bot.slack.posted == []
    bot.clock.advance(seconds=5)
    assert bot.services.outbox.flush() == 1
    assert len(bot.slack.posted) == 1


def test_dst_fall_back_repeats_01_30_but_it_posts_once(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 10, 31, 12, tzinfo=UTC))
    schedule = add_schedule(bot, "digest daily 01:30 channels:slack:CNY tz:America/New_York")
    bot.clock.set(datetime(2026, 11, 1, 5, 30, 5, tzinfo=UTC))  # 01:30 EDT
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1
    bot.clock.set(datetime(2026, 11, 1, 6, 30, 5, tzinfo=UTC))  # 01:30 EST, an hour later: same local slot
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 0
    bot.clock.set(datetime(2026, 11, 2, 6, 30, 5, tzinfo=UTC))  # next day 01:30 EST
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1
    assert len(bot.slack.posted) == 2
