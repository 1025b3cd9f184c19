"""Items that stay on the sync agenda and the PM digest until they are resolved, not only in the week they
appeared: questions escalated to the PMs and still open, and announcements still below the
acknowledgement threshold.

- An open escalation is listed until a PM answers (or declines) it, however old it is
  (`services.questions.escalation.unanswered_questions` without `since`).
- An announcement is listed while fewer than `LOW_ACK` of the members it reached have acknowledged it and
  it was published at most `ACK_WINDOW` ago: after that the reminders have long stopped and the news is
  stale, so it leaves the agenda rather than staying there forever.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from services.announcements.workflow import AckRate, acknowledgement_rates

LOW_ACK = 0.8  # announcements acknowledged by fewer than 80% of their audience are listed
ACK_WINDOW = timedelta(days=30)  # … while published at most this long ago


def low_acknowledgement(rates: Sequence[AckRate]) -> list[AckRate]:
    """The announcements acknowledged by fewer than `LOW_ACK` of the members they reached (posted to nobody
    yet: no rate to judge)."""
    return [rate for rate in rates if rate.expected and rate.rate < LOW_ACK]


def under_acknowledged(*, session: Session, now: datetime) -> list[AckRate]:
    """Announcements published within `ACK_WINDOW` before `now` and still below `LOW_ACK`, oldest first."""
    return low_acknowledgement(acknowledgement_rates(session=session, since=now - ACK_WINDOW))


def acknowledgement_report(*, session: Session, since: datetime, now: datetime) -> list[AckRate]:
    """The PM digest's rates: every announcement published since `since`, after the older ones that are
    still under-acknowledged (`under_acknowledged`), each once, oldest first."""
    recent = acknowledgement_rates(session=session, since=since)
    shown = {rate.announcement_id for rate in recent}
    older = [
        rate for rate in under_acknowledged(session=session, now=now) if rate.announcement_id not in shown
    ]
    return older + recent
