"""The weekly product–sales sync reminder, with an agenda built from live data.

Sections: new feature requests since the last sync and the top ones by score, requests whose status
changed, upcoming releases and end-of-sale dates, questions escalated to the PMs and still open, announcements
still below the acknowledgement threshold (both stay on every agenda until resolved, `open_items`), and items
people added with the "Add agenda item" button. Buttons: "Add agenda item"
(a form; stored for the next agenda) and "Can't attend" (recorded per occurrence and listed).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.chat_text import mention
from bot.clock import as_utc
from bot.messages import Button, Reply
from bot.models import AgendaItem, SyncAbsence
from services.announcements.workflow import upcoming_releases_and_eos
from services.context import Services
from services.questions.escalation import unanswered_questions
from services.requests.queries import requests_created_since, status_changes_since, top_requests
from services.schedules.lines import (
    ack_rate_line,
    escalation_line,
    request_line,
    status_change_line,
    upcoming_line,
)
from services.schedules.names import WEEKLY, sync_title
from services.schedules.open_items import ACK_WINDOW, LOW_ACK, under_acknowledged
from services.schedules.sections import block, read_section
from services.schedules.store import slot_key

ADD_ITEM_ACTION = "schedule.agenda.add"
CANT_ATTEND_ACTION = "schedule.sync.absent"


def pending_agenda_items(*, services: Services, schedule_id: int) -> list[AgendaItem]:
    with services.db.session() as session:
        return list(
            session.exec(
                select(AgendaItem)
                .where(col(AgendaItem.schedule_id) == schedule_id, col(AgendaItem.used_slot).is_(None))
                .order_by(col(AgendaItem.id))
            )
        )


def add_agenda_item(
    *, services: Services, schedule_id: int, text: str, platform: str, user: str
) -> AgendaItem:
    item = AgendaItem(
        schedule_id=schedule_id,
        text=text.strip()[:2000],
        platform=platform,
        added_by=user,
        created_at=services.now(),
    )
    with services.db.session() as session:
        session.add(item)
    return item


def record_absence(*, services: Services, schedule_id: int, slot_key: str, platform: str, user: str) -> bool:
    """True when newly recorded, False when this person had already said so."""
    try:
        with services.db.session() as session:
            session.add(
                SyncAbsence(
                    schedule_id=schedule_id,
                    slot_key=slot_key,
                    platform=platform,
                    user_id=user,
                    created_at=services.now(),
                )
            )
        return True
    except IntegrityError:
        return False


def absentees(*, services: Services, schedule_id: int, slot_key: str) -> list[SyncAbsence]:
    with services.db.session() as session:
        return list(
            session.exec(
                select(SyncAbsence)
                .where(col(SyncAbsence.schedule_id) == schedule_id, col(SyncAbsence.slot_key) == slot_key)
                .order_by(col(SyncAbsence.id))
            )
        )


def mark_agenda_items_used(*, services: Services, item_ids: list[int], slot: datetime) -> None:
    """Called once the agenda was posted: these items do not come back next time."""
    with services.db.session() as session:
        for item_id in item_ids:
            row = session.get(AgendaItem, item_id)
            if row is not None and row.used_slot is None:
                row.used_slot = slot
                session.add(row)


def build_agenda(
    *,
    services: Services,
    schedule_id: int,
    since: datetime,
    now: datetime,
    slot: datetime,
    frequency: str = WEEKLY,
    timezone: str | None = None,
) -> Reply:
    """The reminder with its agenda (added items stay pending until `mark_agenda_items_used`); its title
    says how often the sync is held (`names.frequency` of the schedule). Dates are counted in the schedule's
    `timezone` (default `SALESBRIDGE_TIMEZONE`): "the next 14 days" start with the team's today."""
    zone = timezone or services.settings.timezone
    local_since = as_utc(since).astimezone(ZoneInfo(zone))
    new = read_section(
        services, lambda s: requests_created_since(session=s, since=since), name="new requests"
    )
    top = read_section(services, lambda s: top_requests(session=s, limit=5), name="top requests")
    moved = read_section(
        services, lambda s: status_changes_since(session=s, since=since), name="status changes"
    )
    upcoming = read_section(
        services,
        lambda s: upcoming_releases_and_eos(session=s, now=now, days=14, timezone=zone),
        name="upcoming releases and end-of-sale dates",
    )
    unanswered = read_section(
        services, lambda s: unanswered_questions(session=s), name="unanswered questions"
    )
    low_ack = read_section(
        services, lambda s: under_acknowledged(session=s, now=now), name="acknowledgement rates"
    )
    added = pending_agenda_items(services=services, schedule_id=schedule_id)
    added_text = (
        "\n".join(f"• {item.text} ({mention(item.added_by, platform=item.platform)})" for item in added)
        or "—"
    )
    parts = [
        block(f"New feature requests since {local_since:%Y-%m-%d} / 新需求", new, request_line, empty="—"),
        block("Top requests by score / 高分需求", top, request_line, empty="—"),
        block("Status changes / 状态变更", moved, status_change_line, empty="—"),
        block(
            "Upcoming releases & end-of-sale (14 days) / 即将发布与停售", upcoming, upcoming_line, empty="—"
        ),
        block(
            "Unanswered & escalated questions / 未解答与升级的问题", unanswered, escalation_line, empty="—"
        ),
        block(
            f"Announcements below {LOW_ACK:.0%} acknowledged (published in the last {ACK_WINDOW.days} days)"
            f" / 确认率低于 {LOW_ACK:.0%} 的公告（近 {ACK_WINDOW.days} 天发布）",
            low_ack,
            ack_rate_line,
            empty="—",
        ),
        f"**Added by the team / 团队添加的议题**\n{added_text}",
    ]
    key = slot_key(slot)
    title_en, title_zh = sync_title(frequency)
    return Reply(
        title=f"{title_en} / {title_zh}",
        text="Agenda for today's sync / 今日议程:\n\n" + "\n\n".join(parts),
        buttons=[
            Button(action_id=ADD_ITEM_ACTION, label="Add agenda item / 添加议题", value=str(schedule_id)),
            Button(
                action_id=CANT_ATTEND_ACTION, label="Can't attend / 无法参加", value=f"{schedule_id}:{key}"
            ),
        ],
        context=[f"Schedule #{schedule_id} · since {local_since:%Y-%m-%d %H:%M} ({zone})"],
        where="channel",
        color="info",
    )
