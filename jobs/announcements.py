"""Announcement jobs. Each is a plain, idempotent `job(services) -> int` (number of messages queued),
safe to run as often as the scheduler likes: every post carries an outbox dedupe key, so a rerun, a second
process or a crash-and-retry never posts twice.

- `deliver_due_announcements` — scheduled (`at:`) announcements whose time has come.
- `remind_unacknowledged` — DMs to channel members who have not clicked Acknowledge / 已阅, after
  `SALESBRIDGE_ACK_REMINDER_HOURS` and again after each further interval, at most `SALESBRIDGE_ACK_REMINDER_MAX` times.
- `post_eos_reminders` — T-60, T-30, T-7 (`SALESBRIDGE_EOS_REMINDER_DAYS`) before a notice's last-order date.
- `post_launch_milestones` — T-90 … T+90 milestone checklists of every active launch plan.
- `ship_on_release_date` — a release announced ahead of its date marks its `ships:` requests shipped (and
  tells their requesters) on the release date.

Day-based posts (end-of-sale reminders, launch milestones) go out on their day in the schedule timezone,
not before `POST_FROM` local time; a run that was missed (the bot was down) catches up later the same
day or on a later day, but only with the most recent milestone, never one from before the plan existed.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from bot.clock import as_utc
from bot.messages import Address, Reply
from bot.models import Announcement
from services.announcements import followups, launches, workflow
from services.announcements.posts import eos_reminder_reply, milestone_reply
from services.announcements.reminders import remind_pending_readers
from services.announcements.targets import Target, load_targets
from services.context import Services

logger = logging.getLogger(__name__)

POST_FROM = time(9, 0)  # day-based posts wait for the working day in the schedule timezone
REMINDER_HORIZON = timedelta(days=30)  # announcements older than this are not chased any more


def _local_today(services: Services) -> tuple[date, bool]:
    """Today in the schedule timezone, and whether it is late enough in the day to post."""
    local = services.now().astimezone(services.settings.tz)
    return local.date(), local.time() >= POST_FROM


def _local_day(services: Services, moment: datetime) -> date:
    return as_utc(moment).astimezone(services.settings.tz).date()


def deliver_due_announcements(services: Services) -> int:
    """Publish every scheduled announcement whose `at:` time has passed. Returns channel posts made."""
    with services.db.session() as session:
        due = workflow.due_announcements(session=session, now=services.now())
    posts = 0
    for announcement_id in due:
        published = workflow.publish_announcement(services=services, announcement_id=announcement_id)
        if published is not None:
            posts += len(published.targets)
            author = published.announcement
            notes = "\n".join(f"{en}\n{zh}" for en, zh in published.notes)
            services.send(
                Address(platform=author.author_platform, user=author.author),
                _published_note(published.announcement, published.targets, notes),
                dedupe_key=f"announce:{announcement_id}:published-note",
            )
    return posts


def ship_on_release_date(services: Services) -> int:
    """Mark the requests of releases announced ahead of their date shipped once that date has come (from
    `POST_FROM` local time). Once per announcement: the note to its author carries the outbox dedupe key
    that records it. Returns the announcements handled."""
    today, late_enough = _local_today(services)
    if not late_enough:
        return 0
    with services.db.session() as session:
        candidates = followups.releases_due_to_ship(session=session, today=today, horizon=REMINDER_HORIZON)
    handled = 0
    for a in candidates:
        assert a.id is not None and a.release_date is not None
        if a.published_at is None or _local_day(services, a.published_at) >= a.release_date:
            continue  # posted on or after its release date: shipped when posted
        key = f"announce:{a.id}:shipped-on-release-date"
        with services.db.session() as session:
            done = followups.already_queued(session=session, dedupe_key=key)
        if done:
            continue
        en, zh = workflow.mark_requests_shipped(services=services, announcement=a)
        services.send(
            Address(platform=a.author_platform, user=a.author),
            Reply(
                text=f"Release {a.product} {a.version} is out today ({a.release_date.isoformat()}). {en}\n"
                f"{a.product} {a.version} 今天（{a.release_date.isoformat()}）发布。{zh}",
                where="dm",
                color="success",
            ),
            dedupe_key=key,
        )
        handled += 1
    return handled


def _published_note(a: Announcement, targets: list[Target], notes: str) -> Reply:
    where = ", ".join(str(t) for t in targets)
    text = (
        f"Your scheduled announcement #{a.id} was posted to {where}.\n你定时的公告 #{a.id} 已发布到 {where}。"
    )
    return Reply(text=text + (f"\n{notes}" if notes else ""), where="dm", color="success")


def remind_unacknowledged(services: Services) -> int:
    """DM members who have not acknowledged, once per interval, at most N rounds. Returns DMs queued."""
    settings = services.settings
    if settings.ack_reminder_max <= 0:
        return 0
    now = services.now()
    interval = timedelta(hours=settings.ack_reminder_hours)
    with services.db.session() as session:
        recent = followups.published_between(
            session=session, since=now - REMINDER_HORIZON, until=now - interval
        )
        replaced = {notice.id for notice in followups.superseded_eos_notices(session=session)}
    sent = 0
    members: dict[Target, list[str] | None] = {}
    for a in recent:
        assert a.id is not None and a.published_at is not None
        if a.id in replaced:
            continue  # a later end-of-sale notice for the product replaced it: chase that one only
        elapsed = now - as_utc(a.published_at)
        due_round = min(int(elapsed / interval), settings.ack_reminder_max)
        sent += remind_pending_readers(
            services=services, announcement=a, up_to_round=due_round, min_gap=interval, members=members
        ).sent
    return sent


def post_eos_reminders(services: Services) -> int:
    """On T-60 / T-30 / T-7 (configurable) before each last-order date, remind the notice's channels."""
    today, working_hours = _local_today(services)
    if not working_hours:
        return 0
    offsets = services.settings.eos_reminder_days
    with services.db.session() as session:
        notices = followups.eos_notices_before_last_order(session=session, today=today)
    posts = 0
    for a in notices:
        assert a.last_order is not None and a.published_at is not None
        published_day = _local_day(services, a.published_at)
        due = [days for days in offsets if published_day < a.last_order - timedelta(days=days) <= today]
        if not due:
            continue
        days = min(due)  # the most recent reminder; older missed ones are superseded by it
        days_left = (a.last_order - today).days
        for target in load_targets(a.targets):
            posts += workflow.send_once(
                services=services,
                address=Address(platform=target.platform, conversation=target.conversation),
                reply=eos_reminder_reply(a, days_left=days_left),
                key=f"announce:{a.id}:eos-reminder:T-{days}:{target}",
            )
    return posts


def post_launch_milestones(services: Services) -> int:
    """Post each active launch plan's milestone checklist on its day (in the schedule timezone)."""
    today, working_hours = _local_today(services)
    if not working_hours:
        return 0
    with services.db.session() as session:
        plans = launches.active_launches(session=session)
    posts = 0
    for plan in plans:
        # the latest one due; a long outage does not flood channels with stale ones
        milestone = launches.milestone_due(
            plan=plan, since=_local_day(services, plan.created_at), today=today
        )
        if milestone is None:
            continue
        for target in load_targets(plan.targets):
            posts += workflow.send_once(
                services=services,
                address=Address(platform=target.platform, conversation=target.conversation),
                reply=milestone_reply(plan, milestone),
                key=f"launch:{plan.id}:{milestone.label}:{target}",
            )
    return posts
