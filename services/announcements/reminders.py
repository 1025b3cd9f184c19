"""The "please acknowledge" DM to the readers of an announcement who have not clicked Acknowledge / 已阅.

One function for both entry points: the job (`jobs.announcements.remind_unacknowledged`: a round per
`SALESBRIDGE_ACK_REMINDER_HOURS`, at most `SALESBRIDGE_ACK_REMINDER_MAX`) and a PM's "remind those who have not
read it" on the dashboard (the next round for everyone pending, now). The same message
(`posts.ack_reminder_reply`), the same outbox dedupe key per announcement, reader and round, the same
`AckReminder` record: a reader reminded from the dashboard is not reminded again by the job before an interval.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from bot.messages import Address
from bot.models import Announcement
from services.announcements import followups, workflow
from services.announcements.posts import ack_reminder_reply
from services.announcements.targets import Target
from services.context import Services

logger = logging.getLogger(__name__)

MANUAL_GAP = timedelta(minutes=30)  # a reader reminded this recently is skipped by a PM's reminder


@dataclass(frozen=True)
class Reminded:
    pending: int  # readers who have not acknowledged
    sent: int  # DMs queued now
    skipped: int  # pending readers left alone (reminded recently, or all rounds sent)


def remind_pending_readers(
    *,
    services: Services,
    announcement: Announcement,
    up_to_round: int | None,
    min_gap: timedelta,
    members: dict[Target, list[str] | None] | None = None,
) -> Reminded:
    """DM round n+1 to every reader who has not acknowledged and has had n < `up_to_round` reminders (no cap
    with None), unless the last one went out less than `min_gap` ago. `members` caches channel members
    across announcements (one per job run)."""
    assert announcement.id is not None
    now = services.now()
    with services.db.session() as session:
        posts = workflow.posts_of(session=session, announcement_id=announcement.id)
        acked = workflow.acknowledged_users(session=session, announcement_id=announcement.id)
        rounds = followups.reminder_rounds(session=session, announcement_id=announcement.id)
    pending: dict[tuple[str, str], None] = {}
    for post in posts:
        readers, _live = workflow.expected_readers(
            services=services, post=post, author=announcement.author, cache=members
        )
        for user in readers:
            if (post.platform, user) not in acked:
                pending[(post.platform, user)] = None
    sent = skipped = 0
    for platform, user in pending:
        done, last = rounds.get((platform, user), (0, None))
        if (up_to_round is not None and done >= up_to_round) or (last is not None and now - last < min_gap):
            skipped += 1
            continue  # not due, all rounds sent, or the last one went out less than an interval ago
        round_ = done + 1
        queued = workflow.send_once(
            services=services,
            address=Address(platform=platform, user=user),
            reply=ack_reminder_reply(announcement, round_=round_),
            key=f"announce:{announcement.id}:ack-remind:{platform}:{user}:{round_}",
        )
        try:
            with services.db.session() as session:
                followups.record_reminder(
                    session=session,
                    announcement_id=announcement.id,
                    platform=platform,
                    user=user,
                    round_=round_,
                    now=now,
                )
        except IntegrityError:
            logger.info("ack reminder %s/%s round %d already recorded", platform, user, round_)
        sent += int(queued)
    return Reminded(pending=len(pending), sent=sent, skipped=skipped)
