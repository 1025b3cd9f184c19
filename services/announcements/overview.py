"""Announcements as the dashboard shows them: each with its acknowledgement count, who read it per channel and
per person (both platforms), and the active launch plans as timelines (T-90 … T+90).

Counts in the list come from the members each channel had when the post went out (no platform call per
row); an announcement's own page asks the platforms for the members now, as `announce status` does in chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.clock import as_utc
from bot.models import Acknowledgement, AckReminder, Announcement, AnnouncementPost, LaunchPlan
from services.announcements import launches, workflow
from services.announcements.launches import MILESTONES, Milestone
from services.announcements.targets import Target, load_targets
from services.context import Services

STATUSES = ("draft", "scheduled", "published", "cancelled")


@dataclass(frozen=True)
class AnnouncementRow:
    announcement: Announcement
    acknowledged: int
    expected: int  # members of its channels when posted, the author left out (0: unknown or not posted)
    channels: int

    @property
    def rate(self) -> float:
        return self.acknowledged / self.expected if self.expected else 0.0


def announcement_rows(
    *, session: Session, published_only: bool, kind: str = "", limit: int = 200
) -> list[AnnouncementRow]:
    """The latest announcements (newest first) with their acknowledgement counts. `published_only`: what
    sales see."""
    query = select(Announcement).order_by(col(Announcement.id).desc()).limit(limit)
    if published_only:
        query = query.where(col(Announcement.status) == "published")
    if kind:
        query = query.where(col(Announcement.kind) == kind)
    announcements = list(session.exec(query))
    ids = [a.id for a in announcements if a.id is not None]
    posts: dict[int, list[AnnouncementPost]] = {}
    acks: dict[int, set[tuple[str, str]]] = {}
    if ids:
        for post in session.exec(
            select(AnnouncementPost).where(col(AnnouncementPost.announcement_id).in_(ids))
        ):
            posts.setdefault(post.announcement_id, []).append(post)
        for announcement_id, platform, user in session.exec(
            select(Acknowledgement.announcement_id, Acknowledgement.platform, Acknowledgement.user_id).where(
                col(Acknowledgement.announcement_id).in_(ids)
            )
        ):
            acks.setdefault(announcement_id, set()).add((platform, user))
    rows = []
    for a in announcements:
        assert a.id is not None
        expected = {
            (post.platform, member)
            for post in posts.get(a.id, [])
            for member in post.members.split(",")
            if member and member != a.author
        }
        acked = acks.get(a.id, set())
        rows.append(
            AnnouncementRow(
                announcement=a,
                acknowledged=len(acked & expected) if expected else len(acked),
                expected=len(expected),
                channels=len(posts.get(a.id, [])),
            )
        )
    return rows


@dataclass(frozen=True)
class Reader:
    """One person an announcement went to, on their own platform."""

    platform: str
    user: str
    channels: tuple[str, ...]  # where they were reached ("slack:C1")
    acknowledged_at: datetime | None
    reminders: int  # "please acknowledge" DMs sent so far
    last_reminded: datetime | None


@dataclass(frozen=True)
class Readership:
    channels: list[workflow.ChannelStatus]
    readers: list[Reader] = field(default_factory=list)

    @property
    def acknowledged(self) -> int:
        return sum(1 for r in self.readers if r.acknowledged_at is not None)

    @property
    def pending(self) -> int:
        return sum(1 for r in self.readers if r.acknowledged_at is None)


def readership(*, services: Services, announcement: Announcement) -> Readership:
    """Per channel (members now, or the snapshot when the platform cannot tell) and per person: who
    acknowledged and when, who has not, and the reminders each has had."""
    assert announcement.id is not None
    channels = workflow.acknowledgement_status(services=services, announcement=announcement)
    with services.db.session() as session:
        acks = {
            (ack.platform, ack.user_id): as_utc(ack.created_at)
            for ack in session.exec(
                select(Acknowledgement).where(col(Acknowledgement.announcement_id) == announcement.id)
            )
        }
        reminders: dict[tuple[str, str], list[datetime]] = {}
        for row in session.exec(
            select(AckReminder).where(col(AckReminder.announcement_id) == announcement.id)
        ):
            reminders.setdefault((row.platform, row.user_id), []).append(as_utc(row.sent_at))
    where: dict[tuple[str, str], list[str]] = {}
    for status in channels:
        for user in [*status.acknowledged, *status.pending]:
            where.setdefault((status.target.platform, user), []).append(str(status.target))
    for person in acks:  # acknowledged, though no longer (or never listed as) a member
        where.setdefault(person, [])
    readers = [
        Reader(
            platform=platform,
            user=user,
            channels=tuple(where[(platform, user)]),
            acknowledged_at=acks.get((platform, user)),
            reminders=len(reminders.get((platform, user), [])),
            last_reminded=max(reminders.get((platform, user), []), default=None),
        )
        for platform, user in where
    ]
    readers.sort(key=lambda r: (r.acknowledged_at is not None, r.platform, r.user))
    return Readership(channels=channels, readers=readers)


@dataclass(frozen=True)
class MilestoneDay:
    milestone: Milestone
    day: date  # the day it is posted (moved to the previous working day of the plan's calendar)
    moved: bool  # the nominal T±n day is a weekend or holiday
    state: str  # past | next | upcoming


@dataclass(frozen=True)
class LaunchTimeline:
    plan: LaunchPlan
    targets: list[Target]
    milestones: list[MilestoneDay]

    @property
    def span(self) -> tuple[date, date]:
        return self.milestones[0].day, self.milestones[-1].day


def launch_timelines(*, session: Session, today: date) -> list[LaunchTimeline]:
    """Every active launch plan with its milestones (T-90 … T+90), soonest launch first."""
    timelines = []
    for plan in launches.active_launches(session=session):
        coming = launches.next_milestone(plan=plan, today=today)
        days = []
        for milestone in MILESTONES:
            day = launches.milestone_day(plan=plan, milestone=milestone)
            nominal = plan.launch_date + timedelta(days=milestone.offset)
            state = "past" if day < today else ("next" if milestone == coming else "upcoming")
            days.append(MilestoneDay(milestone=milestone, day=day, moved=day != nominal, state=state))
        timelines.append(LaunchTimeline(plan=plan, targets=load_targets(plan.targets), milestones=days))
    return timelines
