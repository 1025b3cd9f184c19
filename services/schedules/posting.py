"""Run one schedule: find the slot that is due, check the holiday calendar, post to every channel once.

Deterministic on `services.now()`: the slot is the latest cron fire time after the last posted slot and
within the misfire grace time, so an APScheduler run that comes late (restart, coalesced misfires) posts
the slot it missed, and a second run for the same slot finds nothing to do. Every post carries the outbox
dedupe key `schedule:<id>:<slot>:<platform>:<channel>`.

Called by the scheduler (`jobs.scheduler`, at the slot) and by "run now" (`schedule run <id>` in chat,
`salesbridge jobs run <id>`), which posts at once whatever the calendar says.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import as_utc
from bot.errors import NotFound
from bot.messages import Address, Reply
from bot.models import Schedule
from bot.outbox import DeliveryStatus
from services.calendars import DayVerdict, verdict
from services.context import Services
from services.objections.practice import post_practice
from services.schedules.agenda import build_agenda, mark_agenda_items_used, pending_agenda_items
from services.schedules.digest import build_digest, build_pm_digest
from services.schedules.names import frequency
from services.schedules.store import load_schedule, parse_channels
from services.schedules.timing import build_trigger, latest_slot, wall_clock_key

logger = logging.getLogger(__name__)

MISFIRE_GRACE = timedelta(hours=1)  # a slot missed by at most this much still posts (once)


@dataclass(frozen=True)
class RunResult:
    posted: int
    slot: datetime | None
    skipped_reason: str = ""


def run_schedule(
    *, services: Services, schedule_id: int, force: bool = False, grace: timedelta = MISFIRE_GRACE
) -> int:
    """Post what is due for this schedule (or post now with `force`). Returns the number of posts."""
    return run_schedule_detailed(services=services, schedule_id=schedule_id, force=force, grace=grace).posted


def run_schedule_detailed(
    *, services: Services, schedule_id: int, force: bool = False, grace: timedelta = MISFIRE_GRACE
) -> RunResult:
    try:
        schedule = load_schedule(services=services, schedule_id=schedule_id)
    except NotFound:
        logger.warning("schedule %s no longer exists; nothing to run", schedule_id)
        return RunResult(posted=0, slot=None, skipped_reason="missing")
    now = services.now()
    tz = ZoneInfo(schedule.timezone)
    if force:
        slot = now.replace(second=0, microsecond=0)
        key_part = f"manual-{now.strftime('%Y%m%dT%H%M%S.%fZ')}"
        day_verdict = DayVerdict(run=True)
    else:
        if schedule.paused:
            return RunResult(posted=0, slot=None, skipped_reason="paused")
        trigger = build_trigger(cron=schedule.cron, timezone=schedule.timezone, calendar=schedule.calendar)
        last = as_utc(schedule.last_slot) if schedule.last_slot else None
        not_before = max(last, now - grace) if last else now - grace
        found = latest_slot(trigger, now=now, not_before=not_before)
        if found is None:
            return RunResult(posted=0, slot=None, skipped_reason="nothing due")
        slot = as_utc(found)
        key_part = wall_clock_key(found.astimezone(tz))  # one post per local slot, even on DST fall-back
        if last is not None and wall_clock_key(last.astimezone(tz)) == key_part:
            _mark(services=services, schedule_id=schedule_id, slot=slot, posted=False, note="")
            return RunResult(posted=0, slot=slot, skipped_reason="repeated wall-clock time (DST)")
        day_verdict = verdict(calendar=schedule.calendar, day=found.astimezone(tz).date())
        if not day_verdict.run:
            logger.info("schedule %s: slot %s skipped: %s", schedule_id, slot, day_verdict.reason_en)
            _mark(
                services=services,
                schedule_id=schedule_id,
                slot=slot,
                posted=False,
                note=day_verdict.reason_en,
            )
            return RunResult(posted=0, slot=slot, skipped_reason=day_verdict.reason_en)
    since = as_utc(schedule.last_posted_at) if schedule.last_posted_at else first_period_start(schedule, slot)
    reply: Reply | None = None
    agenda_ids: list[int] = []
    if schedule.kind != "lscpa":  # one message for every channel, built once
        if schedule.kind == "sync":
            agenda_ids = [
                i.id for i in pending_agenda_items(services=services, schedule_id=schedule_id) if i.id
            ]
        reply = compose(services=services, schedule=schedule, since=since, slot=slot)
        if day_verdict.note_en:
            reply = reply.model_copy(
                update={"context": [*reply.context, f"{day_verdict.note_en} / {day_verdict.note_zh}"]}
            )
    posted = 0
    for platform, channel in parse_channels(schedule.channels):
        address = Address(platform=platform, conversation=channel)
        dedupe_key = f"schedule:{schedule_id}:{key_part}:{platform}:{channel}"[:255]
        try:
            if _post(services=services, address=address, dedupe_key=dedupe_key, reply=reply):
                posted += 1
        except Exception:  # one channel's failure must not stop the others
            logger.exception("schedule %s: posting to %s:%s failed", schedule_id, platform, channel)
    if posted and agenda_ids:
        mark_agenda_items_used(services=services, item_ids=agenda_ids, slot=slot)
    _mark(
        services=services, schedule_id=schedule_id, slot=None if force else slot, posted=posted > 0, note=""
    )
    return RunResult(posted=posted, slot=slot)


FIRST_PERIOD_LIMIT = timedelta(days=35)  # a monthly schedule's previous slot is at most 31 days back


def first_period_start(schedule: Schedule, slot: datetime) -> datetime:
    """What the first post of a schedule covers: since the slot before this one of its own cron (a daily
    digest one day, `weekdays` back to Friday on a Monday, a monthly one a month) — it was always the last
    7 days, so the first Monthly PM digest left out three weeks. A week when there is none within 35 days."""
    named = build_trigger(cron=schedule.cron, timezone=schedule.timezone)  # the days the cron names
    for window in (timedelta(days=1), timedelta(days=8), FIRST_PERIOD_LIMIT):  # few steps for any cron
        previous = latest_slot(named, now=slot - timedelta(seconds=1), not_before=slot - window)
        if previous is not None:
            return as_utc(previous)
    return slot - timedelta(days=7)


def _mark(*, services: Services, schedule_id: int, slot: datetime | None, posted: bool, note: str) -> None:
    with services.db.session() as session:
        schedule = session.get(Schedule, schedule_id)
        if schedule is None:
            return
        if slot is not None:
            schedule.last_slot = slot
        if posted:
            schedule.last_posted_at = services.now()
        schedule.last_note = note[:255]
        session.add(schedule)


def _post(*, services: Services, address: Address, dedupe_key: str, reply: Reply | None) -> bool:
    """Post to one channel; True when this call queued or sent it (False: that slot was already posted)."""
    if reply is None:  # LSCPA: a scenario per channel, remembered for its thread
        return post_practice(services=services, address=address, dedupe_key=dedupe_key)
    return services.send(address, reply, dedupe_key=dedupe_key).status is not DeliveryStatus.DUPLICATE


def compose(*, services: Services, schedule: Schedule, since: datetime, slot: datetime) -> Reply:
    """The message of a sync / digest / PM digest schedule (LSCPA posts are built per channel)."""
    assert schedule.id is not None
    now = services.now()
    how_often = frequency(schedule.cron)
    if schedule.kind == "sync":
        return build_agenda(
            services=services,
            schedule_id=schedule.id,
            since=since,
            now=now,
            slot=slot,
            frequency=how_often,
            timezone=schedule.timezone,
        )
    if schedule.kind == "pm-digest":
        return build_pm_digest(
            services=services, since=since, now=now, frequency=how_often, timezone=schedule.timezone
        )
    return build_digest(
        services=services, since=since, now=now, frequency=how_often, timezone=schedule.timezone
    )
