"""What the announcement jobs follow up on (`jobs.announcements`): published announcements still worth an
acknowledgement reminder and the rounds each reader has had, end-of-sale notices before their last-order
date, and releases announced ahead of their date whose requests ship on it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from bot.clock import as_utc
from bot.models import AckReminder, Announcement, OutboxMessage


def published_between(*, session: Session, since: datetime, until: datetime) -> list[Announcement]:
    """Announcements published in [`since`, `until`]."""
    return list(
        session.exec(
            select(Announcement).where(
                col(Announcement.status) == "published",
                col(Announcement.published_at) >= since,
                col(Announcement.published_at) <= until,
            )
        )
    )


def reminder_rounds(*, session: Session, announcement_id: int) -> dict[tuple[str, str], tuple[int, datetime]]:
    """(platform, user) → (acknowledgement reminders sent so far, when the last one went out)."""
    return {
        (platform, user): (count, as_utc(last))
        for platform, user, count, last in session.exec(
            select(
                AckReminder.platform,
                AckReminder.user_id,
                func.count(),
                func.max(AckReminder.sent_at),
            )
            .where(col(AckReminder.announcement_id) == announcement_id)
            .group_by(col(AckReminder.platform), col(AckReminder.user_id))
        )
    }


def record_reminder(
    *, session: Session, announcement_id: int, platform: str, user: str, round_: int, now: datetime
) -> None:
    """Round `round_` went to `user`; a second record of the same round raises IntegrityError (on flush)."""
    session.add(
        AckReminder(
            announcement_id=announcement_id, platform=platform, user_id=user, round=round_, sent_at=now
        )
    )


def _all_published_eos_notices(*, session: Session) -> list[Announcement]:
    """Every published end-of-sale notice, oldest first (the order `eos_notice_for` reads newest first)."""
    query = (
        select(Announcement)
        .where(col(Announcement.kind) == "eos", col(Announcement.status) == "published")
        .order_by(col(Announcement.published_at), col(Announcement.id))
    )
    return list(session.exec(query))


def product_key(product: str) -> str:
    """Notices name the same product whatever the case or the spaces around it."""
    return product.strip().lower()


def published_eos_notices(*, session: Session) -> list[Announcement]:
    """The published end-of-sale notices in force: the newest one of each product. A later notice for the
    same product (new dates, a correction) replaces the earlier ones, which get no more reminders and are
    no longer quoted."""
    latest: dict[str, Announcement] = {}
    for notice in _all_published_eos_notices(session=session):
        latest[product_key(notice.product)] = notice
    return sorted(latest.values(), key=lambda notice: notice.id or 0)


def superseded_eos_notices(*, session: Session, product: str | None = None) -> list[Announcement]:
    """Published end-of-sale notices replaced by a later one for the same product (of `product` only,
    when given)."""
    current = {notice.id for notice in published_eos_notices(session=session)}
    return [
        notice
        for notice in _all_published_eos_notices(session=session)
        if notice.id not in current
        and (product is None or product_key(notice.product) == product_key(product))
    ]


def eos_notices_before_last_order(*, session: Session, today: date) -> list[Announcement]:
    """Published end-of-sale notices whose last-order date is still ahead of `today`."""
    return [
        a
        for a in published_eos_notices(session=session)
        if a.last_order is not None and a.last_order > today and a.published_at is not None
    ]


def releases_due_to_ship(*, session: Session, today: date, horizon: timedelta) -> list[Announcement]:
    """Published releases with `ships:` requests whose release date is in [`today` - `horizon`, `today`]."""
    return list(
        session.exec(
            select(Announcement).where(
                col(Announcement.kind) == "release",
                col(Announcement.status) == "published",
                col(Announcement.ships) != "",
                col(Announcement.release_date) <= today,
                col(Announcement.release_date) >= today - horizon,
            )
        )
    )


def already_queued(*, session: Session, dedupe_key: str) -> bool:
    """Whether a message with this outbox dedupe key was ever queued (the record that a one-off was done)."""
    found = session.exec(select(OutboxMessage.id).where(col(OutboxMessage.dedupe_key) == dedupe_key)).first()
    return found is not None
