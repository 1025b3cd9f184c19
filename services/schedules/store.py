"""The `schedule` rows: kinds, channel lists, slot keys, and adding, listing, pausing, resuming, removing.

Every change tells `services.schedules.changes` listeners (the running scheduler applies it at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlmodel import col, select

from bot.clock import as_utc
from bot.errors import NotFound, UsageError
from bot.models import Schedule
from services import calendars
from services.context import Services
from services.schedules import changes
from services.schedules.timing import build_trigger, next_fire_times

KINDS = ("sync", "digest", "pm-digest", "lscpa")
KIND_ALIASES = {
    "sync": "sync", "同步会": "sync", "例会": "sync",
    "digest": "digest", "周报": "digest", "摘要": "digest",
    "pm-digest": "pm-digest", "pmdigest": "pm-digest", "产品周报": "pm-digest",
    "lscpa": "lscpa", "objection": "lscpa", "practice": "lscpa", "异议练习": "lscpa",
}  # fmt: skip
PLATFORMS = ("slack", "feishu", "console")


def parse_channels(value: str) -> list[tuple[str, str]]:
    """`slack:C0123,feishu:oc_abc` → [("slack", "C0123"), ("feishu", "oc_abc")]; bilingual error if bad."""
    pairs: list[tuple[str, str]] = []
    for item in value.replace("，", ",").split(","):
        item = item.strip()
        if not item:
            continue
        platform, sep, channel = item.partition(":")
        if not sep or platform.lower() not in PLATFORMS or not channel.strip():
            raise UsageError(
                f"Channel {item!r} must look like `slack:C0123` or `feishu:oc_abc`.",
                f"频道 {item!r} 的格式应为 `slack:C0123` 或 `feishu:oc_abc`。",
            )
        pairs.append((platform.lower(), channel.strip()))
    if not pairs:
        raise UsageError("Name at least one channel.", "请至少指定一个频道。")
    return list(dict.fromkeys(pairs))


def format_channels(channels: list[tuple[str, str]]) -> str:
    """The stored form of a channel list: `slack:C0123,feishu:oc_abc`."""
    return ",".join(f"{platform}:{channel}" for platform, channel in channels)


def slot_key(slot: datetime) -> str:
    """A slot as text (UTC minute): names one occurrence of a schedule, e.g. in the "Can't attend" button."""
    return as_utc(slot).strftime("%Y%m%dT%H%MZ")


def _not_found(schedule_id: int) -> NotFound:
    return NotFound(f"There is no schedule #{schedule_id}.", f"没有编号为 #{schedule_id} 的定时任务。")


def load_schedule(*, services: Services, schedule_id: int) -> Schedule:
    with services.db.session() as session:
        schedule = session.get(Schedule, schedule_id)
    if schedule is None:
        raise _not_found(schedule_id)
    return schedule


def all_schedules(*, services: Services) -> list[Schedule]:
    """Every schedule, oldest first."""
    with services.db.session() as session:
        return list(session.exec(select(Schedule).order_by(col(Schedule.id))))


def active_schedule_ids(*, services: Services) -> list[int]:
    """The ids of the schedules that are not paused."""
    with services.db.session() as session:
        return [s.id for s in session.exec(select(Schedule).where(col(Schedule.paused).is_(False))) if s.id]


def create_schedule(
    *,
    services: Services,
    kind: str,
    when_text: str,
    cron: str,
    timezone: str,
    calendar: str,
    channels: list[tuple[str, str]],
    user: str,
) -> Schedule:
    """Store a new schedule; nothing before its creation counts as a missed slot."""
    schedule = Schedule(
        kind=kind,
        when_text=when_text[:128],
        cron=cron,
        timezone=timezone,
        calendar=calendar,
        channels=format_channels(channels),
        created_by=user,
        created_at=services.now(),
        last_slot=services.now(),  # nothing before creation is "missed"
    )
    with services.db.session() as session:
        session.add(schedule)
    changes.notify()
    return schedule


def set_paused(*, services: Services, schedule_id: int, paused: bool) -> bool:
    """Pause or resume; slots missed while paused are not posted late. True when the schedule changed, False
    when it already was paused (resp. running): nothing is touched then. NotFound if there is no such
    schedule."""
    with services.db.session() as session:
        row = session.get(Schedule, schedule_id)
        if row is None:
            raise _not_found(schedule_id)
        if row.paused == paused:
            return False
        row.paused = paused
        if not paused:
            row.last_slot = services.now()  # slots missed while paused are not posted late
        session.add(row)
    changes.notify()
    return True


def remove_schedule(*, services: Services, schedule_id: int) -> None:
    """Delete a schedule. NotFound if there is no such schedule."""
    with services.db.session() as session:
        row = session.get(Schedule, schedule_id)
        if row is None:
            raise _not_found(schedule_id)
        session.delete(row)
    changes.notify()


def upcoming_runs(*, cron: str, timezone: str, calendar: str, now: datetime, count: int) -> list[datetime]:
    """The next `count` times that will actually post (holiday-skipped dates left out), in `timezone`."""
    trigger = build_trigger(cron=cron, timezone=timezone, calendar=calendar)
    runs: list[datetime] = []
    cursor = now
    for _ in range(60):  # look ahead a bounded number of fire times
        batch = next_fire_times(trigger, after=cursor, count=10)
        if not batch:
            break
        for fire in batch:
            if calendars.verdict(calendar=calendar, day=fire.date()).run:
                runs.append(fire)
                if len(runs) == count:
                    return runs
        cursor = batch[-1]
    return runs


@dataclass(frozen=True)
class Slot:
    """One coming fire time of a schedule, as its calendar judges the day."""

    at: datetime  # in the schedule's timezone
    runs: bool  # False: a holiday (or a weekend of the calendar) skips it
    makeup: bool  # an official make-up workday (调休) on a weekend: it runs though the cron names weekdays
    reason_en: str = ""  # why it is skipped
    reason_zh: str = ""
    note_en: str = ""  # the calendar's note (make-up workday, holiday data missing)
    note_zh: str = ""


def upcoming_slots(*, cron: str, timezone: str, calendar: str, now: datetime, count: int) -> list[Slot]:
    """The next `count` posting times (as `upcoming_runs`) with the skipped holidays between them and the
    make-up workdays marked. A Monday–Friday schedule with a calendar fires every day and lets the calendar
    decide (`timing.build_trigger`); its ordinary weekends are left out here, only holidays on the days the
    cron names are listed as skipped."""
    trigger = build_trigger(cron=cron, timezone=timezone, calendar=calendar)
    named = build_trigger(cron=cron, timezone=timezone, calendar=calendars.NONE)
    slots: list[Slot] = []
    runs = 0
    cursor = now
    for _ in range(60):  # look ahead a bounded number of fire times, as upcoming_runs does
        batch = next_fire_times(trigger, after=cursor, count=10)
        if not batch:
            break
        for fire in batch:
            day = calendars.verdict(calendar=calendar, day=fire.date())
            cron_day = _named_day(named, fire)
            if day.run:
                slots.append(
                    Slot(at=fire, runs=True, makeup=not cron_day, note_en=day.note_en, note_zh=day.note_zh)
                )
                runs += 1
                if runs == count:
                    return slots
            elif cron_day:
                slots.append(
                    Slot(at=fire, runs=False, makeup=False, reason_en=day.reason_en, reason_zh=day.reason_zh)
                )
        cursor = batch[-1]
    return slots


def _named_day(trigger: CronTrigger, fire: datetime) -> bool:
    """Whether the cron expression itself (not widened for the calendar) fires at `fire`."""
    found = trigger.get_next_fire_time(None, fire - timedelta(seconds=1))
    return found is not None and found == fire
